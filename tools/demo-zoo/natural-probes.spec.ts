import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { buildNaturalProbeSet, findSkimageData, NATURAL_PHOTOS } from './natural-probes';

/** Needs Debian's python3-skimage (CI installs it); skipped with a note where it is missing. */
const dataDir = findSkimageData();
const withPhotos = dataDir ? describe : describe.skip;
if (!dataDir) console.warn('python3-skimage is not installed: natural-image probe tests skipped');

const hash = (b: Buffer) => createHash('sha256').update(b).digest('hex');

withPhotos('the natural-image probe set', () => {
  it('uses only photos scikit-image itself declares CC0 or public domain', () => {
    // Each sample's licence is stated in the docstring of the function that loads it.
    const source = readFileSync(path.join(dataDir!, '_fetchers.py'), 'utf8');
    const functions = source.split(/\ndef /);
    for (const photo of NATURAL_PHOTOS) {
      const loader = functions.find((f) => f.includes(`"data/${photo.file}"`) || f.includes(`'data/${photo.file}'`));
      expect(loader).toBeDefined();
      expect(loader).toMatch(photo.licence === 'CC0' ? /CC0/ : /public domain/i);
    }
  });

  it('makes n deterministic crops of the requested size, labelled by their photo', async () => {
    const images = await buildNaturalProbeSet(24, { size: 40, dataDir: dataDir! });
    expect(images).toHaveLength(24);
    const names = new Set(NATURAL_PHOTOS.map((p) => p.name));
    for (const image of images) {
      expect(names.has(image.label)).toBe(true);
      const meta = await sharp(image.png).metadata();
      expect([meta.width, meta.height]).toEqual([40, 40]);
      // Grayscale photos stay single-channel; colour ones keep three.
      const colourSource = ['astronaut', 'chelsea', 'coffee', 'rocket', 'hubble-deep-field'].includes(image.label);
      expect(meta.channels).toBe(colourSource ? 3 : 1);
    }
    expect(new Set(images.map((i) => i.label)).size).toBeGreaterThan(4);
    expect(new Set(images.map((i) => hash(i.png))).size).toBe(24);

    const again = await buildNaturalProbeSet(24, { size: 40, dataDir: dataDir! });
    expect(again.map((i) => hash(i.png))).toEqual(images.map((i) => hash(i.png)));
    const otherSeed = await buildNaturalProbeSet(24, { size: 40, dataDir: dataDir!, seed: 2 });
    expect(otherSeed.map((i) => hash(i.png))).not.toEqual(images.map((i) => hash(i.png)));
  });

  it('refuses counts and sizes out of range', async () => {
    await expect(buildNaturalProbeSet(0, { dataDir: dataDir! })).rejects.toThrow(/1 to 100000 images/);
    await expect(buildNaturalProbeSet(3, { dataDir: dataDir!, size: 4 })).rejects.toThrow(/crop size/);
  });
});

describe('finding the photos', () => {
  it('answers null where python3-skimage is not installed', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'no-skimage-'));
    expect(findSkimageData([empty])).toBeNull();
    await rm(empty, { recursive: true });
  });
});
