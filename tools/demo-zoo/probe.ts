/**
 * The demo probe set: the first n images of the Fashion-MNIST test split (class-interleaved, so any prefix is
 * balanced; see fashion-mnist.ts) as grayscale 28×28 PNGs with their class names. Deterministic: same n, same bytes.
 */
import { MicroscopeError } from '@microscope/contracts';
import { encodePng } from '@microscope/imaging';
import { FASHION_CLASSES, FASHION_IMAGE_SIZE, FASHION_PIXELS, FASHION_TEST_PER_CLASS, loadFashionSplit } from './fashion-mnist';

export interface ProbeImage {
  png: Buffer;
  label: string;
}

export const FASHION_PROBE_MAX = FASHION_TEST_PER_CLASS * FASHION_CLASSES.length;

export async function buildFashionProbeSet(n = 2000): Promise<ProbeImage[]> {
  if (!Number.isInteger(n) || n < 1 || n > FASHION_PROBE_MAX) {
    throw new MicroscopeError('INVALID_INPUT', `a Fashion-MNIST probe set holds 1 to ${FASHION_PROBE_MAX} images, asked for ${n}`);
  }
  const test = loadFashionSplit('test', Math.ceil(n / FASHION_CLASSES.length));
  const images: ProbeImage[] = [];
  for (let i = 0; i < n; i++) {
    const pixels = test.images.subarray(i * FASHION_PIXELS, (i + 1) * FASHION_PIXELS);
    images.push({ png: await encodePng(pixels, FASHION_IMAGE_SIZE, FASHION_IMAGE_SIZE, 1), label: FASHION_CLASSES[test.labels[i]] });
  }
  return images;
}
