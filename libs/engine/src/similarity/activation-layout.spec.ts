import { spatiallyFlattened, spatiallyPooled } from './activation-layout';

describe('activation layout helpers', () => {
  // 2 images, 2 × 3 grid, 2 channels, NHWC; value = image·100 + position·10 + channel (channel 1 negated).
  const shape = { images: 2, height: 2, width: 3, channels: 2 };
  const data = Float32Array.from({ length: 24 }, (_, i) => {
    const channel = i % 2;
    const position = Math.floor(i / 2) % 6;
    const image = Math.floor(i / 12);
    return (channel ? -1 : 1) * (image * 100 + position * 10 + channel);
  });

  it('mean-pools each channel over the grid', () => {
    const pooled = spatiallyPooled(data, shape, 'mean');
    expect([pooled.rows, pooled.cols]).toEqual([2, 2]);
    expect(Array.from(pooled.data)).toEqual([25, -26, 125, -126]);
  });

  it('max-pools each channel over the grid', () => {
    expect(Array.from(spatiallyPooled(data, shape, 'max').data)).toEqual([50, -1, 150, -101]);
  });

  it('flattens without copying, one column per position and channel', () => {
    const flat = spatiallyFlattened(data, shape);
    expect([flat.rows, flat.cols]).toEqual([2, 12]);
    expect(flat.data).toBe(data);
  });

  it('refuses a shape that does not fit the data', () => {
    expect(() => spatiallyPooled(data, { ...shape, channels: 3 }, 'mean')).toThrow(/need 36 values/);
    expect(() => spatiallyFlattened(data, { ...shape, height: 0 })).toThrow(/positive integers/);
  });
});
