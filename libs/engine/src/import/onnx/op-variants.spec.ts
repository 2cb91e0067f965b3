/**
 * @jest-environment ./src/onnxruntime/test-support/native-arrays-environment.js
 */
import { compareWithOnnxruntime } from './test-support/compare-with-ort';
import { OnnxGraphBuilder, type AttrSpec } from './test-support/onnx-graph-builder';

/**
 * Each operator in the forms the opsets 9–21 give it (attributes that became inputs, new defaults), on a
 * non-square [N, 4, 8, 6] input so swapped axes show, compared with onnxruntime node by node.
 */

const C = 4;
const H = 8;
const W = 6;
const INT64_MAX = Number.MAX_SAFE_INTEGER;

type Build = (b: OnnxGraphBuilder, x: string) => string | string[];

function model(opset: number, build: Build): Uint8Array {
  const b = new OnnxGraphBuilder(opset, 3);
  const x = b.input('x', ['N', C, H, W]);
  const out = build(b, x);
  return b.toBytes(Array.isArray(out) ? out : [out]);
}

const f = (v: number): AttrSpec => ({ f: v });
const channelConst = (b: OnnxGraphBuilder, dims: number[]) => b.floats('k', dims, Array.from({ length: dims.reduce((p, d) => p * d, 1) }, (_, i) => 0.5 + 0.25 * i));

const cases: [string, number, Build][] = [
  // Clip: min/max attributes before opset 11, optional inputs after.
  ['Clip attributes', 9, (b, x) => b.node('Clip', [x], { min: f(-0.5), max: f(0.7) })],
  ['Clip min input only', 11, (b, x) => b.node('Clip', [x, b.floats('min', [], [0.1])])],
  ['Clip max input only', 13, (b, x) => b.node('Clip', [x, '', b.floats('max', [], [0.2])])],
  ['Clip with min > max (every value becomes max)', 13, (b, x) => b.node('Clip', [x, b.floats('min', [], [0.9]), b.floats('max', [], [0.2])])],
  ['Clip as ReLU6', 13, (b, x) => b.relu6(b.node('Mul', [x, b.floats('s', [], [8])]))],
  // Pad: attributes before 11, inputs after, axes from 18.
  ['Pad attributes, constant value', 9, (b, x) => b.node('Pad', [x], { pads: [0, 0, 1, 2, 0, 0, 3, 1], value: f(0.5) })],
  ['Pad reflect', 9, (b, x) => b.node('Pad', [x], { mode: 'reflect', pads: [0, 0, 1, 1, 0, 0, 2, 1] })],
  ['Pad inputs with constant_value', 11, (b, x) => b.node('Pad', [x, b.ints('pads', [0, 0, 2, 1, 0, 0, 1, 3]), b.floats('v', [], [-1])])],
  ['Pad channels', 13, (b, x) => b.node('Pad', [x, b.ints('pads', [0, 1, 0, 0, 0, 2, 0, 0])])],
  ['Pad with axes input', 18, (b, x) => b.node('Pad', [x, b.ints('pads', [1, 2, 0, 1]), '', b.ints('axes', [2, 3])])],
  // Resize / Upsample.
  ['Upsample nearest', 9, (b, x) => b.node('Upsample', [x, b.floats('scales', [4], [1, 1, 2, 3])], { mode: 'nearest' })],
  ['Upsample linear', 9, (b, x) => b.node('Upsample', [x, b.floats('scales', [4], [1, 1, 2, 2])], { mode: 'linear' })],
  ['Resize-10 nearest', 10, (b, x) => b.node('Resize', [x, b.floats('scales', [4], [1, 1, 2, 2])], { mode: 'nearest' })],
  ['Resize nearest, default half_pixel / round_prefer_floor', 11, (b, x) => b.node('Resize', [x, b.floats('roi', [0], []), b.floats('scales', [4], [1, 1, 2, 2])])],
  ['Resize linear align_corners to sizes', 11, (b, x) =>
    b.node('Resize', [x, b.floats('roi', [0], []), b.floats('scales', [0], []), b.ints('sizes', [2, C, 13, 9])], { mode: 'linear', coordinate_transformation_mode: 'align_corners' })],
  ['Resize linear pytorch_half_pixel', 13, (b, x) => b.node('Resize', [x, '', b.floats('scales', [4], [1, 1, 2, 2])], { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' })],
  ['Resize nearest asymmetric floor', 13, (b, x) =>
    b.node('Resize', [x, '', '', b.ints('sizes', [2, C, 16, 18])], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' })],
  ['Resize linear half_pixel downsampling', 13, (b, x) => b.node('Resize', [x, '', b.floats('scales', [4], [1, 1, 0.5, 0.5])], { mode: 'linear' })],
  ['Resize with axes (opset 18)', 18, (b, x) => b.node('Resize', [x, '', '', b.ints('sizes', [16, 12])], { mode: 'linear', axes: [2, 3] })],
  // Squeeze / Unsqueeze: axes attribute before 13, input after.
  ['Squeeze/Unsqueeze attributes (SE-style gate)', 11, (b, x) => b.node('Mul', [x, b.axesOp('Unsqueeze', b.node('Sigmoid', [b.axesOp('Squeeze', b.node('GlobalAveragePool', [x]), [2, 3])]), [2, 3])])],
  ['Squeeze/Unsqueeze inputs', 13, (b, x) => b.node('Mul', [x, b.axesOp('Unsqueeze', b.node('Sigmoid', [b.axesOp('Squeeze', b.node('GlobalAveragePool', [x]), [2, 3])]), [2, 3])])],
  ['Squeeze without axes', 13, (b, x) => b.node('Squeeze', [b.node('GlobalAveragePool', [x])])],
  // ReduceMean: axes attribute before 18, input from 18.
  ['ReduceMean spatial keepdims', 13, (b, x) => b.node('Mul', [x, b.axesOp('ReduceMean', x, [2, 3])])],
  ['ReduceMean channels keepdims', 11, (b, x) => b.axesOp('ReduceMean', x, [1])],
  ['ReduceMean channels input, dropped', 18, (b, x) => b.axesOp('ReduceMean', x, [1], { keepdims: 0 })],
  ['ReduceMean height dropped (reorders)', 18, (b, x) => b.axesOp('ReduceMean', x, [2], { keepdims: 0 })],
  // Split: attribute before 13, input from 13, num_outputs from 18.
  ['Split attribute', 11, (b, x) => {
    const [p, q] = b.nodeN('Split', [x], { axis: 1, split: [1, 3] }, 2);
    return b.node('Concat', [q, p], { axis: 1 });
  }],
  ['Split input along height', 13, (b, x) => b.nodeN('Split', [x, b.ints('split', [5, 3])], { axis: 2 }, 2)],
  ['Split equal parts', 13, (b, x) => b.nodeN('Split', [x], { axis: 1 }, 2)],
  ['Split num_outputs', 18, (b, x) => b.nodeN('Split', [x], { axis: 3, num_outputs: 2 }, 2)],
  // Softmax: coerced-to-2D before 13, one axis from 13.
  ['Softmax axis 1, coerced (opset 11)', 11, (b, x) => b.node('Softmax', [x], { axis: 1 })],
  ['Softmax axis 1 (opset 13)', 13, (b, x) => b.node('Softmax', [x], { axis: 1 })],
  ['Softmax last axis (opset 11)', 11, (b, x) => b.node('Softmax', [x], { axis: 3 })],
  ['Softmax default axis (opset 13)', 13, (b, x) => b.node('Softmax', [x])],
  // Slice: attributes before 10, inputs after.
  ['Slice attributes', 9, (b, x) => b.node('Slice', [x], { starts: [1, 2], ends: [3, 100], axes: [1, 3] })],
  ['Slice inputs, negative and INT64_MAX', 11, (b, x) => b.node('Slice', [x, b.ints('s', [-4, 1]), b.ints('e', [INT64_MAX, -1]), b.ints('a', [-1, 2])])],
  ['Slice with steps 1', 13, (b, x) => b.node('Slice', [x, b.ints('s', [0]), b.ints('e', [2]), b.ints('a', [1]), b.ints('st', [1])])],
  // Layout-moving ops.
  ['Channel shuffle (rank-5 reshape and transpose)', 13, (b, x) => {
    const r = b.node('Reshape', [x, b.ints('s', [-1, 2, 2, H, W])]);
    const t = b.node('Transpose', [r], { perm: [0, 2, 1, 3, 4] });
    return b.conv(b.node('Reshape', [t, b.ints('s', [0, C, H, W])]), C, 3, 3, { pads: 1 });
  }],
  ['Transpose H and W', 13, (b, x) => b.conv(b.node('Transpose', [x], { perm: [0, 1, 3, 2] }), C, 3, [3, 1])],
  ['Transpose to NHWC, reshape, MatMul', 13, (b, x) => {
    const t = b.node('Transpose', [x], { perm: [0, 2, 3, 1] });
    const r = b.node('Reshape', [t, b.ints('s', [0, -1, C])]);
    return b.node('MatMul', [r, b.randomWeight('m', [C, 5], 0.5)]);
  }],
  ['Gram matrix (MatMul of two computed tensors)', 13, (b, x) => {
    const r = b.node('Reshape', [x, b.ints('s', [0, C, H * W])]);
    return b.node('MatMul', [r, b.node('Transpose', [r], { perm: [0, 2, 1] })]);
  }],
  ['MatMul on the width axis', 13, (b, x) => b.node('MatMul', [x, b.randomWeight('m', [W, 5], 0.5)])],
  ['Reshape with a Constant target', 13, (b, x) => {
    const target = b.node('Constant', [], { value: { t: { dims: [2], dataType: 7, int64Data: [0, -1] } } });
    return b.node('Reshape', [x, target]);
  }],
  ['Shape with start/end (opset 15)', 15, (b, x) => {
    const dims = b.node('Shape', [x], { start: 1 });
    const target = b.node('Concat', [b.ints('n', [-1]), b.node('Slice', [dims, b.ints('s', [0]), b.ints('e', [1])]), b.ints('r', [H * W])], { axis: 0 });
    return b.node('Reshape', [x, target]);
  }],
  ['Flatten at axis 2 of a vector-like map', 13, (b, x) => b.node('Flatten', [b.axesOp('ReduceMean', x, [1])], { axis: 2 })],
  // Variadic and binary arithmetic, constants in every broadcast position.
  ['Sum of three with a per-channel constant', 13, (b, x) => b.node('Sum', [x, b.relu(x), channelConst(b, [C, 1, 1])])],
  ['Max / Min / Mean', 13, (b, x) => b.node('Mean', [b.node('Max', [x, b.node('Neg', [x])]), b.node('Min', [x, b.floats('z', [], [0.2])]), x])],
  ['Add a [1, C, 1, 1] constant', 13, (b, x) => b.node('Add', [x, channelConst(b, [1, C, 1, 1])])],
  ['Mul by a [W] constant', 13, (b, x) => b.node('Mul', [x, channelConst(b, [W])])],
  ['Add an [H, 1] constant', 13, (b, x) => b.node('Add', [channelConst(b, [H, 1]), x])],
  ['Sub with the constant first', 13, (b, x) => b.node('Sub', [b.floats('one', [], [1]), x])],
  ['Div with the constant first, Reciprocal', 13, (b, x) => {
    const positive = b.node('Add', [b.relu(x), b.floats('one', [], [1])]);
    return b.node('Add', [b.node('Div', [b.floats('two', [], [2]), positive]), b.node('Reciprocal', [positive])]);
  }],
  ['Div by a per-channel constant, Pow 2', 13, (b, x) => b.node('Pow', [b.node('Div', [x, channelConst(b, [C, 1, 1])]), b.floats('two', [], [2])])],
  // Gemm / MatMul heads.
  ['Gemm transB=0 with alpha, beta and a [1, M] bias', 11, (b, x) => {
    const flat = b.node('Flatten', [x]);
    const w = b.randomWeight('w', [C * H * W, 7], 0.1);
    return b.node('Gemm', [flat, w, b.randomWeight('c', [1, 7], 0.5)], { alpha: f(0.5), beta: f(2) });
  }],
  ['MatMul + Add after Flatten, BatchNormalization of a vector', 13, (b, x) => {
    const flat = b.node('Flatten', [x]);
    const y = b.node('Add', [b.node('MatMul', [flat, b.randomWeight('w', [C * H * W, 6], 0.1)]), b.randomWeight('bias', [6], 0.5)]);
    return b.batchNorm(y, 6);
  }],
  // Convolution geometry.
  ['Conv SAME_UPPER stride 2', 11, (b, x) => b.conv(x, C, 5, 3, { stride: 2, autoPad: 'SAME_UPPER' })],
  ['Conv SAME_LOWER stride 2', 11, (b, x) => b.conv(x, C, 5, 4, { stride: 2, autoPad: 'SAME_LOWER' })],
  ['Conv VALID', 11, (b, x) => b.conv(x, C, 5, [3, 2], { autoPad: 'VALID' })],
  ['Conv dilated', 13, (b, x) => b.conv(x, C, 5, 3, { dilation: 2, pads: 2 })],
  ['Conv grouped', 13, (b, x) => b.conv(x, C, 6, 3, { group: 2, pads: 1 })],
  ['Conv depthwise with multiplier 2', 13, (b, x) => b.conv(x, C, 2 * C, 3, { group: C, pads: 1, stride: 2 })],
  ['Conv asymmetric pads, no bias', 13, (b, x) => b.conv(x, C, 3, 3, { pads: [0, 1, 2, 1], bias: false })],
  ['Conv followed by BatchNormalization it does not own', 13, (b, x) => {
    const y = b.conv(x, C, C, 1);
    return b.node('Add', [b.batchNorm(y, C), y]);
  }],
  // Activations.
  ['LeakyRelu, Tanh, Sigmoid', 9, (b, x) => b.node('Tanh', [b.node('Sigmoid', [b.node('LeakyRelu', [x], { alpha: f(0.1) })])])],
  ['HardSigmoid, Elu, Selu', 13, (b, x) => b.node('Selu', [b.node('Elu', [b.node('HardSigmoid', [x], { alpha: f(0.3), beta: f(0.4) })], { alpha: f(0.7) })])],
  ['Softplus, Softsign', 13, (b, x) => b.node('Softsign', [b.node('Softplus', [x])])],
  ['PRelu per channel', 9, (b, x) => b.node('PRelu', [x, channelConst(b, [C, 1, 1])])],
  ['PRelu shared slope', 13, (b, x) => b.node('PRelu', [x, b.floats('slope', [1], [0.25])])],
  ['HardSwish (opset 14)', 14, (b, x) => b.node('HardSwish', [x])],
  ['Mish (opset 18)', 18, (b, x) => b.node('Mish', [x])],
  ['Gelu (opset 20)', 20, (b, x) => b.node('Gelu', [b.node('Gelu', [x], { approximate: 'tanh' })])],
  ['GELU spelled with Erf: (x * gate) * 0.5', 13, (b, x) => {
    const gate = b.node('Add', [b.node('Erf', [b.node('Div', [x, b.floats('sqrt2', [], [Math.SQRT2])])]), b.floats('one', [], [1])]);
    return b.node('Mul', [b.node('Mul', [x, gate]), b.floats('half', [], [0.5])]);
  }],
  ['GELU spelled with Erf: (x * 0.5) * gate', 11, (b, x) => {
    const gate = b.node('Add', [b.floats('one', [], [1]), b.node('Erf', [b.node('Mul', [x, b.floats('r', [], [Math.SQRT1_2])])])]);
    return b.node('Mul', [b.node('Mul', [x, b.floats('half', [], [0.5])]), gate]);
  }],
  // Pools.
  ['AveragePool ceil_mode with count_include_pad', 11, (b, x) => b.avgPool(x, 3, 2, 1, true, true)],
  ['AveragePool ceil_mode without count_include_pad', 11, (b, x) => b.avgPool(x, 3, 2, 1, false, true)],
  ['AveragePool excluding pads', 9, (b, x) => b.avgPool(x, 3, 1, 1)],
  ['MaxPool ceil_mode', 10, (b, x) => b.maxPool(x, 3, 2, 0, true)],
  ['MaxPool SAME_UPPER', 11, (b, x) => b.node('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' })],
  ['GlobalMaxPool, LRN size 3', 13, (b, x) => b.node('Mul', [b.node('LRN', [x], { size: 3, alpha: f(0.01), beta: f(0.75), bias: f(1) }), b.node('GlobalMaxPool', [x])])],
  // Aliases.
  ['Dropout with ratio input, Identity, Cast', 13, (b, x) => b.node('Cast', [b.node('Identity', [b.node('Dropout', [b.relu(x), b.floats('r', [], [0.3])])])], { to: 1 })],
];

describe('ONNX operators across opsets against onnxruntime', () => {
  it.each(cases)('%s (opset %d)', async (_name, opset, build) => {
    const result = await compareWithOnnxruntime(model(opset, build));
    expect(result.mismatches).toEqual([]);
    expect(result.compared.length).toBeGreaterThan(0);
  });
});
