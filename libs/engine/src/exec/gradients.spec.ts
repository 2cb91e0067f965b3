import * as tf from '@tensorflow/tfjs';
import { GraphBuilder } from '../ir/builder';
import type { AttrValue, GraphIR, OpType } from '../ir/graph';
import { samePads } from '../ir/padding';
import { validateGraph } from '../ir/validate';
import { Executor } from './executor';
import { conv2d, relu, setFastGradients, withRedirectedReluGradients } from './kernels';
import { expectClose, useBackend } from './test-support/backend';

/**
 * Gradient checks for every op the executor differentiates: the input gradient on WASM (with the forward-
 * convolution input gradients) against the cpu backend's stock gradients, and against central finite differences
 * of the WASM forward pass. Inputs are a shuffled grid of distinct values at least 1/30 apart, so no value sits
 * within the finite-difference step of a kink (relu at 0, clip bounds) and no pooling window has a near-tie.
 */

const SHAPE: [number, number, number] = [6, 5, 4];
const EPS = 1e-2;

function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values −2 + (k + ½)/30, shuffled: distinct, 1/30 apart, none at 0 or ±1. */
function gridInput(shape: number[], seed: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Float32Array.from({ length: n }, (_, k) => -2 + ((k % 120) + 0.5) / 30 + Math.floor(k / 120) * 1e-3);
  const random = seededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [values[i], values[j]] = [values[j], values[i]];
  }
  return values;
}

function normals(n: number, seed: number, scale = 1): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: n }, () => scale * Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random()));
}

interface Case {
  op: OpType;
  attrs?: Record<string, AttrValue>;
  /** Weight role → shape (random values). */
  weights?: Record<string, number[]>;
  /** Extra graph inputs besides x: a second operand made from x by this op. */
  second?: OpType;
  input?: [number, number, number];
  /** Why TF.js's own gradient is wrong here (the test then checks that it is, so the replacement stays needed). */
  stockWrong?: string;
}

const conv = (filter: number[], strides: number[], dilations: number[], pads: number[], groups = 1): Case => ({
  op: 'conv2d',
  attrs: { strides, dilations, pads, groups },
  weights: { filter, bias: [filter[3]] },
});
const depthwise = (filter: number[], strides: number[], dilations: number[], pads: number[]): Case => ({
  op: 'depthwiseConv2d',
  attrs: { strides, dilations, pads },
  weights: { filter, bias: [filter[2] * filter[3]] },
});
const pool = (op: 'maxPool' | 'avgPool', size: number[], strides: number[], pads: number[], countIncludePad = false): Case => ({
  op,
  attrs: { size, strides, pads, countIncludePad },
});

const CASES: [string, Case][] = [
  ['conv2d 3×3 stride 1 SAME', conv([3, 3, 4, 5], [1, 1], [1, 1], samePads([6, 5], [3, 3], [1, 1]))],
  ['conv2d 3×3 stride 2 TF SAME (odd pads)', conv([3, 3, 4, 5], [2, 2], [1, 1], samePads([6, 5], [3, 3], [2, 2]))],
  ['conv2d 7×7 stride 2 stem', { ...conv([7, 7, 4, 3], [2, 2], [1, 1], samePads([11, 9], [7, 7], [2, 2])), input: [11, 9, 4] }],
  ['conv2d 3×3 stride 2×1 asymmetric pads', conv([3, 3, 4, 3], [2, 1], [1, 1], [2, 0, 1, 3])],
  ['conv2d 2×3 stride 3 VALID (rows left unread)', conv([2, 3, 4, 3], [3, 3], [1, 1], [0, 0, 0, 0])],
  ['conv2d pads wider than the kernel reach', conv([2, 2, 4, 3], [1, 1], [1, 1], [2, 3, 0, 2])],
  ['conv2d dilation 2 asymmetric pads', conv([3, 3, 4, 3], [1, 1], [2, 2], [1, 3, 2, 0])],
  ['conv2d dilation 2 stride 2', conv([3, 2, 4, 3], [2, 2], [2, 2], [2, 2, 1, 1])],
  ['conv2d 1×1', conv([1, 1, 4, 6], [1, 1], [1, 1], [0, 0, 0, 0])],
  ['conv2d two groups', conv([3, 3, 2, 6], [1, 1], [1, 1], [1, 1, 1, 1], 2)],
  ['conv2d one group per channel (depthwise ×2)', conv([3, 3, 1, 8], [2, 2], [1, 1], [1, 1, 1, 1], 4)],
  ['depthwise 3×3 SAME', depthwise([3, 3, 4, 1], [1, 1], [1, 1], [1, 1, 1, 1])],
  ['depthwise 3×3 stride 2 TF SAME', depthwise([3, 3, 4, 1], [2, 2], [1, 1], samePads([6, 5], [3, 3], [2, 2]))],
  ['depthwise multiplier 3 asymmetric pads', depthwise([3, 3, 4, 3], [1, 2], [1, 1], [0, 2, 1, 0])],
  ['depthwise dilation 2', depthwise([3, 3, 4, 2], [1, 1], [2, 1], [2, 2, 1, 1])],
  ['dense on a flat input', { op: 'dense', weights: { kernel: [120, 7], bias: [7] } }],
  ['scaleShift (folded batch norm)', { op: 'scaleShift', weights: { scale: [4], shift: [4] } }],
  ['biasAdd', { op: 'biasAdd', weights: { bias: [4] } }],
  ['maxPool 3×3 stride 2 SAME', pool('maxPool', [3, 3], [2, 2], samePads([6, 5], [3, 3], [2, 2]))],
  ['maxPool 2×2 stride 2 VALID', pool('maxPool', [2, 2], [2, 2], [0, 0, 0, 0])],
  ['maxPool explicit asymmetric pads', pool('maxPool', [3, 3], [1, 1], [0, 2, 1, 0])],
  ['avgPool 3×3 stride 1 SAME', { ...pool('avgPool', [3, 3], [1, 1], [1, 1, 1, 1]), stockWrong: 'AvgPoolGrad divides border windows by 9' }],
  ['avgPool counting pads', pool('avgPool', [3, 3], [2, 2], [1, 1, 1, 1], true)],
  ['avgPool asymmetric pads without them', pool('avgPool', [2, 3], [2, 1], [1, 0, 2, 0])],
  ['globalAvgPool', { op: 'globalAvgPool' }],
  ['globalMaxPool', { op: 'globalMaxPool' }],
  ['lrn', { op: 'lrn', attrs: { radius: 2, bias: 1, alpha: 0.1, beta: 0.75 } }],
  ['concat on channels', { op: 'concat', attrs: { axis: 3 }, second: 'tanh' }],
  ['add of two branches', { op: 'add', second: 'sigmoid' }],
  ['mul of two branches', { op: 'mul', second: 'tanh' }],
  ['sub with a constant', { op: 'sub', weights: { constant: [4] } }],
  ['div by a constant', { op: 'div', weights: { constant: [4] } }],
  ['maximum of two branches', { op: 'maximum', second: 'tanh' }],
  ['relu', { op: 'relu' }],
  ['relu6', { op: 'relu6' }],
  ['leakyRelu', { op: 'leakyRelu', attrs: { alpha: 0.1 } }],
  ['elu', { op: 'elu' }],
  ['selu', { op: 'selu' }],
  ['sigmoid', { op: 'sigmoid' }],
  ['hardSigmoid', { op: 'hardSigmoid', attrs: { alpha: 0.2, beta: 0.5 } }],
  ['tanh', { op: 'tanh' }],
  ['softmax', { op: 'softmax' }],
  ['softplus', { op: 'softplus' }],
  ['softsign', { op: 'softsign' }],
  ['swish', { op: 'swish' }],
  ['hardSwish', { op: 'hardSwish' }],
  ['mish', { op: 'mish' }],
  ['gelu', { op: 'gelu' }],
  ['clip', { op: 'clip', attrs: { min: -1, max: 1 } }],
  ['prelu', { op: 'prelu', weights: { alpha: [4] } }],
  ['pad (constant)', { op: 'pad', attrs: { pads: [[1, 2], [0, 1], [0, 0]], value: 0.5 } }],
  ...(
    [
      ['resize bilinear, half-pixel centres', [9, 7], false, true],
      ['resize bilinear, aligned corners, down', [4, 3], true, false],
      ['resize bilinear, plain', [12, 10], false, false],
    ] as const
  ).map(([label, size, alignCorners, halfPixelCenters]): [string, Case] => [
    label,
    { op: 'resize', attrs: { size: [...size], method: 'bilinear', alignCorners, halfPixelCenters }, stockWrong: 'ResizeBilinearGrad swaps height and width' },
  ]),
  ['resize nearest', { op: 'resize', attrs: { size: [12, 10], method: 'nearest', alignCorners: false, halfPixelCenters: false } }],
  ['mean over space', { op: 'mean', attrs: { axes: [1, 2], keepDims: false } }],
  ['slice', { op: 'slice', attrs: { begin: [0, 1, 0, 1], size: [-1, 3, 4, 2] } }],
  ['transpose', { op: 'transpose', attrs: { perm: [0, 2, 1, 3] } }],
  ['flatten', { op: 'flatten' }],
];

function buildGraph(spec: Case): GraphIR {
  const b = new GraphBuilder('onnx');
  b.addInput('x', spec.input ?? SHAPE);
  let seed = 100;
  const params: Record<string, string> = {};
  for (const [role, shape] of Object.entries(spec.weights ?? {})) {
    const n = shape.reduce((a, c) => a * c, 1);
    // Positive divisors keep `div` smooth; everything else gets plain normals.
    const data = role === 'constant' && spec.op === 'div' ? normals(n, seed++).map((v) => 1.5 + Math.abs(v)) : normals(n, seed++, 0.5);
    params[role] = b.addWeight(`y/${role}`, { shape, data });
  }
  const inputs = ['x'];
  if (spec.second) inputs.push(b.add({ name: 'second', op: spec.second, inputs: ['x'], isLayer: false }));
  if (spec.op === 'dense') inputs[0] = b.add({ name: 'flat', op: 'flatten', inputs: ['x'], isLayer: false });
  b.add({ name: 'y', op: spec.op, inputs, attrs: spec.attrs ?? {}, params, isLayer: true });
  const ir = b.build(['y']);
  validateGraph(ir);
  return ir;
}

/** Σ y · w per batch item, for a fixed random weighting w of the output. */
function weightedOutput(executor: Executor, w: tf.Tensor, x: tf.Tensor4D): tf.Tensor1D {
  const y = executor.run(x, ['y']).get('y')!;
  const axes = y.shape.slice(1).map((_, i) => i + 1);
  return tf.sum(tf.mul(y, w), axes) as tf.Tensor1D;
}

/** ∂(Σ y·w)/∂x for one image on the current backend. */
function inputGradient(ir: GraphIR, x: Float32Array, w: Float32Array): Float32Array {
  const executor = new Executor(ir);
  try {
    const shape = [1, ...ir.input.shape] as [number, number, number, number];
    const out = tf.tidy(() => {
      const weights = tf.tensor(w, [1, ...ir.nodes.find((n) => n.name === 'y')!.outputShape]);
      return tf.grad((xi: tf.Tensor) => tf.sum(weightedOutput(executor, weights, xi as tf.Tensor4D)))(tf.tensor4d(x, shape));
    });
    const data = out.dataSync() as Float32Array;
    out.dispose();
    return data;
  } finally {
    executor.dispose();
  }
}

/** Central differences, every perturbed image in one batch. */
function finiteDifferences(ir: GraphIR, x: Float32Array, w: Float32Array): Float32Array {
  const executor = new Executor(ir);
  const n = x.length;
  try {
    const values = tf.tidy(() => {
      const batch = new Float32Array(2 * n * n);
      for (let i = 0; i < n; i++) {
        batch.set(x, 2 * i * n);
        batch.set(x, (2 * i + 1) * n);
        batch[2 * i * n + i] += EPS;
        batch[(2 * i + 1) * n + i] -= EPS;
      }
      const weights = tf.tensor(w, [1, ...ir.nodes.find((node) => node.name === 'y')!.outputShape]);
      return weightedOutput(executor, weights, tf.tensor4d(batch, [2 * n, ...ir.input.shape]));
    });
    const f = values.dataSync();
    values.dispose();
    return Float32Array.from({ length: n }, (_, i) => (f[2 * i] - f[2 * i + 1]) / (2 * EPS));
  } finally {
    executor.dispose();
  }
}

const outputSize = (ir: GraphIR): number => ir.nodes.find((n) => n.name === 'y')!.outputShape.reduce((a, b) => a * b, 1);
const asTensor = (data: Float32Array): tf.Tensor => tf.tensor1d(data);

describe('input gradients of every differentiable op: WASM vs cpu vs finite differences vs the stock gradients', () => {
  afterAll(() => setFastGradients(true));

  it.each(CASES)('%s', async (_label, spec) => {
    const ir = buildGraph(spec);
    const x = gridInput([...ir.input.shape], 7);
    const w = normals(outputSize(ir), 11);

    await useBackend('cpu');
    setFastGradients(true);
    const cpu = inputGradient(ir, x, w);
    setFastGradients(false);
    const stock = (() => {
      try {
        return inputGradient(ir, x, w);
      } catch (e) {
        return e as Error;
      }
    })();

    await useBackend('wasm');
    setFastGradients(true);
    const wasm = inputGradient(ir, x, w);
    const numeric = finiteDifferences(ir, x, w);

    expectClose(asTensor(wasm), asTensor(cpu), 1e-4, 'WASM vs cpu');
    expectClose(asTensor(wasm), asTensor(numeric), 3e-3, 'WASM vs finite differences');
    if (spec.stockWrong) {
      // The stock gradient fails or differs from finite differences: the loop gradient is there for a reason.
      if (!(stock instanceof Error)) expect(() => expectClose(asTensor(stock), asTensor(numeric), 3e-3, 'stock')).toThrow(/exceeds/);
    } else {
      if (stock instanceof Error) throw stock;
      expectClose(asTensor(cpu), asTensor(stock), 1e-4, 'ours vs stock (cpu)');
    }
  });
});

describe('the fast input gradients are what make WASM work and match the stock ones on cpu', () => {
  afterAll(() => setFastGradients(true));

  it('differentiates a depthwise convolution on WASM only through the fast path', async () => {
    const ir = buildGraph(depthwise([3, 3, 4, 1], [1, 1], [1, 1], [1, 1, 1, 1]));
    const x = gridInput([...SHAPE], 1);
    const w = normals(outputSize(ir), 2);
    await useBackend('wasm');
    setFastGradients(false);
    expect(() => inputGradient(ir, x, w)).toThrow(/DepthwiseConv2dNativeBackpropInput|not registered|not found/i);
    setFastGradients(true);
    expect(inputGradient(ir, x, w).every(Number.isFinite)).toBe(true);
  });

  it('gives the same gradients as the stock kernels on the cpu backend', async () => {
    await useBackend('cpu');
    for (const [, spec] of CASES.filter(([, c]) => c.op === 'conv2d' || c.op === 'depthwiseConv2d')) {
      const ir = buildGraph(spec);
      const x = gridInput([...ir.input.shape], 3);
      const w = normals(outputSize(ir), 4);
      setFastGradients(false);
      const stock = inputGradient(ir, x, w);
      setFastGradients(true);
      expectClose(asTensor(inputGradient(ir, x, w)), asTensor(stock), 1e-5, spec.op);
    }
  });

  it('keeps the filter gradient for a trainable filter', async () => {
    await useBackend('cpu');
    setFastGradients(true);
    const x = tf.tensor4d(gridInput([1, ...SHAPE], 5), [1, ...SHAPE]);
    const filter = tf.variable(tf.tensor4d(normals(3 * 3 * 4 * 2, 6), [3, 3, 4, 2]));
    const opts = { strides: [1, 1] as [number, number], dilations: [1, 1] as [number, number], pads: [1, 1, 1, 1] as [number, number, number, number] };
    const ours = tf.variableGrads(() => tf.sum(tf.square(conv2d(x, filter as unknown as tf.Tensor4D, undefined, opts))), [filter]).grads[filter.name];
    const reference = tf.variableGrads(() => tf.sum(tf.square(tf.conv2d(x, filter as unknown as tf.Tensor4D, 1, 'same'))), [filter]).grads[filter.name];
    expectClose(ours, reference, 1e-5, 'filter gradient');
    filter.dispose();
  });
});

describe('a MobileNet-style network differentiates on WASM as on cpu', () => {
  afterAll(() => setFastGradients(true));

  /** conv s2 → folded BN → relu6 → depthwise → pointwise → residual add → max pool → LRN → global pool → dense. */
  function mobileNetLike(): GraphIR {
    const b = new GraphBuilder('onnx');
    b.addInput('x', [17, 15, 3]);
    let seed = 40;
    const w = (name: string, shape: number[], scale = 0.4) => b.addWeight(name, { shape, data: normals(shape.reduce((a, c) => a * c, 1), seed++, scale) });
    const stem = b.add({ name: 'stem', op: 'conv2d', inputs: ['x'], attrs: { strides: [2, 2], dilations: [1, 1], pads: samePads([17, 15], [3, 3], [2, 2]), groups: 1 }, params: { filter: w('f0', [3, 3, 3, 8]) }, isLayer: false });
    const bn = b.add({ name: 'bn', op: 'scaleShift', inputs: [stem], params: { scale: w('s0', [8]), shift: w('t0', [8]) }, isLayer: false });
    const r0 = b.add({ name: 'r0', op: 'relu6', inputs: [bn], isLayer: true });
    const dw = b.add({ name: 'dw', op: 'depthwiseConv2d', inputs: [r0], attrs: { strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1] }, params: { filter: w('f1', [3, 3, 8, 1]), bias: w('b1', [8]) }, isLayer: false });
    const r1 = b.add({ name: 'r1', op: 'relu6', inputs: [dw], isLayer: true });
    const pw = b.add({ name: 'pw', op: 'conv2d', inputs: [r1], attrs: { strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], groups: 1 }, params: { filter: w('f2', [1, 1, 8, 8]) }, isLayer: false });
    const res = b.add({ name: 'res', op: 'add', inputs: [pw, r0], isLayer: true });
    const mp = b.add({ name: 'mp', op: 'maxPool', inputs: [res], attrs: { size: [3, 3], strides: [2, 2], pads: samePads([9, 8], [3, 3], [2, 2]) }, isLayer: true });
    const lrn = b.add({ name: 'lrn', op: 'lrn', inputs: [mp], attrs: { radius: 2, bias: 1, alpha: 0.05, beta: 0.75 }, isLayer: true });
    const gap = b.add({ name: 'gap', op: 'globalAvgPool', inputs: [lrn], isLayer: true });
    b.add({ name: 'y', op: 'dense', inputs: [gap], params: { kernel: w('k', [8, 5]), bias: w('kb', [5]) }, isLayer: true });
    return b.build(['y']);
  }

  it('matches the cpu gradient', async () => {
    const ir = mobileNetLike();
    validateGraph(ir);
    const x = normals(17 * 15 * 3, 9);
    const w = normals(5, 10);
    await useBackend('cpu');
    setFastGradients(false);
    const stock = inputGradient(ir, x, w);
    await useBackend('wasm');
    setFastGradients(true);
    expectClose(asTensor(inputGradient(ir, x, w)), asTensor(stock), 1e-4, 'network gradient');
  });
});

describe('redirected ReLU gradients (Lucid)', () => {
  beforeAll(() => useBackend('wasm'));

  // Item 0 is off everywhere; item 1 is on at one position.
  const x = [
    [-1, -2, -0.5, -3],
    [-1, 2, -0.5, -3],
  ];
  // ∂loss/∂y of a minimised loss: negative pushes the input up, positive pushes it down.
  const dy = [
    [-1, 1, -2, 0.5],
    [-1, 1, -2, 0.5],
  ];
  const gradient = (cap?: number, redirected = true) =>
    tf.tidy(() => {
      const w = tf.tensor2d(dy);
      const f = (t: tf.Tensor) => tf.sum(tf.mul(relu(t, cap), w));
      const g = redirected ? withRedirectedReluGradients(() => tf.grad(f)) : tf.grad(f);
      return plusZero(g(tf.tensor2d(x)).arraySync() as number[][]);
    });
  /** −0 as 0, for toEqual. */
  const plusZero = (rows: number[][]) => rows.map((r) => r.map((v) => v + 0));

  it('passes the upward gradient of an item that is off everywhere, and keeps the exact one where any gets through', () => {
    const got = withRedirectedReluGradients(() => gradient());
    expect(got[0]).toEqual([-1, 0, -2, 0]); // upward pushes pass, downward ones on negative inputs are blocked
    expect(got[1]).toEqual([0, 1, 0, 0]); // exact: only the open position
  });

  it('is the exact gradient outside withRedirectedReluGradients, and blocks pushes past the cap of ReLU6', () => {
    expect(gradient(undefined, false)).toEqual([
      [0, 0, 0, 0],
      [0, 1, 0, 0],
    ]);
    const capped = tf.tidy(() => {
      const w = tf.tensor2d([[-1, -1, 1, -1]]);
      return plusZero(withRedirectedReluGradients(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(relu(t, 6), w)))(tf.tensor2d([[-1, 7, 8, -2]])).arraySync() as number[][]));
    });
    expect(capped).toEqual([[-1, 0, 1, -1]]); // above the cap, pushes further up are blocked; pushes down pass
  });
});
