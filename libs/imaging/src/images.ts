import sharp from 'sharp';
import { createHash } from 'node:crypto';
import { MicroscopeError, type InputSpec, type Preprocessing } from '@microscope/contracts';

export interface NormalizedImage {
  /** Lossless PNG of the image as uploaded (alpha dropped): what is stored and shown. */
  png: Buffer;
  contentHash: string;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** Largest side we accept; bigger images are rejected rather than silently downscaled. */
const MAX_SIDE = 8192;

/**
 * Decodes any image sharp reads (PNG, JPEG, WebP, …) into a canonical PNG, so that every stored probe image is
 * addressed by the hash of the same bytes whatever format it came in. `name` is only for the error message.
 */
export async function normalizeImage(bytes: Buffer, name: string): Promise<NormalizedImage> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes).metadata();
  } catch (e) {
    throw new MicroscopeError('INVALID_IMAGE', `${name}: not a decodable image (${(e as Error).message})`);
  }
  if (!meta.width || !meta.height) throw new MicroscopeError('INVALID_IMAGE', `${name}: image has no size`);
  if (meta.width > MAX_SIDE || meta.height > MAX_SIDE) {
    throw new MicroscopeError('INVALID_IMAGE', `${name}: ${meta.width}×${meta.height} exceeds the ${MAX_SIDE} px limit`);
  }
  let png: Buffer;
  let grayscale: boolean;
  try {
    grayscale = await isGray(bytes);
    const pipeline = sharp(bytes).rotate().removeAlpha();
    png = await (grayscale ? pipeline.toColourspace('b-w') : pipeline.toColourspace('srgb')).png({ compressionLevel: 9 }).toBuffer();
  } catch (e) {
    throw new MicroscopeError('INVALID_IMAGE', `${name}: could not be decoded (${(e as Error).message})`);
  }
  const out = await sharp(png).metadata();
  return {
    png,
    contentHash: createHash('sha256').update(png).digest('hex'),
    width: out.width!,
    height: out.height!,
    channels: grayscale ? 1 : 3,
  };
}

/** True when every pixel has R = G = B (or the image has one channel): such images are stored single-channel. */
async function isGray(bytes: Buffer): Promise<boolean> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels === 1) return true;
  for (let i = 0; i < data.length; i += info.channels) {
    if (data[i] !== data[i + 1] || data[i] !== data[i + 2]) return false;
  }
  return true;
}

/**
 * Resizes a stored image to a model's input and applies its preprocessing: x = (p * scale - mean[c]) / std[c],
 * channels-last. Colour images fed to a grayscale model are converted to luminance; grayscale to colour is replicated.
 */
export async function imageToInput(png: Buffer, input: InputSpec, pre: Preprocessing): Promise<Float32Array> {
  if (input.channels !== 1 && input.channels !== 3) {
    throw new MicroscopeError('UNSUPPORTED', `models with ${input.channels} input channels cannot take probe images (1 or 3 supported)`);
  }
  let pipeline = sharp(png).removeAlpha().resize(input.width, input.height, { fit: 'cover', kernel: 'lanczos3' });
  pipeline = input.channels === 1 ? pipeline.toColourspace('b-w') : pipeline.toColourspace('srgb');
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  const c = input.channels;
  const out = new Float32Array(input.height * input.width * c);
  for (let i = 0, px = 0; px < input.height * input.width; px++) {
    for (let ch = 0; ch < c; ch++, i++) {
      // sharp may hand back 3 channels for a b-w image on some inputs; take the first then.
      const raw = data[px * info.channels + Math.min(ch, info.channels - 1)];
      const mean = pre.mean[ch % pre.mean.length] ?? 0;
      const std = pre.std[ch % pre.std.length] ?? 1;
      out[i] = (raw * pre.scale - mean) / std;
    }
  }
  return out;
}

/** Encodes raw uint8 pixels (channels 1, 3 or 4) as PNG. sharp needs uint8 input: float input gave blank images. */
export async function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3 | 4): Promise<Buffer> {
  const image = sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), { raw: { width, height, channels } });
  // Without the explicit colourspace sharp writes one-channel input as a three-channel PNG.
  return (channels === 1 ? image.toColourspace('b-w') : image).png().toBuffer();
}
