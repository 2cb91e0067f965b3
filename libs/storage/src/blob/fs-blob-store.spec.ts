import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeBlobStoreContract } from './blob-store.contract';
import { FsBlobStore } from './fs-blob-store';

describeBlobStoreContract('FsBlobStore', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'fs-blob-contract-'));
  return { store: new FsBlobStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('FsBlobStore on disk', () => {
  let dir: string;
  let store: FsBlobStore;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fs-blob-'));
    store = new FsBlobStore(dir);
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps each object as a plain file at its key, with no temporary files left behind', async () => {
    await store.put('models/abc/model.json', Buffer.from('{"a":1}'));
    expect(await readFile(path.join(dir, 'models', 'abc', 'model.json'), 'utf8')).toBe('{"a":1}');
    expect(await readdir(path.join(dir, 'models', 'abc'))).toEqual(['model.json']);
  });

  it('recomputes the etag when the file changed behind its sidecar', async () => {
    await store.put('a/b.txt', Buffer.from('first'));
    await writeFile(path.join(dir, 'a', 'b.txt'), 'changed by hand');
    const info = await store.stat('a/b.txt');
    expect(info?.etag).toBe(createHash('sha256').update('changed by hand').digest('hex'));
    expect(info?.size).toBe('changed by hand'.length);
    expect((await store.list('a/'))[0].etag).toBe(info?.etag);
  });

  it('computes the etag of a file that has no sidecar (copied in, or written before a crash)', async () => {
    await store.put('x/placeholder', Buffer.from('p'));
    await writeFile(path.join(dir, 'x', 'copied.bin'), 'copied');
    expect((await store.stat('x/copied.bin'))?.etag).toBe(createHash('sha256').update('copied').digest('hex'));
  });

  it('removes directories emptied by deletes', async () => {
    await store.put('renders/v1/conv/1/a.png', Buffer.from('a'));
    await store.put('renders/v1/keep.png', Buffer.from('k'));
    await store.delete('renders/v1/conv/1/a.png');
    expect(await readdir(path.join(dir, 'renders', 'v1'))).toEqual(['keep.png']);
  });

  it('refuses a key that runs through an existing object with CONFLICT', async () => {
    await store.put('a/file', Buffer.from('x'));
    await expect(store.put('a/file/child', Buffer.from('y'))).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(store.put('a', Buffer.from('y'))).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await store.get('a/file')).toString()).toBe('x');
  });

  it('survives concurrent writers of one key: the result is one of the writes, whole', async () => {
    for (let round = 0; round < 10; round += 1) {
      const contents = Array.from({ length: 8 }, (_, i) => Buffer.alloc(50_000 + i, `${round}-${i}`));
      await Promise.all(contents.map((c) => store.put('race/key', c)));
      const final = await store.get('race/key');
      expect(contents.some((c) => c.equals(final))).toBe(true);
      const info = await store.stat('race/key');
      expect(info?.size).toBe(final.length);
      expect(info?.etag).toBe(createHash('sha256').update(final).digest('hex'));
      expect(await readdir(path.join(dir, 'race'))).toEqual(['key']);
    }
  });
});
