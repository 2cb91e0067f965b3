import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { MicroscopeError } from '@microscope/contracts';
import { Client, type BucketItem } from 'minio';
import { validateBlobKey, validateBlobPrefix } from './blob-key';
import type { BlobInfo, BlobStore } from './blob-store';

export interface S3BlobStoreOptions {
  /** The S3 API's base URL, e.g. "http://127.0.0.1:18080" (Swift s3api in tests) or "https://minio.lab:9000". */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  /** Default "us-east-1" (MinIO's and s3api's default). Setting it spares the client a region lookup per bucket. */
  region?: string;
  /**
   * Base URL that browsers reach the object store at, when it differs from `endpoint` (an ingress in front of MinIO);
   * presigned URLs are signed for this host. Default: `endpoint`.
   */
  publicEndpoint?: string;
  /** Objects above this size (and streams that grow past it) are uploaded in parts of this size. Default 64 MiB. */
  partSize?: number;
  /** Retries of failed requests (not of streamed uploads, which cannot be replayed). Default 5. */
  maxRetries?: number;
}

/** Bodies up to this size are buffered and sent in one PUT (the common case: PNGs, model shards). */
const DEFAULT_PART_SIZE = 64 * 1024 * 1024;
/** S3's limit for one DeleteObjects request. */
const DELETE_BATCH = 1000;

/**
 * BlobStore on an S3-compatible object store (MinIO in production, Swift's s3api in tests) through the `minio` client,
 * path-style. The bucket is created on first use. A single PUT is atomic in S3, so readers never see a partial
 * object; bodies larger than `partSize` go up as a multipart upload, which S3 also publishes atomically on completion.
 *
 * `etag` is the store's ETag (the MD5 of a single-part object), the same value in `put`, `stat` and `list`.
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  readonly bucket: string;
  private readonly client: Client;
  private readonly publicClient: Client;
  private readonly agents: http.Agent[] = [];
  private readonly partSize: number;
  private bucketReady: Promise<void> | null = null;

  constructor(options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
    const region = options.region ?? 'us-east-1';
    this.client = this.makeClient(options.endpoint, options, region);
    this.publicClient = options.publicEndpoint ? this.makeClient(options.publicEndpoint, options, region) : this.client;
  }

  async put(key: string, body: Buffer | Uint8Array | Readable, options?: { contentType?: string }): Promise<BlobInfo> {
    validateBlobKey(key);
    await this.ensureBucket();
    const headers = { 'Content-Type': options?.contentType ?? 'application/octet-stream' };
    const parts = partsOf(body, this.partSize);
    const first = await parts.next();
    const second = first.done ? first : await parts.next();
    if (second.done) {
      // One part: a single PUT, the common case (PNGs, model shards).
      const whole = first.done ? Buffer.alloc(0) : first.value;
      try {
        await this.client.putObject(this.bucket, key, whole, whole.length, headers);
      } catch (error) {
        throw translate(error, key, 'put');
      }
    } else {
      await this.putMultipart(key, headers, [first.value as Buffer, second.value], parts);
    }
    // The PUT's own ETag is quoted differently across servers; stat gives the form list and stat report.
    const stored = await this.stat(key);
    if (!stored) throw new MicroscopeError('UNAVAILABLE', `object store lost "${key}" right after writing it`);
    return stored;
  }

  async get(key: string): Promise<Buffer> {
    const stream = await this.getStream(key);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async getStream(key: string): Promise<Readable> {
    validateBlobKey(key);
    await this.ensureBucket();
    try {
      return await this.client.getObject(this.bucket, key);
    } catch (error) {
      throw translate(error, key, 'get');
    }
  }

  async stat(key: string): Promise<BlobInfo | null> {
    validateBlobKey(key);
    await this.ensureBucket();
    try {
      const found = await this.client.statObject(this.bucket, key);
      return { key, size: found.size, etag: cleanEtag(found.etag), lastModified: found.lastModified };
    } catch (error) {
      if (isMissing(error)) return null;
      throw translate(error, key, 'stat');
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    validateBlobPrefix(prefix);
    await this.ensureBucket();
    const infos: BlobInfo[] = [];
    try {
      for await (const item of this.client.listObjectsV2(this.bucket, prefix, true) as AsyncIterable<BucketItem>) {
        if (!item.name) continue; // common prefixes (none when listing recursively)
        infos.push({ key: item.name, size: item.size, etag: cleanEtag(item.etag), lastModified: item.lastModified });
      }
    } catch (error) {
      throw translate(error, prefix, 'list');
    }
    // S3 lists in UTF-8 byte order already; sorting keeps the promise for servers that differ.
    return infos.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  }

  async delete(key: string): Promise<void> {
    validateBlobKey(key);
    await this.ensureBucket();
    try {
      await this.client.removeObject(this.bucket, key); // S3 answers 204 for a missing key too
    } catch (error) {
      if (!isMissing(error)) throw translate(error, key, 'delete');
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys = (await this.list(prefix)).map((info) => info.key);
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH);
      let results;
      try {
        results = await this.client.removeObjects(this.bucket, batch);
      } catch (error) {
        throw translate(error, prefix, 'delete');
      }
      const failed = results.filter((r) => r?.Error && r.Error.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        const first = failed[0]!.Error!;
        throw new MicroscopeError('UNAVAILABLE', `object store refused to delete ${failed.length} object(s) under "${prefix}", e.g. "${first.Key}": ${first.Code} ${first.Message ?? ''}`.trim());
      }
    }
    return keys.length;
  }

  async presignedGetUrl(key: string, expirySeconds: number): Promise<string | null> {
    validateBlobKey(key);
    if (!Number.isInteger(expirySeconds) || expirySeconds < 1 || expirySeconds > 7 * 24 * 3600) {
      throw new MicroscopeError('INVALID_INPUT', `presigned URL expiry must be 1 s to 7 days, got ${expirySeconds}`);
    }
    // Signing is local (the region is configured), so this needs no request and works for the public host too.
    return this.publicClient.presignedGetObject(this.bucket, key, expirySeconds);
  }

  async close(): Promise<void> {
    for (const agent of this.agents) agent.destroy();
  }

  /**
   * Uploads parts as the source yields them (one part in memory at a time) and completes the upload, which publishes
   * the object atomically. If the source or an upload fails, the upload is aborted so no parts linger, and the key
   * keeps its old object. (Our own loop rather than the client's stream upload: that one neither reports errors of the
   * source stream nor aborts, and resumes any unfinished upload of the same key, even another writer's.)
   */
  private async putMultipart(key: string, headers: Record<string, string>, firstParts: Buffer[], rest: AsyncGenerator<Buffer>): Promise<void> {
    let uploadId: string;
    try {
      uploadId = await this.client.initiateNewMultipartUpload(this.bucket, key, headers);
    } catch (error) {
      throw translate(error, key, 'put');
    }
    const etags: Array<{ part: number; etag: string }> = [];
    const upload = async (payload: Buffer) => {
      const part = etags.length + 1;
      const done = await this.client.uploadPart({ bucketName: this.bucket, objectName: key, uploadID: uploadId, partNumber: part, headers: {} }, payload);
      etags.push({ part, etag: done.etag });
    };
    let sourceError: unknown = null;
    try {
      for (const payload of firstParts) await upload(payload);
      for (;;) {
        const next = await rest.next().catch((error: unknown) => {
          sourceError = error;
          throw error;
        });
        if (next.done) break;
        await upload(next.value);
      }
      await this.client.completeMultipartUpload(this.bucket, key, uploadId, etags);
    } catch (error) {
      await this.client.abortMultipartUpload(this.bucket, key, uploadId).catch(() => undefined); // best effort
      // The caller's own stream failing is its error, not the store's.
      throw error === sourceError ? error : translate(error, key, 'put');
    }
  }

  /** Creates the bucket once per process if it is missing; a failure is retried by the next call. */
  private ensureBucket(): Promise<void> {
    this.bucketReady ??= this.createBucketIfMissing().catch((error: unknown) => {
      this.bucketReady = null;
      throw error;
    });
    return this.bucketReady;
  }

  private async createBucketIfMissing(): Promise<void> {
    try {
      if (await this.client.bucketExists(this.bucket)) return;
      await this.client.makeBucket(this.bucket);
    } catch (error) {
      // Another process created it between our check and our create.
      const code = errorCode(error);
      if (code === 'BucketAlreadyOwnedByYou' || code === 'BucketAlreadyExists') return;
      throw translate(error, this.bucket, 'create bucket');
    }
  }

  private makeClient(endpoint: string, options: S3BlobStoreOptions, region: string): Client {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new MicroscopeError('INVALID_INPUT', `S3 endpoint must be a URL like http://host:9000, got "${endpoint}"`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || (url.pathname !== '/' && url.pathname !== '')) {
      throw new MicroscopeError('INVALID_INPUT', `S3 endpoint must be an http(s) URL without a path, got "${endpoint}"`);
    }
    const useSSL = url.protocol === 'https:';
    // Our own agent, so close() can drop idle keep-alive sockets and let the process exit.
    const agent = useSSL ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.agents.push(agent);
    return new Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      useSSL,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      region,
      pathStyle: true,
      partSize: this.partSize,
      transportAgent: agent,
      retryOptions: { maximumRetryCount: options.maxRetries ?? 5, baseDelayMs: 100, maximumDelayMs: 5000 },
    });
  }
}

/** The body as parts of exactly `size` bytes (the last may be shorter; an empty body yields nothing). */
async function* partsOf(body: Buffer | Uint8Array | Readable, size: number): AsyncGenerator<Buffer> {
  if (body instanceof Uint8Array) {
    const whole = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    for (let offset = 0; offset < whole.length; offset += size) yield whole.subarray(offset, offset + size);
    return;
  }
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of body as AsyncIterable<Buffer | Uint8Array | string>) {
    let bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (pendingBytes + bytes.length >= size) {
      const take = size - pendingBytes;
      yield Buffer.concat([...pending, bytes.subarray(0, take)], size);
      bytes = bytes.subarray(take);
      pending = [];
      pendingBytes = 0;
    }
    if (bytes.length > 0) {
      pending.push(bytes);
      pendingBytes += bytes.length;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

function cleanEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

function errorCode(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'NoSuchKey' || code === 'NotFound';
}

/** Object-store failures as MicroscopeErrors: a missing key is NOT_FOUND, bad credentials say so, the rest UNAVAILABLE. */
function translate(error: unknown, subject: string, operation: string): MicroscopeError {
  if (error instanceof MicroscopeError) return error;
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (isMissing(error)) return new MicroscopeError('NOT_FOUND', `no object "${subject}"`, { cause: error });
  if (code === 'AccessDenied' || code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch') {
    return new MicroscopeError('UNAVAILABLE', `object store refused ${operation} of "${subject}" (${code}): check the S3 access key and secret`, { cause: error });
  }
  return new MicroscopeError('UNAVAILABLE', `object store ${operation} of "${subject}" failed: ${code ? `${code}: ` : ''}${message}`, { cause: error });
}
