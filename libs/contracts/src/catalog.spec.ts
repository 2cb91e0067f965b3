import { Preprocessing, Slug, TrainingMetadata } from './index';

describe('catalog schemas', () => {
  it('accept names fit for URLs and refuse the rest with a reason', () => {
    expect(Slug.parse('seed1-epoch3.v2_b')).toBe('seed1-epoch3.v2_b');
    expect(() => Slug.parse('../etc')).toThrow(/letters, digits/);
    expect(() => Slug.parse('')).toThrow(/empty/);
  });

  it('default preprocessing to [0,1] pixels', () => {
    expect(Preprocessing.parse({})).toEqual({ scale: 1 / 255, mean: [0], std: [1] });
    expect(() => Preprocessing.parse({ std: [0] })).toThrow();
  });

  it('keep training metadata a lab adds beyond the known fields', () => {
    expect(TrainingMetadata.parse({ seed: 1, epoch: 3, optimizer: 'sgd', augment: true })).toEqual({ seed: 1, epoch: 3, optimizer: 'sgd', augment: true });
    expect(() => TrainingMetadata.parse({ accuracy: 2 })).toThrow();
  });
});
