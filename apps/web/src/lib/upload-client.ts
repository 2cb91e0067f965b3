import { uploadErrorFrom } from './server-errors';

/** File names the upload area accepts: a plain name, letters, digits, ".", "_", "-", at most 200 characters. */
const ALLOWED = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/**
 * A name the upload area accepts for a probe image, keeping its extension and as much of the name as it can,
 * unique within `taken`. (Model files keep their names: model.json refers to its weight shards by name.)
 */
export function safeImageName(name: string, taken: Set<string>): string {
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot).toLowerCase().replace(/[^a-z0-9.]/g, '') : '';
  let stem = (dot > 0 ? name.slice(0, dot) : name).replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '');
  stem = (stem || 'image').slice(0, 180);
  let candidate = `${stem}${ext}`;
  for (let i = 2; taken.has(candidate) || !ALLOWED.test(candidate); i++) candidate = `${stem}-${i}${ext}`.replace(/^[^A-Za-z0-9]+/, 'image');
  taken.add(candidate);
  return candidate;
}

export interface UploadFile {
  name: string;
  body: Blob;
}

/**
 * Stages files with the API's byte routes (through the dashboard's origin): one upload id, one PUT per file.
 * A refusal (too large, a bad name) throws an UploadError carrying the server's code and message.
 */
export async function stageUpload(files: UploadFile[], onProgress?: (done: number, total: number) => void, fetchImpl: typeof fetch = fetch): Promise<string> {
  const begun = await fetchImpl('/uploads', { method: 'POST' });
  if (!begun.ok) throw await uploadErrorFrom(begun, 'the upload');
  const { uploadId } = (await begun.json()) as { uploadId: string };
  let done = 0;
  onProgress?.(0, files.length);
  // Two at a time: enough to hide latency, few enough not to starve the API of its two cores.
  const queue = [...files];
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const res = await fetchImpl(`/uploads/${encodeURIComponent(uploadId)}/${encodeURIComponent(file.name)}`, { method: 'PUT', body: file.body });
      if (!res.ok) throw await uploadErrorFrom(res, file.name);
      onProgress?.(++done, files.length);
    }
  };
  await Promise.all([worker(), worker()]);
  return uploadId;
}
