/**
 * The demo's natural-image probe set: deterministic random square crops of the CC0 / public-domain photos that
 * Debian's `python3-skimage` package ships (scikit-image's sample data), resized to one size. Only photos whose
 * licence scikit-image states as CC0 or public domain (in `skimage/data/_fetchers.py`) are used; each crop's label
 * is the photo it came from. Same count, size and seed → the same crops.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { MicroscopeError } from '@microscope/contracts';
import type { ProbeImage } from './probe';

export interface NaturalPhoto {
  /** File name in skimage/data. */
  file: string;
  /** The label its crops carry. */
  name: string;
  licence: 'CC0' | 'public domain';
  credit: string;
}

/** The photos used, with the licence scikit-image 0.19 states for each (`skimage/data/_fetchers.py`). */
export const NATURAL_PHOTOS: readonly NaturalPhoto[] = [
  { file: 'astronaut.png', name: 'astronaut', licence: 'public domain', credit: 'NASA (Eileen Collins)' },
  { file: 'camera.png', name: 'camera', licence: 'CC0', credit: 'Lav Varshney' },
  { file: 'chelsea.png', name: 'chelsea', licence: 'CC0', credit: 'Stefan van der Walt' },
  { file: 'coffee.png', name: 'coffee', licence: 'CC0', credit: 'Rachel Michetti' },
  { file: 'rocket.jpg', name: 'rocket', licence: 'public domain', credit: 'SpaceX' },
  { file: 'clock_motion.png', name: 'clock', licence: 'public domain', credit: 'Stefan van der Walt' },
  { file: 'hubble_deep_field.jpg', name: 'hubble-deep-field', licence: 'public domain', credit: 'NASA' },
  { file: 'brick.png', name: 'brick', licence: 'CC0', credit: 'CC0Textures (Bricks25)' },
  { file: 'grass.png', name: 'grass', licence: 'CC0', credit: 'CC0Textures' },
  { file: 'gravel.png', name: 'gravel', licence: 'CC0', credit: 'CC0Textures (Gravel04)' },
];

/** Where Debian (and pip) put scikit-image's sample data. */
const SKIMAGE_DATA_DIRS = ['/usr/lib/python3/dist-packages/skimage/data', '/usr/local/lib/python3/dist-packages/skimage/data'];

/** The first folder holding every photo of NATURAL_PHOTOS, or null when python3-skimage is not installed. */
export function findSkimageData(candidates: readonly string[] = SKIMAGE_DATA_DIRS): string | null {
  return candidates.find((dir) => NATURAL_PHOTOS.every((p) => existsSync(path.join(dir, p.file)))) ?? null;
}

export interface NaturalProbeOptions {
  /** Side of the square crops, pixels (default 224). */
  size?: number;
  seed?: number;
  /** skimage/data folder (default: found with findSkimageData). */
  dataDir?: string;
}

/** Deterministic uniform [0, 1) generator (mulberry32). */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface DecodedPhoto {
  photo: NaturalPhoto;
  pixels: Buffer;
  width: number;
  height: number;
  channels: 1 | 3;
}

async function decode(dir: string, photo: NaturalPhoto): Promise<DecodedPhoto> {
  const bytes = await readFile(path.join(dir, photo.file));
  // sharp hands back three channels by default; grayscale photos stay single-channel (a third of the pixels).
  const gray = ((await sharp(bytes).metadata()).channels ?? 3) <= 2;
  const pipeline = sharp(bytes).removeAlpha();
  const { data, info } = await (gray ? pipeline.toColourspace('b-w') : pipeline).raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 && info.channels !== 3) throw new Error(`${photo.file}: ${info.channels} channels`);
  return { photo, pixels: data, width: info.width, height: info.height, channels: info.channels };
}

/**
 * `n` crops: each takes a photo uniformly at random, a square side between 35 % and 100 % of the photo's shorter
 * side, a random position and a random horizontal flip, resized (Lanczos) to size × size PNG.
 */
export async function buildNaturalProbeSet(n: number, options: NaturalProbeOptions = {}): Promise<ProbeImage[]> {
  const size = options.size ?? 224;
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new MicroscopeError('INVALID_INPUT', `a natural-image probe set holds 1 to 100000 images, asked for ${n}`);
  if (!Number.isInteger(size) || size < 8 || size > 1024) throw new MicroscopeError('INVALID_INPUT', `crop size must be 8 to 1024 pixels, got ${size}`);
  const dir = options.dataDir ?? findSkimageData();
  if (!dir) throw new MicroscopeError('UNAVAILABLE', 'the CC0 sample photos of python3-skimage are not installed (apt-get install python3-skimage)');
  const photos = await Promise.all(NATURAL_PHOTOS.map((p) => decode(dir, p)));
  const random = seededRandom(options.seed ?? 1);
  const images: ProbeImage[] = [];
  for (let i = 0; i < n; i++) {
    const source = photos[Math.floor(random() * photos.length)];
    const shorter = Math.min(source.width, source.height);
    const side = Math.max(8, Math.round(shorter * (0.35 + 0.65 * random())));
    const left = Math.floor(random() * (source.width - side + 1));
    const top = Math.floor(random() * (source.height - side + 1));
    const flip = random() < 0.5;
    let crop = sharp(source.pixels, { raw: { width: source.width, height: source.height, channels: source.channels } })
      .extract({ left, top, width: side, height: side })
      .resize(size, size, { kernel: 'lanczos3' });
    if (flip) crop = crop.flop();
    // Without the explicit colourspace sharp writes one-channel input as a three-channel PNG.
    const png = await (source.channels === 1 ? crop.toColourspace('b-w') : crop).png().toBuffer();
    images.push({ png, label: source.photo.name });
  }
  return images;
}
