import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { isMicroscopeError } from '@microscope/contracts';
import { describeBlobStoreContract } from './blob-store.contract';
import { S3BlobStore, type S3BlobStoreOptions } from './s3-blob-store';

// Runs against a real S3 API: `tools/services/swift.sh start` (Swift + s3api) or MinIO, and
// MICROSCOPE_TEST_S3_ENDPOINT=http://127.0.0.1:18080 (.ci/run sets it). Each run uses its own bucket.
const endpoint = process.env.MICROSCOPE_TEST_S3_ENDPOINT;
const accessKey = process.env.MICROSCOPE_TEST_S3_ACCESS_KEY ?? 'test:tester';
const secretKey = process.env.MICROSCOPE_TEST_S3_SECRET_KEY ?? 'testing';

if (!endpoint) {
  describe('S3BlobStore', () => {
    it.skip('needs an S3 server: run tools/services/swift.sh start and set MICROSCOPE_TEST_S3_ENDPOINT=http://127.0.0.1:18080', () => undefined);
  });
} else {
  const options = (extra: Partial<S3BlobStoreOptions> = {}): S3BlobStoreOptions => ({
    endpoint,
    accessKey,
    secretKey,
    bucket: `microscope-test-${randomUUID().slice(0, 8)}`,
    ...extra,
  });

  /** Empties and removes a test bucket. */
  const removeBucket = async (store: S3BlobStore) => {
    await store.deletePrefix('');
    const client = (store as unknown as { client: { removeBucket(b: string): Promise<void> } }).client;
    await client.removeBucket(store.bucket).catch(() => undefined);
    await store.close();
  };

  // S3 reports its own ETag (an MD5 for single-part objects), not the SHA-256 of the content.
  describeBlobStoreContract(
    'S3BlobStore',
    async () => {
      const store = new S3BlobStore(options());
      return { store, cleanup: () => removeBucket(store) };
    },
    { etagIsSha256: false },
  );

  describe('S3BlobStore specifics', () => {
    let store: S3BlobStore;
    beforeAll(() => {
      // Small parts, so a 12 MiB stream goes up as a multipart upload.
      store = new S3BlobStore(options({ partSize: 5 * 1024 * 1024 }));
    });
    afterAll(() => removeBucket(store));

    it('creates its bucket on first use, and a second store on the same bucket shares it', async () => {
      await store.put('first/key', Buffer.from('one'));
      const second = new S3BlobStore({ endpoint, accessKey, secretKey, bucket: store.bucket });
      expect((await second.get('first/key')).toString()).toBe('one');
      await second.close();
    });

    it('uploads a stream larger than a part as a multipart object, intact', async () => {
      const big = randomBytes(12 * 1024 * 1024 + 123);
      const parts = function* () {
        for (let offset = 0; offset < big.length; offset += 1 << 20) yield big.subarray(offset, offset + (1 << 20));
      };
      const info = await store.put('big/multipart.bin', Readable.from(parts()));
      expect(info.size).toBe(big.length);
      expect(info.etag).toMatch(/-\d+$/); // S3's multipart ETag: <md5 of part md5s>-<parts>
      expect((await store.get('big/multipart.bin')).equals(big)).toBe(true);
    });

    it('abandons a multipart upload whose source fails midway: the old object stays, no parts are left behind', async () => {
      const key = 'big/survivor.bin';
      await store.put(key, Buffer.from('original'));
      const failing = Readable.from(
        (async function* () {
          for (let i = 0; i < 7; i += 1) yield randomBytes(1 << 20); // past the 5 MiB part size: multipart
          throw new Error('source broke after 7 MiB');
        })(),
      );
      const failure = await store.put(key, failing).catch((e: unknown) => e);
      expect(isMicroscopeError(failure)).toBe(false); // the source's own error, as it was thrown
      expect((failure as Error).message).toBe('source broke after 7 MiB');
      expect((await store.get(key)).toString()).toBe('original');
      const client = (store as unknown as { client: { listIncompleteUploads(b: string, p: string, r: boolean): AsyncIterable<unknown> } }).client;
      const unfinished: unknown[] = [];
      for await (const upload of client.listIncompleteUploads(store.bucket, 'big/', true)) unfinished.push(upload);
      expect(unfinished).toEqual([]);
    });

    it('serves a presigned GET that a plain HTTP client can fetch, until it expires', async () => {
      await store.put('renders/v/conv/1/a.png', Buffer.from('not really a png'), { contentType: 'image/png' });
      const url = await store.presignedGetUrl('renders/v/conv/1/a.png', 60);
      const response = await fetch(url!);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png');
      expect(await response.text()).toBe('not really a png');

      const tampered = url!.replace('a.png', 'b.png');
      expect((await fetch(tampered)).status).toBe(403);

      const shortLived = await store.presignedGetUrl('renders/v/conv/1/a.png', 1);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      expect((await fetch(shortLived!)).status).toBe(403);
      await expect(store.presignedGetUrl('renders/v/conv/1/a.png', 0)).rejects.toThrow(/expiry/);
    });

    it('signs presigned URLs for the public endpoint when one is configured', async () => {
      const publicStore = new S3BlobStore({ endpoint, accessKey, secretKey, bucket: store.bucket, publicEndpoint: 'https://objects.lab.example' });
      const url = await publicStore.presignedGetUrl('renders/v/conv/1/a.png', 60);
      expect(url).toMatch(new RegExp(`^https://objects\\.lab\\.example/${store.bucket}/renders/v/conv/1/a\\.png\\?`));
      await publicStore.close();
    });

    it('reports wrong credentials as UNAVAILABLE with a hint, not as a missing object', async () => {
      const wrong = new S3BlobStore({ endpoint, accessKey, secretKey: 'not-the-secret', bucket: store.bucket, maxRetries: 0 });
      const failure = await wrong.get('first/key').catch((e: unknown) => e);
      expect(isMicroscopeError(failure) && failure.code).toBe('UNAVAILABLE');
      expect((failure as Error).message).toMatch(/access key and secret/);
      await wrong.close();
    });

    it('refuses an endpoint that is not an http(s) URL', () => {
      expect(() => new S3BlobStore({ endpoint: '127.0.0.1:9000', accessKey, secretKey, bucket: 'b' })).toThrow(/http/);
    });
  });
}
