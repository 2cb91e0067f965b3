import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { FsBlobStore } from '@microscope/storage';
import { UploadArea } from './upload-area';

describe('UploadArea', () => {
  let dir: string;
  let blobs: FsBlobStore;
  let area: UploadArea;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'uploads-'));
    blobs = new FsBlobStore(dir);
    area = new UploadArea(blobs, { maxFileBytes: 1000 });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('stages files and lists them back', async () => {
    const id = area.begin();
    await area.putFile(id, 'model.json', Readable.from([Buffer.from('{}')]));
    expect(await area.list(id)).toEqual([{ name: 'model.json', size: 2 }]);
    expect((await area.read(id, 'model.json')).toString()).toBe('{}');
    await area.discard(id);
    await expect(area.list(id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('stops a stream that grows past the limit and keeps nothing of it', async () => {
    const id = area.begin();
    const chunks = Readable.from([Buffer.alloc(600), Buffer.alloc(600)]);
    await expect(area.putFile(id, 'weights.bin', chunks)).rejects.toMatchObject({ code: 'TOO_LARGE', message: expect.stringContaining('weights.bin') });
    expect(await blobs.list('uploads/')).toHaveLength(0);
  });

  it('refuses names with folders and ids that are not upload ids', async () => {
    const id = area.begin();
    await expect(area.putFile(id, '../escape', Readable.from([Buffer.from('x')]))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(area.putFile('not-an-id', 'a.bin', Readable.from([Buffer.from('x')]))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
