import * as tf from '@tensorflow/tfjs';
import { boolAttr, nestedNumsAttr, numAttr, numsAttr, strAttr, windowAttrs } from '../ir/attrs';
import type { IRNode, OpType } from '../ir/graph';
import * as kernels from './kernels';

/** One IR op on TF.js tensors. Tensors carry the batch axis first; IR attrs and shapes do not. */
type OpFn = (node: IRNode, inputs: tf.Tensor[], params: Record<string, tf.Tensor>) => tf.Tensor;

const as4D = (t: tf.Tensor): tf.Tensor4D => t as tf.Tensor4D;
const as1D = (t: tf.Tensor | undefined): tf.Tensor1D | undefined => t as tf.Tensor1D | undefined;
const batchOf = (t: tf.Tensor): number => t.shape[0];

function elementwise(fn: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): OpFn {
  return (node, [x, y], params) => {
    const c = params.constant;
    if (!c) return fn(x, y);
    return boolAttr(node, 'constantFirst', false) ? fn(c, x) : fn(x, c);
  };
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

function gelu(x: tf.Tensor, approximate: 'none' | 'tanh'): tf.Tensor {
  if (approximate === 'tanh') {
    const inner = tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  }
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
}

/** Softmax over any axis: TF.js normalizes only the last one. */
function softmax(x: tf.Tensor, axis: number): tf.Tensor {
  const rank = x.rank;
  const a = axis < 0 ? axis + rank : axis;
  if (a === rank - 1) return tf.softmax(x);
  const perm = [...Array(rank).keys()];
  perm[a] = rank - 1;
  perm[rank - 1] = a;
  return tf.transpose(tf.softmax(tf.transpose(x, perm)), perm);
}

/** Max / average pooling with arbitrary pads (kernels.pool2d owns the forward and its gradient). */
function pool(kind: kernels.PoolKind): OpFn {
  return (node, [input]) => {
    const { strides, pads } = windowAttrs(node);
    const size = numsAttr(node, 'size') as [number, number];
    return kernels.pool2d(as4D(input), kind, { size, strides, pads, countIncludePad: boolAttr(node, 'countIncludePad', false) });
  };
}

function dense(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor | undefined): tf.Tensor {
  const [inF, outF] = kernel.shape;
  const flat = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, inF]);
  let y: tf.Tensor = tf.matMul(flat as tf.Tensor2D, kernel as tf.Tensor2D);
  if (bias) y = tf.add(y, bias);
  return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), outF]);
}

const OPS: Record<Exclude<OpType, 'input'>, OpFn> = {
  conv2d: (node, [x], p) => {
    const { strides, dilations, pads } = windowAttrs(node);
    return kernels.conv2d(as4D(x), as4D(p.filter), as1D(p.bias), { strides, dilations, pads, groups: numAttr(node, 'groups', 1) });
  },
  depthwiseConv2d: (node, [x], p) => kernels.depthwiseConv2d(as4D(x), as4D(p.filter), as1D(p.bias), windowAttrs(node)),
  scaleShift: (_n, [x], p) => kernels.scaleShift(x, p.scale as tf.Tensor1D, p.shift as tf.Tensor1D),
  dense: (_n, [x], p) => dense(x, p.kernel, p.bias),
  matMul: (node, [a, b]) => tf.matMul(a, b, boolAttr(node, 'transposeA', false), boolAttr(node, 'transposeB', false)),
  biasAdd: (_n, [x], p) => tf.add(x, p.bias),
  add: elementwise(tf.add),
  sub: elementwise(tf.sub),
  mul: elementwise(tf.mul),
  div: elementwise(tf.div),
  maximum: elementwise(tf.maximum),
  minimum: elementwise(tf.minimum),
  relu: (_n, [x]) => kernels.relu(x),
  relu6: (_n, [x]) => kernels.relu(x, 6),
  leakyRelu: (node, [x]) => tf.leakyRelu(x, numAttr(node, 'alpha', 0.2)),
  elu: (node, [x]) => {
    const alpha = numAttr(node, 'alpha', 1);
    return alpha === 1 ? tf.elu(x) : tf.where(tf.greater(x, 0), x, tf.mul(alpha, tf.sub(tf.exp(x), 1)));
  },
  selu: (_n, [x]) => tf.selu(x),
  sigmoid: (_n, [x]) => tf.sigmoid(x),
  hardSigmoid: (node, [x]) => tf.clipByValue(tf.add(tf.mul(numAttr(node, 'alpha', 0.2), x), numAttr(node, 'beta', 0.5)), 0, 1),
  tanh: (_n, [x]) => tf.tanh(x),
  softmax: (node, [x]) => softmax(x, numAttr(node, 'axis', -1)),
  softplus: (_n, [x]) => tf.softplus(x),
  softsign: (_n, [x]) => tf.div(x, tf.add(1, tf.abs(x))),
  swish: (node, [x]) => {
    const beta = numAttr(node, 'beta', 1);
    return tf.mul(x, tf.sigmoid(beta === 1 ? x : tf.mul(beta, x)));
  },
  hardSwish: (_n, [x]) => tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6)),
  mish: (_n, [x]) => tf.mul(x, tf.tanh(tf.softplus(x))),
  gelu: (node, [x]) => gelu(x, strAttr(node, 'approximate', ['none', 'tanh'] as const, 'none')),
  clip: (node, [x]) => tf.clipByValue(x, numAttr(node, 'min'), numAttr(node, 'max')),
  prelu: (_n, [x], p) => tf.prelu(x, p.alpha),
  maxPool: pool('max'),
  avgPool: pool('avg'),
  globalAvgPool: (node, [x]) => tf.mean(x, [1, 2], boolAttr(node, 'keepDims', false)),
  globalMaxPool: (node, [x]) => tf.max(x, [1, 2], boolAttr(node, 'keepDims', false)),
  lrn: (node, [x]) =>
    tf.localResponseNormalization(as4D(x), numAttr(node, 'radius', 5), numAttr(node, 'bias', 1), numAttr(node, 'alpha', 1), numAttr(node, 'beta', 0.5)),
  concat: (node, inputs) => tf.concat(inputs, numAttr(node, 'axis')),
  reshape: (node, [x]) => tf.reshape(x, [batchOf(x), ...numsAttr(node, 'shape')]),
  flatten: (_n, [x]) => tf.reshape(x, [batchOf(x), -1]),
  transpose: (node, [x]) => tf.transpose(x, numsAttr(node, 'perm')),
  pad: (node, [x]) => {
    const pads = [[0, 0], ...nestedNumsAttr(node, 'pads')] as [number, number][];
    const mode = strAttr(node, 'mode', ['constant', 'reflect', 'symmetric'] as const, 'constant');
    return mode === 'constant' ? tf.pad(x, pads, numAttr(node, 'value', 0)) : tf.mirrorPad(x, pads, mode);
  },
  resize: (node, [x]) => {
    const size = numsAttr(node, 'size') as [number, number];
    const alignCorners = boolAttr(node, 'alignCorners', false);
    const halfPixelCenters = boolAttr(node, 'halfPixelCenters', false);
    return strAttr(node, 'method', ['nearest', 'bilinear'] as const, 'bilinear') === 'nearest'
      ? tf.image.resizeNearestNeighbor(as4D(x), size, alignCorners, halfPixelCenters)
      : kernels.resizeBilinear(as4D(x), size, { alignCorners, halfPixelCenters });
  },
  mean: (node, [x]) => tf.mean(x, numsAttr(node, 'axes'), boolAttr(node, 'keepDims', false)),
  slice: (node, [x]) => tf.slice(x, numsAttr(node, 'begin'), numsAttr(node, 'size')),
  identity: (_n, [x]) => tf.clone(x),
};

/** Runs one node; temporaries it creates are released, the result is returned. */
export function runOp(node: IRNode, inputs: tf.Tensor[], params: Record<string, tf.Tensor>): tf.Tensor {
  if (node.op === 'input') throw new Error('input nodes are not run');
  const fn = OPS[node.op];
  if (!fn) throw new Error(`no implementation for op "${node.op}"`);
  return tf.tidy(() => fn(node, inputs, params));
}
