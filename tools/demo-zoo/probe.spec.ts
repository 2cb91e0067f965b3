import sharp from 'sharp';
import { FASHION_CLASSES, FASHION_PIXELS, readFashionClass } from './fashion-mnist';
import { buildFashionProbeSet } from './probe';

describe('buildFashionProbeSet', () => {
  it('returns the first n test images as grayscale 28×28 PNGs whose pixels are the package data, class-interleaved', async () => {
    const probe = await buildFashionProbeSet(23);
    expect(probe).toHaveLength(23);
    // Image i is image ⌊i/10⌋ of class i mod 10 in the package's file order.
    const classes = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((c) => readFashionClass(c));
    for (let i = 0; i < probe.length; i++) {
      const c = i % 10;
      expect(probe[i].label).toBe(FASHION_CLASSES[c]);
      const meta = await sharp(probe[i].png).metadata();
      expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', 28, 28, 1]);
      // sharp decodes to sRGB unless told otherwise; the file itself is one-channel (checked above).
      const { data } = await sharp(probe[i].png).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
      expect(new Uint8Array(data)).toEqual(classes[c][Math.floor(i / 10)]);
      expect(data.length).toBe(FASHION_PIXELS);
    }
  });

  it('is deterministic and prefix-stable, and the default set is 2000 images, 200 per class', async () => {
    const [a, b] = [await buildFashionProbeSet(12), await buildFashionProbeSet(40)];
    expect(b.slice(0, 12).map((p) => p.png.toString('base64'))).toEqual(a.map((p) => p.png.toString('base64')));
    const all = await buildFashionProbeSet();
    expect(all).toHaveLength(2000);
    for (const name of FASHION_CLASSES) expect(all.filter((p) => p.label === name)).toHaveLength(200);
  });

  it('rejects sizes it cannot serve', async () => {
    await expect(buildFashionProbeSet(0)).rejects.toThrow(/1 to 10000/);
    await expect(buildFashionProbeSet(10001)).rejects.toThrow(/1 to 10000/);
  });
});
