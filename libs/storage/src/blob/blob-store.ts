import type { Readable } from 'node:stream';

export interface BlobInfo {
  key: string;
  size: number;
  /** Hex SHA-256 of the content where the backend knows it, else the backend's ETag. */
  etag: string;
  lastModified: Date;
}

/**
 * Object storage addressed by derived keys ("models/<hash>/model.json"). Keys are `/`-separated,
 * never absolute, never contain `..`; implementations reject anything else with INVALID_INPUT.
 * Writes are atomic: a reader sees the whole old object or the whole new one, never a part.
 */
export interface BlobStore {
  readonly kind: string;
  put(key: string, body: Buffer | Uint8Array | Readable, options?: { contentType?: string }): Promise<BlobInfo>;
  /** Throws MicroscopeError NOT_FOUND for a missing key. */
  get(key: string): Promise<Buffer>;
  getStream(key: string): Promise<Readable>;
  /** null for a missing key. */
  stat(key: string): Promise<BlobInfo | null>;
  exists(key: string): Promise<boolean>;
  /** Every key starting with prefix, sorted. */
  list(prefix: string): Promise<BlobInfo[]>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  deletePrefix(prefix: string): Promise<number>;
  /** A URL a browser can GET for a limited time, where the backend offers one; null otherwise (serve through the API). */
  presignedGetUrl(key: string, expirySeconds: number): Promise<string | null>;
  close(): Promise<void>;
}
