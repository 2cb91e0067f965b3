import * as tf from '@tensorflow/tfjs';
import { MicroscopeError } from '@microscope/contracts';
import { GraphBuilder } from '../ir/builder';
import type { AttrValue, GraphIR, OpType } from '../ir/graph';
import { validateGraph } from '../ir/validate';
import { Executor } from './executor';
import * as ops from './ops';
import { bruteConv2d, bruteDepthwise, brutePool, type Tensor4 } from './test-support/brute-force';
import { expectClose, useBackend } from './test-support/backend';

const random = (shape: number[], seed: number): Float32Array => tf.randomNormal(shape, 0, 1, 'float32', seed).dataSync() as Float32Array;
const asTensor = (t: Tensor4): tf.Tensor4D => tf.tensor4d(t.data, t.shape);

interface OneOp {
  op: OpType;
  attrs?: Record<string, AttrValue>;
  weights?: Record<string, { shape: number[]; data: Float32Array }>;
}

/** input → one op (named "y"); the IR is validated like an imported one. */
function oneOpGraph(inputShape: [number, number, number], spec: OneOp): GraphIR {
  const b = new GraphBuilder('onnx');
  b.addInput('x', inputShape);
  const params: Record<string, string> = {};
  for (const [role, w] of Object.entries(spec.weights ?? {})) params[role] = b.addWeight(`y/${role}`, w);
  b.add({ name: 'y', op: spec.op, inputs: ['x'], attrs: spec.attrs ?? {}, params, isLayer: true });
  const ir = b.build(['y']);
  validateGraph(ir);
  return ir;
}

function runOne(ir: GraphIR, x: tf.Tensor4D): tf.Tensor {
  const executor = new Executor(ir);
  try {
    return executor.run(x, ['y']).get('y')!;
  } finally {
    executor.dispose();
  }
}

describe('Executor kernels against brute force (WASM)', () => {
  beforeAll(() => useBackend('wasm'));

  it.each([
    ['asymmetric pads, stride 2×1', { strides: [2, 1], dilations: [1, 1], pads: [2, 0, 1, 3] }, 1],
    ['TF SAME pads', { strides: [2, 2], dilations: [1, 1], pads: [1, 1, 0, 1] }, 1],
    ['dilation 2 with asymmetric pads', { strides: [1, 1], dilations: [2, 2], pads: [1, 3, 2, 0] }, 1],
    ['two groups', { strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1] }, 2],
    ['one group per channel', { strides: [1, 2], dilations: [1, 1], pads: [0, 0, 1, 1] }, 4],
  ] as const)('conv2d with %s', (_label, window, groups) => {
    const x: Tensor4 = { shape: [2, 7, 6, 4], data: random([2 * 7 * 6 * 4], 1) };
    const filter: Tensor4 = { shape: [3, 3, 4 / groups, 8], data: random([3 * 3 * (4 / groups) * 8], 2) };
    const bias = random([8], 3);
    const ir = oneOpGraph([7, 6, 4], {
      op: 'conv2d',
      attrs: { strides: [...window.strides], dilations: [...window.dilations], pads: [...window.pads], groups },
      weights: { filter: { shape: filter.shape, data: filter.data }, bias: { shape: [8], data: bias } },
    });
    const expected = bruteConv2d(x, filter, bias, { strides: [...window.strides], dilations: [...window.dilations], pads: [...window.pads] }, groups);
    expectClose(runOne(ir, asTensor(x)), asTensor(expected), 1e-5, 'conv2d');
  });

  it.each([
    ['SAME pads and multiplier 2', { strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1] }, 2],
    ['asymmetric pads, stride 2', { strides: [2, 2], dilations: [1, 1], pads: [0, 2, 1, 0] }, 1],
    ['dilation 2', { strides: [1, 1], dilations: [2, 2], pads: [2, 2, 2, 2] }, 1],
  ] as const)('depthwiseConv2d with %s', (_label, window, multiplier) => {
    const x: Tensor4 = { shape: [2, 6, 7, 3], data: random([2 * 6 * 7 * 3], 4) };
    const filter: Tensor4 = { shape: [3, 3, 3, multiplier], data: random([9 * 3 * multiplier], 5) };
    const ir = oneOpGraph([6, 7, 3], {
      op: 'depthwiseConv2d',
      attrs: { strides: [...window.strides], dilations: [...window.dilations], pads: [...window.pads] },
      weights: { filter: { shape: filter.shape, data: filter.data } },
    });
    const expected = bruteDepthwise(x, filter, undefined, { strides: [...window.strides], dilations: [...window.dilations], pads: [...window.pads] });
    expectClose(runOne(ir, asTensor(x)), asTensor(expected), 1e-5, 'depthwise');
  });

  it.each([
    ['max', [0, 0, 0, 0], false],
    ['max', [1, 1, 1, 1], false],
    ['max', [0, 2, 1, 0], false],
    ['avg', [1, 1, 1, 1], false],
    ['avg', [1, 1, 1, 1], true],
    ['avg', [2, 0, 0, 1], false],
    ['avg', [2, 0, 0, 1], true],
  ] as const)('%sPool with pads %j, countIncludePad %s', (kind, pads, countIncludePad) => {
    const x: Tensor4 = { shape: [2, 7, 8, 3], data: random([2 * 7 * 8 * 3], 6) };
    const ir = oneOpGraph([7, 8, 3], { op: kind === 'max' ? 'maxPool' : 'avgPool', attrs: { size: [3, 3], strides: [2, 2], pads: [...pads], countIncludePad } });
    expectClose(runOne(ir, asTensor(x)), asTensor(brutePool(x, kind, [3, 3], [2, 2], [...pads], countIncludePad)), 1e-5, `${kind}Pool`);
  });
});

/** Input → a → b → c, and input → d (a branch the first outputs do not need). */
function chainGraph(): GraphIR {
  const b = new GraphBuilder('onnx');
  b.addInput('x', [4, 4, 2]);
  b.add({ name: 'a', op: 'relu', inputs: ['x'], isLayer: true });
  b.add({ name: 'b', op: 'sigmoid', inputs: ['a'], isLayer: true });
  b.add({ name: 'c', op: 'add', inputs: ['a', 'b'], isLayer: true });
  b.add({ name: 'd', op: 'tanh', inputs: ['x'], isLayer: true });
  return b.build(['c', 'd']);
}

describe('Executor bookkeeping (WASM)', () => {
  beforeAll(() => useBackend('wasm'));

  it('computes only what the requested outputs need', () => {
    const spy = jest.spyOn(ops, 'runOp');
    const executor = new Executor(chainGraph());
    const x = tf.randomNormal([1, 4, 4, 2]) as tf.Tensor4D;
    const out = executor.run(x, ['b']);
    expect(spy.mock.calls.map(([node]) => node.name)).toEqual(['a', 'b']);
    spy.mockRestore();
    tf.dispose([x, ...out.values()]);
    executor.dispose();
  });

  it('leaves no intermediate tensors behind and does not dispose the input', () => {
    const executor = new Executor(chainGraph());
    const x = tf.randomNormal([2, 4, 4, 2]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const out = executor.run(x, ['c', 'a', 'x']);
    expect(tf.memory().numTensors).toBe(before + 3);
    expect(x.isDisposed).toBe(false);
    expectClose(out.get('x')!, x, 0, 'input copy');
    const expected = tf.tidy(() => tf.add(tf.relu(x), tf.sigmoid(tf.relu(x))));
    expectClose(out.get('c')!, expected, 1e-6, 'c');
    expected.dispose();
    out.forEach((t) => t.dispose());
    expect(tf.memory().numTensors).toBe(before);
    executor.dispose();
  });

  it('frees intermediates as soon as their last consumer has run', () => {
    const b = new GraphBuilder('onnx');
    b.addInput('x', [8, 8, 1]);
    let prev = 'x';
    for (let i = 0; i < 20; i++) prev = b.add({ name: `n${i}`, op: 'relu', inputs: [prev], isLayer: true });
    const executor = new Executor(b.build([prev]));
    const x = tf.ones([1, 8, 8, 1]) as tf.Tensor4D;
    let peak = 0;
    const spy = jest.spyOn(ops, 'runOp').mockImplementation((node, inputs) => {
      peak = Math.max(peak, tf.memory().numTensors);
      return tf.relu(inputs[0]);
    });
    const base = tf.memory().numTensors;
    const out = executor.run(x, [prev]);
    spy.mockRestore();
    // A chain keeps at most one intermediate alive, not twenty.
    expect(peak - base).toBeLessThanOrEqual(1);
    out.get(prev)!.dispose();
    executor.dispose();
  });

  it('rejects an input of the wrong shape and unknown outputs', () => {
    const executor = new Executor(chainGraph());
    const wrong = tf.zeros([1, 4, 5, 2]) as tf.Tensor4D;
    expect(() => executor.run(wrong, ['c'])).toThrow(/takes \[N, 4, 4, 2\] input, got \[1, 4, 5, 2\]/);
    const x = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
    const error = (() => {
      try {
        executor.run(x, ['nope']);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MicroscopeError);
    expect((error as MicroscopeError).code).toBe('INVALID_INPUT');
    executor.dispose();
  });
});

describe('Executor gradients (cpu)', () => {
  beforeAll(() => useBackend('cpu'));

  /** The objective is linear in x, so each unit perturbation gives the exact partial derivative. */
  function perturbationGradient(f: (x: tf.Tensor4D) => number, x: tf.Tensor4D): Float32Array {
    const base = f(x);
    const data = x.dataSync();
    const grad = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const bumped = Float32Array.from(data);
      bumped[i] += 1;
      grad[i] = f(tf.tensor4d(bumped, x.shape)) - base;
    }
    return grad;
  }

  it.each([
    ['a dilated convolution with asymmetric pads', { op: 'conv2d' as const, filter: [3, 3, 2, 3], attrs: { strides: [1, 1], dilations: [2, 2], pads: [1, 2, 2, 1], groups: 1 } }],
    ['a grouped strided convolution', { op: 'conv2d' as const, filter: [3, 3, 1, 4], attrs: { strides: [2, 2], dilations: [1, 1], pads: [1, 1, 1, 1], groups: 2 } }],
    ['a dilated depthwise convolution', { op: 'depthwiseConv2d' as const, filter: [3, 3, 2, 2], attrs: { strides: [1, 1], dilations: [2, 1], pads: [2, 2, 1, 1] } }],
  ])('flow through %s', (_label, spec) => {
    const ir = oneOpGraph([6, 5, 2], { op: spec.op, attrs: spec.attrs, weights: { filter: { shape: spec.filter, data: random([spec.filter.reduce((a, b) => a * b)], 8) } } });
    const executor = new Executor(ir);
    const x = tf.randomNormal([1, 6, 5, 2], 0, 1, 'float32', 9) as tf.Tensor4D;
    const outShape = [1, ...ir.nodes[1].outputShape];
    const w = tf.randomNormal(outShape, 0, 1, 'float32', 10);
    const objective = (xi: tf.Tensor) => tf.sum(tf.mul(executor.run(xi as tf.Tensor4D, ['y']).get('y')!, w));
    const ours = tf.grad(objective)(x);
    const brute = perturbationGradient((xi) => objective(xi).dataSync()[0], x);
    expectClose(ours, tf.tensor4d(brute, x.shape), 2e-4, 'gradient');
    executor.dispose();
  });
});
