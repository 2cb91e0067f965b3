import { safeImageName, stageUpload } from './upload-client';

describe('safeImageName', () => {
  it('keeps good names and makes others acceptable', () => {
    const taken = new Set<string>();
    expect(safeImageName('cat_01.png', taken)).toBe('cat_01.png');
    expect(safeImageName('My Photo (2).JPG', taken)).toBe('My_Photo_2_.jpg');
    expect(safeImageName('.hidden.png', taken)).toBe('hidden.png');
    expect(safeImageName('日本.png', taken)).toBe('image.png');
  });
  it('never hands out the same name twice', () => {
    const taken = new Set<string>();
    const names = ['a b.png', 'a_b.png', 'a b.png'].map((n) => safeImageName(n, taken));
    expect(new Set(names).size).toBe(3);
    expect(names).toEqual(['a_b.png', 'a_b-2.png', 'a_b-3.png']);
  });
});

describe('stageUpload', () => {
  const response = (status: number, body: unknown) => ({ ok: status < 400, status, json: async () => body }) as unknown as Response;

  it('begins an upload and puts every file under its id', async () => {
    const calls: string[] = [];
    const fake = (async (url: string, init?: RequestInit) => {
      calls.push(`${init?.method} ${url}`);
      return url === '/uploads' ? response(201, { uploadId: 'u-1' }) : response(200, {});
    }) as unknown as typeof fetch;
    const progress: number[] = [];
    const id = await stageUpload([{ name: 'model.json', body: new Blob(['{}']) }, { name: 'w 1.bin', body: new Blob(['x']) }], (d) => progress.push(d), fake);
    expect(id).toBe('u-1');
    expect(calls.sort()).toEqual(['POST /uploads', 'PUT /uploads/u-1/model.json', 'PUT /uploads/u-1/w%201.bin']);
    expect(progress).toEqual([0, 1, 2]);
  });

  it('surfaces the server’s refusal with its code', async () => {
    const fake = (async (url: string) =>
      url === '/uploads' ? response(201, { uploadId: 'u-2' }) : response(413, { error: { code: 'TOO_LARGE', message: 'big.bin exceeds the upload limit of 10 bytes' } })) as unknown as typeof fetch;
    await expect(stageUpload([{ name: 'big.bin', body: new Blob(['0123456789AB']) }], undefined, fake)).rejects.toMatchObject({
      code: 'TOO_LARGE',
      message: 'big.bin exceeds the upload limit of 10 bytes',
    });
  });
});
