import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { MicroscopeError } from '@microscope/contracts';
import type { BlobStore } from '@microscope/storage';

/** File names inside an upload: a plain name, no folders, so they can never escape the staging prefix. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const UPLOAD_ID = /^[0-9a-f-]{36}$/;

export interface UploadLimits {
  /** Largest single file, bytes. */
  maxFileBytes: number;
}

/**
 * Staging for uploads: files stream into `uploads/<id>/<name>` in the blob store; a registration then validates
 * them and either commits them under their content-addressed key or discards the whole upload. Nothing reaches
 * the catalog from here directly, so a half-finished upload can never be half-registered.
 */
export class UploadArea {
  constructor(
    private readonly blobs: BlobStore,
    private readonly limits: UploadLimits,
  ) {}

  begin(): string {
    return randomUUID();
  }

  async putFile(uploadId: string, name: string, body: Readable, declaredBytes?: number): Promise<{ name: string; size: number }> {
    this.checkId(uploadId);
    const max = this.limits.maxFileBytes;
    // Refuse early when the client says how big the file is; the stream limit below catches clients that lie.
    if (declaredBytes !== undefined && declaredBytes > max) {
      throw new MicroscopeError('TOO_LARGE', `${name} is ${declaredBytes} bytes; the upload limit is ${max} bytes`);
    }
    if (!FILE_NAME.test(name)) {
      throw new MicroscopeError('INVALID_INPUT', `upload file name "${name}" is not allowed (letters, digits, ".", "_", "-"; no folders)`);
    }
    let size = 0;
    // A generator rather than a Transform: its error surfaces in whoever reads the stream (the blob store's put).
    async function* limited(): AsyncGenerator<Buffer> {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > max) throw new MicroscopeError('TOO_LARGE', `${name} exceeds the upload limit of ${max} bytes`);
        yield chunk;
      }
    }
    try {
      await this.blobs.put(this.key(uploadId, name), Readable.from(limited()));
    } catch (e) {
      await this.blobs.delete(this.key(uploadId, name));
      throw e;
    }
    return { name, size };
  }

  async list(uploadId: string): Promise<{ name: string; size: number }[]> {
    this.checkId(uploadId);
    const prefix = this.key(uploadId, '');
    const infos = await this.blobs.list(prefix);
    if (!infos.length) throw new MicroscopeError('NOT_FOUND', `upload ${uploadId} has no files (upload them first)`);
    return infos.map((i) => ({ name: i.key.slice(prefix.length), size: i.size }));
  }

  read(uploadId: string, name: string): Promise<Buffer> {
    this.checkId(uploadId);
    return this.blobs.get(this.key(uploadId, name));
  }

  async discard(uploadId: string): Promise<void> {
    this.checkId(uploadId);
    await this.blobs.deletePrefix(this.key(uploadId, ''));
  }

  private key(uploadId: string, name: string): string {
    return `uploads/${uploadId}/${name}`;
  }

  private checkId(uploadId: string): void {
    if (!UPLOAD_ID.test(uploadId)) throw new MicroscopeError('INVALID_INPUT', `"${uploadId}" is not an upload id`);
  }
}
