import { advice } from './commands';

describe('advice', () => {
  it('narrows the activations command to what the page shows', () => {
    expect(advice.activations('demo').command).toBe('npx microscope run activations demo');
    expect(advice.activations('demo', 'small-cnn', 's1-e6', 'fashion').command).toBe(
      'npx microscope run activations demo --model small-cnn --version s1-e6 --dataset fashion',
    );
  });
  it('quotes names a shell would split', () => {
    expect(advice.visualize('demo', 'm', 'v', "block 1/it's").command).toBe(`npx microscope run visualize demo --model m --version v --layer 'block 1/it'\\''s'`);
  });
  it('marks jobs that do not exist yet', () => {
    expect(advice.activations('demo').ready).toBe(true);
    expect(advice.tuning('demo', 'm', 'v').ready).toBe(false);
  });
});
