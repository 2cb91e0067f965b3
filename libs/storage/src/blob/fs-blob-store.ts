import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MicroscopeError } from '@microscope/contracts';
import { validateBlobKey, validateBlobPrefix } from './blob-key';
import type { BlobInfo, BlobStore } from './blob-store';

/**
 * The embedded object store: one file per key under `rootDir`, so the tree is browsable and backs up with `cp -a`.
 *
 * Writes go to a temporary file in the target's directory, are fsync'ed, then renamed over the target: readers see the
 * whole old object or the whole new one. The SHA-256 etag is computed while writing and kept in a sidecar under
 * `rootDir/.meta/<key>` together with the file's inode, size and mtime; a sidecar that does not match the file (a crash
 * between the two renames, a racing writer, a hand-edited file) is ignored and the hash recomputed and rewritten, so
 * `stat` and `list` stay cheap without ever reporting a wrong etag. Keys cannot start a segment with ".", so the
 * sidecar tree and temporary files never collide with objects.
 */
export class FsBlobStore implements BlobStore {
  readonly kind = 'fs';
  readonly rootDir: string;
  private readonly metaDir: string;

  constructor(rootDir: string) {
    this.rootDir = path.resolve(rootDir);
    this.metaDir = path.join(this.rootDir, '.meta');
  }

  async put(key: string, body: Buffer | Uint8Array | Readable, options?: { contentType?: string }): Promise<BlobInfo> {
    validateBlobKey(key);
    const target = this.dataPath(key);
    const { tmp, sha256, file } = await this.writeTemporary(path.dirname(target), key, body);
    try {
      await rename(tmp, target);
    } catch (error) {
      await unlink(tmp).catch(() => undefined);
      if (code(error) === 'EISDIR' || code(error) === 'ENOTEMPTY' || code(error) === 'EEXIST') {
        throw new MicroscopeError('CONFLICT', `object key "${key}" is a prefix of other keys on the filesystem store`);
      }
      throw error;
    }
    // The sidecar describes *this* write's file (its inode survives the rename): if a racing writer's file
    // replaced it meanwhile, the sidecar no longer matches the target and is ignored.
    const meta: Sidecar = { sha256, ino: file.ino, size: file.size, mtimeMs: file.mtimeMs, contentType: options?.contentType ?? null };
    await this.writeSidecar(key, meta);
    return info(key, file, sha256);
  }

  async get(key: string): Promise<Buffer> {
    validateBlobKey(key);
    try {
      return await readFile(this.dataPath(key));
    } catch (error) {
      throw notFoundOr(error, key);
    }
  }

  async getStream(key: string): Promise<Readable> {
    validateBlobKey(key);
    // Opening first makes a missing key fail here rather than in the stream, and pins this version of the file:
    // a concurrent overwrite renames a new file in and leaves the open one intact.
    const handle = await open(this.dataPath(key), 'r').catch((error: unknown) => {
      throw notFoundOr(error, key);
    });
    const file = await handle.stat();
    if (!file.isFile()) {
      await handle.close();
      throw new MicroscopeError('NOT_FOUND', `no object "${key}"`);
    }
    return handle.createReadStream();
  }

  async stat(key: string): Promise<BlobInfo | null> {
    validateBlobKey(key);
    return this.statValid(key);
  }

  async exists(key: string): Promise<boolean> {
    validateBlobKey(key);
    const file = await stat(this.dataPath(key)).catch(() => null);
    return file?.isFile() ?? false;
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    validateBlobPrefix(prefix);
    const keys = await this.keysWithPrefix(prefix);
    const infos: BlobInfo[] = [];
    for (const key of keys) {
      const found = await this.statValid(key);
      if (found) infos.push(found); // deleted while listing: leave it out
    }
    return infos;
  }

  async delete(key: string): Promise<void> {
    validateBlobKey(key);
    await this.remove(key);
  }

  async deletePrefix(prefix: string): Promise<number> {
    validateBlobPrefix(prefix);
    let removed = 0;
    for (const key of await this.keysWithPrefix(prefix)) {
      if (await this.remove(key)) removed += 1;
    }
    return removed;
  }

  async presignedGetUrl(key: string): Promise<string | null> {
    validateBlobKey(key);
    return null; // files are served through the API
  }

  async close(): Promise<void> {
    // Nothing held open between calls.
  }

  private dataPath(key: string): string {
    return path.join(this.rootDir, ...key.split('/'));
  }

  private sidecarPath(key: string): string {
    return path.join(this.metaDir, ...key.split('/'));
  }

  /** Streams the body into a new temporary file in `dir`, hashing as it goes, and makes it durable. */
  private async writeTemporary(
    dir: string,
    key: string,
    body: Buffer | Uint8Array | Readable,
  ): Promise<{ tmp: string; sha256: string; file: Stats }> {
    const tmp = path.join(dir, `.tmp-${randomUUID()}`);
    const handle = await openCreating(tmp, key);
    const hash = createHash('sha256');
    try {
      for await (const chunk of chunksOf(body)) {
        hash.update(chunk);
        let written = 0;
        while (written < chunk.length) {
          const { bytesWritten } = await handle.write(chunk, written, chunk.length - written);
          written += bytesWritten;
        }
      }
      await handle.sync();
      const file = await handle.stat();
      await handle.close();
      return { tmp, sha256: hash.digest('hex'), file };
    } catch (error) {
      await handle.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
  }

  private async writeSidecar(key: string, meta: Sidecar): Promise<void> {
    const target = this.sidecarPath(key);
    const tmp = path.join(path.dirname(target), `.tmp-${randomUUID()}`);
    const handle = await openCreating(tmp, key);
    try {
      await handle.writeFile(JSON.stringify(meta));
    } finally {
      await handle.close();
    }
    await rename(tmp, target);
  }

  /** The object's info with a trustworthy etag, or null if the key holds no object. */
  private async statValid(key: string): Promise<BlobInfo | null> {
    const file = await stat(this.dataPath(key)).catch(() => null);
    if (!file?.isFile()) return null;
    const meta = await readSidecar(this.sidecarPath(key));
    if (meta && meta.ino === file.ino && meta.size === file.size && meta.mtimeMs === file.mtimeMs) {
      return info(key, file, meta.sha256);
    }
    const sha256 = await hashFile(this.dataPath(key)).catch(() => null);
    if (sha256 === null) return null;
    await this.writeSidecar(key, { sha256, ino: file.ino, size: file.size, mtimeMs: file.mtimeMs, contentType: meta?.contentType ?? null });
    return info(key, file, sha256);
  }

  private async remove(key: string): Promise<boolean> {
    let removed = true;
    await unlink(this.dataPath(key)).catch((error: unknown) => {
      if (code(error) === 'ENOENT' || code(error) === 'EISDIR' || code(error) === 'EPERM') removed = false;
      else throw error;
    });
    await unlink(this.sidecarPath(key)).catch(() => undefined);
    await pruneEmptyParents(this.rootDir, this.dataPath(key));
    await pruneEmptyParents(this.metaDir, this.sidecarPath(key));
    return removed;
  }

  /** Keys under `prefix`, in UTF-8 byte order (S3's listing order). */
  private async keysWithPrefix(prefix: string): Promise<string[]> {
    const slash = prefix.lastIndexOf('/');
    const baseKey = slash < 0 ? '' : prefix.slice(0, slash);
    const namePrefix = prefix.slice(slash + 1);
    const keys: string[] = [];
    const walk = async (relative: string, filter: string): Promise<void> => {
      const entries = await readdir(relative === '' ? this.rootDir : this.dataPath(relative), { withFileTypes: true }).catch(
        (error: unknown) => {
          if (code(error) === 'ENOENT' || code(error) === 'ENOTDIR') return [];
          throw error;
        },
      );
      for (const entry of entries) {
        if (entry.name.startsWith('.') || !entry.name.startsWith(filter)) continue;
        const key = relative === '' ? entry.name : `${relative}/${entry.name}`;
        if (entry.isDirectory()) await walk(key, '');
        else if (entry.isFile()) keys.push(key);
      }
    };
    await walk(baseKey, namePrefix);
    return keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }
}

interface Sidecar {
  sha256: string;
  ino: number;
  size: number;
  mtimeMs: number;
  contentType: string | null;
}

function info(key: string, file: Stats, sha256: string): BlobInfo {
  return { key, size: file.size, etag: sha256, lastModified: new Date(file.mtimeMs) };
}

async function readSidecar(file: string): Promise<Sidecar | null> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<Sidecar>;
    return typeof parsed.sha256 === 'string' && typeof parsed.size === 'number' ? (parsed as Sidecar) : null;
  } catch {
    return null; // missing or torn: recompute
  }
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Creates `file` exclusively, making its directory first. A concurrent delete may prune that directory between the
 * two steps, so this retries a few times.
 */
async function openCreating(file: string, key: string) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await mkdir(path.dirname(file), { recursive: true });
      return await open(file, 'wx');
    } catch (error) {
      if (code(error) === 'ENOENT' && attempt < 5) continue;
      if (code(error) === 'ENOTDIR' || code(error) === 'EEXIST') {
        throw new MicroscopeError('CONFLICT', `object key "${key}" runs through another object on the filesystem store`);
      }
      throw error;
    }
  }
}

async function* chunksOf(body: Buffer | Uint8Array | Readable): AsyncGenerator<Buffer> {
  if (body instanceof Uint8Array) {
    yield Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    return;
  }
  for await (const chunk of body as AsyncIterable<Buffer | Uint8Array | string>) {
    yield typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
}

/** Removes now-empty directories from `file`'s parent up to (not including) `root`, so listings stay fast. */
async function pruneEmptyParents(root: string, file: string): Promise<void> {
  let dir = path.dirname(file);
  while (dir.startsWith(root + path.sep)) {
    try {
      await rmdir(dir);
    } catch {
      return; // not empty (or already gone): stop
    }
    dir = path.dirname(dir);
  }
}

function notFoundOr(error: unknown, key: string): unknown {
  if (code(error) === 'ENOENT' || code(error) === 'EISDIR' || code(error) === 'ENOTDIR') {
    return new MicroscopeError('NOT_FOUND', `no object "${key}"`);
  }
  return error;
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}
