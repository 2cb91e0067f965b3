import { advice } from './commands';

describe('advice', () => {
  it('narrows the activations command to what the page shows', () => {
    expect(advice.activations('demo').command).toBe('npx microscope run activations demo');
    expect(advice.activations('demo', 'small-cnn', 's1-e6', 'fashion').command).toBe(
      'npx microscope run activations demo --model small-cnn --version s1-e6 --dataset fashion',
    );
  });

  it('names versions as <model>@<version>, as the render, dream and tuning commands read them', () => {
    expect(advice.visualize('demo', 'small-cnn', 's1-e6', 'conv1').command).toBe('npx microscope render demo small-cnn@s1-e6 conv1');
    expect(advice.dream('demo', 'small-cnn', 's1-e6', 'conv1').command).toBe('npx microscope dream demo small-cnn@s1-e6 conv1');
    expect(advice.tuning('demo', 'small-cnn', 's1-e6', 'conv1').command).toBe('npx microscope tuning demo small-cnn@s1-e6 conv1');
  });

  it('compares one pair, or every pair of the study', () => {
    const a = { model: 'small-cnn-seed1', version: 's1-e6' };
    const b = { model: 'small-cnn-seed2', version: 's2-e6' };
    expect(advice.compare('demo').command).toBe('npx microscope compare demo');
    expect(advice.compare('demo', a, b, 'fashion').command).toBe('npx microscope compare demo small-cnn-seed1@s1-e6 small-cnn-seed2@s2-e6 --dataset fashion');
    expect(advice.trajectory('demo', 'small-cnn-seed1', 'conv2', 3, 's1-e3').command).toBe('npx microscope trajectory demo small-cnn-seed1 conv2 3 --version s1-e3');
  });

  it('quotes names a shell would split', () => {
    expect(advice.visualize('demo', 'm', 'v', "block 1/it's").command).toBe(`npx microscope render demo m@v 'block 1/it'\\''s'`);
  });
});
