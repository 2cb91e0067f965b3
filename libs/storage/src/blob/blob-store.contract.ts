import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { isMicroscopeError } from '@microscope/contracts';
import { sleep } from '../contract-helpers';
import type { BlobStore } from './blob-store';

export interface BlobStoreHarness {
  store: BlobStore;
  cleanup(): Promise<void>;
}

export interface BlobStoreContractOptions {
  /** False for a backend that reports its own ETag instead of the SHA-256 of the content (default true). */
  etagIsSha256?: boolean;
  timeoutMs?: number;
}

/**
 * The semantics every BlobStore implementation must have, as a jest suite. One store serves the whole suite; each
 * test works under its own unique prefix, so the suite can run against a long-lived bucket.
 */
export function describeBlobStoreContract(
  name: string,
  factory: () => Promise<BlobStoreHarness>,
  options: BlobStoreContractOptions = {},
): void {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const etagIsSha256 = options.etagIsSha256 ?? true;

  describe(`BlobStore contract: ${name}`, () => {
    let harness: BlobStoreHarness;
    let store: BlobStore;
    let prefix: string;

    beforeAll(async () => {
      harness = await factory();
      store = harness.store;
    }, timeoutMs);

    afterAll(async () => {
      await harness?.cleanup();
    }, timeoutMs);

    beforeEach(() => {
      prefix = `contract-${randomUUID().slice(0, 8)}/`;
    });

    const expectEtagOf = (etag: string, content: Buffer) => {
      expect(typeof etag).toBe('string');
      expect(etag.length).toBeGreaterThan(0);
      if (etagIsSha256) expect(etag).toBe(sha256(content));
    };

    it(
      'puts and gets a Buffer and a Uint8Array, reporting key, size and etag',
      async () => {
        const content = Buffer.from('hello, microscope\n');
        const info = await store.put(`${prefix}a/hello.txt`, content, { contentType: 'text/plain' });
        expect(info.key).toBe(`${prefix}a/hello.txt`);
        expect(info.size).toBe(content.length);
        expectEtagOf(info.etag, content);
        expect(info.lastModified).toBeInstanceOf(Date);
        expect(await store.get(`${prefix}a/hello.txt`)).toEqual(content);

        const bytes = new Uint8Array([0, 1, 2, 250, 251, 252]);
        await store.put(`${prefix}a/bytes.bin`, bytes.subarray(1, 5));
        expect(await store.get(`${prefix}a/bytes.bin`)).toEqual(Buffer.from([1, 2, 250, 251]));

        await store.put(`${prefix}a/empty`, Buffer.alloc(0));
        expect(await store.get(`${prefix}a/empty`)).toEqual(Buffer.alloc(0));
        expect((await store.stat(`${prefix}a/empty`))?.size).toBe(0);
      },
      timeoutMs,
    );

    it(
      'stats and checks existence; a missing key is null / false / NOT_FOUND',
      async () => {
        const content = Buffer.from('x'.repeat(1000));
        const before = Date.now();
        await store.put(`${prefix}present`, content);
        const info = await store.stat(`${prefix}present`);
        expect(info).not.toBeNull();
        expect(info!.key).toBe(`${prefix}present`);
        expect(info!.size).toBe(1000);
        expectEtagOf(info!.etag, content);
        // Clocks of a remote store may differ a little; a day is a bound no correct store misses.
        expect(Math.abs(info!.lastModified.getTime() - before)).toBeLessThan(24 * 3600 * 1000);
        expect(await store.exists(`${prefix}present`)).toBe(true);

        expect(await store.stat(`${prefix}missing`)).toBeNull();
        expect(await store.exists(`${prefix}missing`)).toBe(false);
        await expectCode(store.get(`${prefix}missing`), 'NOT_FOUND');
        await expectCode(store.getStream(`${prefix}missing`), 'NOT_FOUND');
        // A "directory" of other keys is not an object either.
        await store.put(`${prefix}dir/child`, Buffer.from('c'));
        expect(await store.exists(`${prefix}dir`)).toBe(false);
        expect(await store.stat(`${prefix}dir`)).toBeNull();
        await expectCode(store.get(`${prefix}dir`), 'NOT_FOUND');
      },
      timeoutMs,
    );

    it(
      'gives equal contents equal etags and different contents different ones',
      async () => {
        const a = await store.put(`${prefix}one`, Buffer.from('same'));
        const b = await store.put(`${prefix}two`, Buffer.from('same'));
        const c = await store.put(`${prefix}three`, Buffer.from('different'));
        expect(a.etag).toBe(b.etag);
        expect(a.etag).not.toBe(c.etag);
      },
      timeoutMs,
    );

    it(
      'streams in (from a Readable of many chunks) and out',
      async () => {
        const chunks = Array.from({ length: 50 }, (_, i) => Buffer.from(`chunk ${i};`.repeat(100)));
        const whole = Buffer.concat(chunks);
        const info = await store.put(`${prefix}streamed.txt`, Readable.from(chunks));
        expect(info.size).toBe(whole.length);
        expectEtagOf(info.etag, whole);
        expect(await readAll(await store.getStream(`${prefix}streamed.txt`))).toEqual(whole);
      },
      timeoutMs,
    );

    it(
      'stores a large object (12 MiB) intact, buffered and streamed',
      async () => {
        const big = randomBytes(12 * 1024 * 1024);
        const fromBuffer = await store.put(`${prefix}big/buffer.bin`, big);
        expect(fromBuffer.size).toBe(big.length);
        expectEtagOf(fromBuffer.etag, big);
        const streamedIn = await store.put(`${prefix}big/stream.bin`, Readable.from(slices(big, 64 * 1024)));
        expect(streamedIn.size).toBe(big.length);
        expectEtagOf(streamedIn.etag, big);
        expect((await store.get(`${prefix}big/buffer.bin`)).equals(big)).toBe(true);
        expect((await readAll(await store.getStream(`${prefix}big/stream.bin`))).equals(big)).toBe(true);
      },
      timeoutMs,
    );

    it(
      'keeps keys with unicode, spaces and punctuation apart',
      async () => {
        const keys = [`${prefix}ü/naïve name.png`, `${prefix}ü/naïve name.png.bak`, `${prefix}a+b=c,d;e@f`, `${prefix}日本/語`];
        for (const [i, key] of keys.entries()) await store.put(key, Buffer.from(`content ${i}`));
        for (const [i, key] of keys.entries()) expect((await store.get(key)).toString()).toBe(`content ${i}`);
        expect((await store.list(prefix)).map((b) => b.key).sort()).toEqual([...keys].sort());
      },
      timeoutMs,
    );

    it(
      'lists every key under a prefix, sorted, including partial last segments, with sizes and etags',
      async () => {
        const keys = ['units/1.png', 'units/10.png', 'units/2.png', 'units/sub/deep/x.png', 'other/1.png', 'unitsx'];
        for (const key of keys) await store.put(`${prefix}${key}`, Buffer.from(key));
        const all = await store.list(prefix);
        expect(all.map((b) => b.key)).toEqual([...keys].sort().map((k) => `${prefix}${k}`));
        for (const b of all) {
          const content = Buffer.from(b.key.slice(prefix.length));
          expect(b.size).toBe(content.length);
          expectEtagOf(b.etag, content);
        }
        expect((await store.list(`${prefix}units/`)).map((b) => b.key)).toEqual(
          ['units/1.png', 'units/10.png', 'units/2.png', 'units/sub/deep/x.png'].map((k) => `${prefix}${k}`),
        );
        expect((await store.list(`${prefix}units/1`)).map((b) => b.key)).toEqual([`${prefix}units/1.png`, `${prefix}units/10.png`]);
        expect((await store.list(`${prefix}units`)).map((b) => b.key)).toHaveLength(5);
        expect(await store.list(`${prefix}nothing-here/`)).toEqual([]);
      },
      timeoutMs,
    );

    it(
      'deletes one key (a missing key is fine) and every key under a prefix',
      async () => {
        for (const key of ['keep/a', 'drop/a', 'drop/b/c', 'drop/b/d', 'dropx']) await store.put(`${prefix}${key}`, Buffer.from(key));
        await store.delete(`${prefix}keep/a`);
        expect(await store.exists(`${prefix}keep/a`)).toBe(false);
        await store.delete(`${prefix}keep/a`);
        await store.delete(`${prefix}never-existed`);
        expect(await store.deletePrefix(`${prefix}drop/`)).toBe(3);
        expect((await store.list(prefix)).map((b) => b.key)).toEqual([`${prefix}dropx`]);
        expect(await store.deletePrefix(`${prefix}drop/`)).toBe(0);
        // The key space is reusable after a delete.
        await store.put(`${prefix}drop/b/c`, Buffer.from('again'));
        expect((await store.get(`${prefix}drop/b/c`)).toString()).toBe('again');
      },
      timeoutMs,
    );

    it(
      'overwrites atomically: readers see the whole old or the whole new object, never a mix or a part',
      async () => {
        const key = `${prefix}atomic.bin`;
        const oldContent = Buffer.alloc(2 * 1024 * 1024, 'a');
        const newContent = Buffer.alloc(3 * 1024 * 1024, 'b');
        await store.put(key, oldContent);
        // A slow writer: the new content arrives in pieces while readers keep reading.
        const slowBody = Readable.from(
          (async function* () {
            for (const piece of slices(newContent, 256 * 1024)) {
              await sleep(5);
              yield piece;
            }
          })(),
        );
        let writing = true;
        const write = store.put(key, slowBody).finally(() => (writing = false));
        const seen = new Set<string>();
        while (writing) {
          const read = await store.get(key);
          if (read.equals(oldContent)) seen.add('old');
          else if (read.equals(newContent)) seen.add('new');
          else throw new Error(`read a torn object of ${read.length} bytes`);
        }
        await write;
        expect(seen.has('old')).toBe(true);
        expect((await store.get(key)).equals(newContent)).toBe(true);
        expect((await store.stat(key))!.size).toBe(newContent.length);
      },
      timeoutMs,
    );

    it(
      'leaves the old object in place when a streamed put fails midway',
      async () => {
        const key = `${prefix}survivor.txt`;
        await store.put(key, Buffer.from('original'));
        const failing = Readable.from(
          (async function* () {
            yield Buffer.alloc(64 * 1024, 'z');
            throw new Error('source broke');
          })(),
        );
        await expect(store.put(key, failing)).rejects.toThrow('source broke');
        expect((await store.get(key)).toString()).toBe('original');
        expect((await store.list(prefix)).map((b) => b.key)).toEqual([key]);
        await expect(store.put(`${prefix}never.txt`, Readable.from((async function* () { yield Buffer.from('x'); throw new Error('broke again'); })()))).rejects.toThrow('broke again');
        expect(await store.exists(`${prefix}never.txt`)).toBe(false);
      },
      timeoutMs,
    );

    it(
      'rejects malformed keys with INVALID_INPUT before touching storage',
      async () => {
        const bad = ['', '/absolute', 'a/../b', '..', '../escape', 'a//b', 'a/', 'a\\b', './a', 'a/./b', '.hidden', 'a/.tmp', 'nul\u0000byte', 'x'.repeat(1025)];
        for (const key of bad) {
          await expectCode(store.put(key, Buffer.from('x')), 'INVALID_INPUT', key);
          await expectCode(store.get(key), 'INVALID_INPUT', key);
          await expectCode(store.getStream(key), 'INVALID_INPUT', key);
          await expectCode(store.stat(key), 'INVALID_INPUT', key);
          await expectCode(store.exists(key), 'INVALID_INPUT', key);
          await expectCode(store.delete(key), 'INVALID_INPUT', key);
        }
        for (const badPrefix of ['/', '/abs', '../', 'a/../', 'a\\']) {
          await expectCode(store.list(badPrefix), 'INVALID_INPUT', badPrefix);
          await expectCode(store.deletePrefix(badPrefix), 'INVALID_INPUT', badPrefix);
        }
      },
      timeoutMs,
    );

    it(
      'offers a presigned URL or null',
      async () => {
        await store.put(`${prefix}shared.png`, Buffer.from('png'));
        const url = await store.presignedGetUrl(`${prefix}shared.png`, 60);
        if (url !== null) expect(url).toMatch(/^https?:\/\//);
        await expectCode(store.presignedGetUrl('../x', 60), 'INVALID_INPUT');
      },
      timeoutMs,
    );
  });
}

async function expectCode(promise: Promise<unknown>, code: string, label = ''): Promise<void> {
  let caught: unknown = null;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  if (!isMicroscopeError(caught)) throw new Error(`expected MicroscopeError ${code} for ${JSON.stringify(label)}, got ${String(caught)}`);
  expect(caught.code).toBe(code);
}

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

function* slices(buffer: Buffer, size: number): Generator<Buffer> {
  for (let offset = 0; offset < buffer.length; offset += size) yield buffer.subarray(offset, offset + size);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
