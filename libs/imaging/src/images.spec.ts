import sharp from 'sharp';
import { encodePng, imageToInput, normalizeImage } from './images';

describe('normalizeImage', () => {
  it('rejects bytes that are not an image, naming the file', async () => {
    await expect(normalizeImage(Buffer.from('not an image'), 'broken.png')).rejects.toMatchObject({
      code: 'INVALID_IMAGE',
      message: expect.stringContaining('broken.png'),
    });
  });

  it('rejects a truncated PNG', async () => {
    const png = await encodePng(new Uint8Array(64 * 64 * 3).fill(200), 64, 64, 3);
    await expect(normalizeImage(png.subarray(0, png.length / 2), 'half.png')).rejects.toMatchObject({ code: 'INVALID_IMAGE' });
  });

  it('keeps grayscale images single-channel and hashes identical pixels identically across formats', async () => {
    const pixels = new Uint8Array(8 * 6).map((_, i) => i * 5);
    const png = await encodePng(pixels, 8, 6, 1);
    const fromPng = await normalizeImage(png, 'a.png');
    const webp = await sharp(Buffer.from(pixels), { raw: { width: 8, height: 6, channels: 1 } }).webp({ lossless: true }).toBuffer();
    const fromWebp = await normalizeImage(webp, 'a.webp');
    expect(fromPng).toMatchObject({ width: 8, height: 6, channels: 1 });
    expect(fromWebp.channels).toBe(1);
    expect(fromWebp.contentHash).toBe(fromPng.contentHash);
  });

  it('drops alpha from colour images', async () => {
    const rgba = new Uint8Array(4 * 4 * 4).map((_, i) => (i % 4 === 0 ? 250 : i % 4 === 3 ? 128 : 10));
    const out = await normalizeImage(await encodePng(rgba, 4, 4, 4), 'rgba.png');
    expect(out.channels).toBe(3);
    expect((await sharp(out.png).metadata()).channels).toBe(3);
  });
});

describe('imageToInput', () => {
  it('applies scale, mean and std per channel, channels-last', async () => {
    const rgb = new Uint8Array(2 * 2 * 3);
    for (let p = 0; p < 4; p++) rgb.set([0, 255, 51], p * 3);
    const png = await encodePng(rgb, 2, 2, 3);
    const x = await imageToInput(png, { height: 2, width: 2, channels: 3 }, { scale: 1 / 255, mean: [0.5, 0.5, 0], std: [0.5, 0.5, 0.2] });
    expect(Array.from(x.subarray(0, 3)).map((v) => +v.toFixed(4))).toEqual([-1, 1, 1]);
    expect(x).toHaveLength(12);
  });

  it('resizes to the model input and converts colour to one channel for grayscale models', async () => {
    const png = await encodePng(new Uint8Array(40 * 30 * 3).fill(255), 40, 30, 3);
    const x = await imageToInput(png, { height: 28, width: 28, channels: 1 }, { scale: 1 / 255, mean: [0], std: [1] });
    expect(x).toHaveLength(28 * 28);
    expect(Math.min(...x)).toBeCloseTo(1, 2);
  });
});
