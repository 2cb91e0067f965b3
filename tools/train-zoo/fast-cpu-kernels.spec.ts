import * as tf from '@tensorflow/tfjs';
import { installFastCpuKernels } from './fast-cpu-kernels';
import { mulberry32 } from './prng';

type Pad = 'same' | 'valid';
interface ConvCase { name: string; x: [number, number, number, number]; filter: [number, number, number, number]; stride: number; pad: Pad }
interface PoolCase { name: string; x: [number, number, number, number]; size: number; stride: number; pad: Pad; ties: boolean }

const random = mulberry32(42);
const randomTensor = (shape: number[], integers = false) => {
  const n = shape.reduce((a, b) => a * b, 1);
  // Small integers make ties in max pooling; the stock rule (first maximum wins) must be kept.
  return tf.tensor(Float32Array.from({ length: n }, () => (integers ? Math.floor(random() * 3) : random() * 2 - 1)), shape);
};

const convCases: ConvCase[] = [
  { name: '3x3 same stride 1', x: [2, 7, 6, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { name: '3x3 same stride 2', x: [2, 7, 8, 2], filter: [3, 3, 2, 5], stride: 2, pad: 'same' },
  { name: '5x3 valid stride 1', x: [1, 9, 7, 2], filter: [5, 3, 2, 3], stride: 1, pad: 'valid' },
  { name: '1x1 pointwise', x: [3, 5, 5, 4], filter: [1, 1, 4, 6], stride: 1, pad: 'valid' },
];
const depthwiseCases: ConvCase[] = [
  { name: 'multiplier 1 same', x: [2, 6, 7, 3], filter: [3, 3, 3, 1], stride: 1, pad: 'same' },
  { name: 'multiplier 2 stride 2', x: [2, 9, 8, 2], filter: [3, 3, 2, 2], stride: 2, pad: 'same' },
  { name: 'multiplier 1 valid', x: [1, 6, 6, 4], filter: [3, 3, 4, 1], stride: 1, pad: 'valid' },
];
const poolCases: PoolCase[] = [
  { name: '2x2 stride 2', x: [2, 8, 6, 3], size: 2, stride: 2, pad: 'valid', ties: false },
  { name: '2x2 stride 2 with ties', x: [2, 8, 6, 3], size: 2, stride: 2, pad: 'valid', ties: true },
  { name: '3x3 stride 2 same, overlapping, ties', x: [2, 7, 9, 2], size: 3, stride: 2, pad: 'same', ties: true },
  { name: '3x3 stride 1 same', x: [1, 5, 5, 2], size: 3, stride: 1, pad: 'same', ties: false },
];

interface Gradients { conv: Float32Array[][]; depthwise: Float32Array[][]; pool: Float32Array[] }

// Inputs are made once (on the cpu backend), then gradients are taken twice: with the stock kernels and with ours.
let convInputs: { x: tf.Tensor; w: tf.Tensor }[];
let depthwiseInputs: { x: tf.Tensor; w: tf.Tensor }[];
let poolInputs: { x: tf.Tensor }[];

function gradients(): Gradients {
  // A non-uniform upstream gradient (weights by a fixed ramp) so every output position matters.
  const weighted = (y: tf.Tensor) => y.mul(tf.linspace(0.5, 1.5, y.size).reshape(y.shape)).sum();
  const conv = convCases.map((c, i) => {
    const g = tf.grads((x: tf.Tensor, w: tf.Tensor) => weighted(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad)));
    return g([convInputs[i].x, convInputs[i].w]).map((t) => t.dataSync() as Float32Array);
  });
  const depthwise = depthwiseCases.map((c, i) => {
    const g = tf.grads((x: tf.Tensor, w: tf.Tensor) => weighted(tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad)));
    return g([depthwiseInputs[i].x, depthwiseInputs[i].w]).map((t) => t.dataSync() as Float32Array);
  });
  const pool = poolCases.map((c, i) => tf.grad((x: tf.Tensor) => weighted(tf.maxPool(x as tf.Tensor4D, c.size, c.stride, c.pad)))(poolInputs[i].x).dataSync() as Float32Array);
  return { conv, depthwise, pool };
}

function expectClose(actual: Float32Array, expected: Float32Array) {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])));
  expect(worst).toBeLessThan(1e-5);
}

describe('fast cpu gradient kernels', () => {
  let stock: Gradients;
  let fast: Gradients;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    convInputs = convCases.map((c) => ({ x: randomTensor(c.x), w: randomTensor(c.filter) }));
    depthwiseInputs = depthwiseCases.map((c) => ({ x: randomTensor(c.x), w: randomTensor(c.filter) }));
    poolInputs = poolCases.map((c) => ({ x: randomTensor(c.x, c.ties) }));
    stock = gradients();
    installFastCpuKernels();
    fast = gradients();
  });

  it.each(convCases.map((c, i) => [c.name, i] as const))('Conv2DBackpropFilter matches the stock kernel: %s', (_, i) => {
    expectClose(fast.conv[i][1], stock.conv[i][1]);
    expectClose(fast.conv[i][0], stock.conv[i][0]); // input gradient untouched, sanity
  });

  it.each(depthwiseCases.map((c, i) => [c.name, i] as const))('DepthwiseConv2dNativeBackpropFilter matches the stock kernel: %s', (_, i) => {
    expectClose(fast.depthwise[i][1], stock.depthwise[i][1]);
  });

  it.each(poolCases.map((c, i) => [c.name, i] as const))('MaxPoolGrad matches the stock kernel: %s', (_, i) => {
    expectClose(fast.pool[i], stock.pool[i]);
  });

  it('really replaced the kernels (installing twice is harmless)', () => {
    installFastCpuKernels();
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')?.kernelFunc.name).not.toBe('conv2DBackpropFilter');
    expect(tf.getKernel('MaxPoolGrad', 'cpu')?.kernelFunc.name).not.toBe('maxPoolGrad');
  });
});
