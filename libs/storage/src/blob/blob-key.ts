import { MicroscopeError } from '@microscope/contracts';

/**
 * The key rules every BlobStore enforces, so one key means the same object on the filesystem and on S3.
 * Keys are derived by the product ("models/<hash>/model.json"), never user paths: `/`-separated segments of
 * printable characters, none empty, none starting with "." (which rules out "." and ".." and leaves dot-names
 * for the stores' own bookkeeping), no backslash, at most 1024 UTF-8 bytes in all and 255 per segment.
 */
export function validateBlobKey(key: string): string {
  const problem = keyProblem(key);
  if (problem) throw new MicroscopeError('INVALID_INPUT', `invalid object key ${JSON.stringify(key)}: ${problem}`);
  return key;
}

/**
 * A listing prefix: "" (everything), a key, a key with a trailing "/", or a key whose last segment is partial
 * ("renders/abc/conv1/1" lists units 1, 10, 11…). The same rules as keys apply to its whole segments.
 */
export function validateBlobPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  const problem = trimmed === '' ? 'must not start with "/"' : keyProblem(trimmed);
  if (problem) throw new MicroscopeError('INVALID_INPUT', `invalid object key prefix ${JSON.stringify(prefix)}: ${problem}`);
  return prefix;
}

function keyProblem(key: string): string | null {
  if (typeof key !== 'string' || key.length === 0) return 'must not be empty';
  if (key.startsWith('/')) return 'must be relative (no leading "/")';
  if (key.includes('\\')) return 'must not contain a backslash';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'must not contain control characters';
  if (Buffer.byteLength(key) > 1024) return 'must be at most 1024 bytes';
  for (const segment of key.split('/')) {
    if (segment === '') return 'must not contain empty segments ("//" or a trailing "/")';
    if (segment === '..' || segment === '.') return 'must not contain "." or ".." segments';
    if (segment.startsWith('.')) return 'segments must not start with "."';
    if (Buffer.byteLength(segment) > 255) return 'segments must be at most 255 bytes';
  }
  return null;
}
