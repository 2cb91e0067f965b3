import * as tf from '@tensorflow/tfjs';
import { MicroscopeError } from '@microscope/contracts';
import { Executor } from '../exec/executor';
import { expectClose, useBackend } from '../exec/test-support/backend';
import type { GraphIR } from '../ir/graph';
import { memoryModelFiles } from './model-files';
import { attr, GraphModelBuilder } from './test-support/graph-model-builder';
import { importTfjsGraphModel, importTfjsGraphModelWithReport } from './tfjs-graph';

const NHWC = { data_format: attr.str('NHWC') };
const conv = (strides: number[], padding: string, dilations = [1, 1, 1, 1]) => ({
  strides: attr.ints(strides),
  padding: attr.str(padding),
  dilations: attr.ints(dilations),
  ...NHWC,
});
const fused = (ops: string[], numArgs: number) => ({ fused_ops: attr.strs(ops), num_args: attr.int(numArgs) });

/** Convolutions (plain, fused, depthwise), batch norm, pools, shape arithmetic and dense layers. */
function convGraph(dilation = 2): GraphModelBuilder {
  const g = new GraphModelBuilder();
  g.placeholder('x', [-1, 10, 10, 3]);
  g.const('w1', [3, 3, 3, 4]);
  g.const('b1', [4]);
  g.op('conv1', 'Conv2D', ['x', 'w1'], conv([1, 2, 2, 1], 'SAME'));
  g.op('bias1', 'BiasAdd', ['conv1', 'b1'], NHWC);
  g.op('relu1', 'Relu', ['bias1']);
  g.const('dw', [3, 3, 4, 2]);
  g.op('dwconv', 'DepthwiseConv2dNative', ['relu1', 'dw'], conv([1, 1, 1, 1], 'VALID'));
  ['gamma', 'beta', 'mean'].forEach((n) => g.const(n, [8]));
  g.positive('var', [8]);
  g.op('bn', 'FusedBatchNormV3', ['dwconv', 'gamma', 'beta', 'mean', 'var'], { epsilon: attr.float(0.001), is_training: attr.bool(false), ...NHWC });
  g.op('relu6', 'Relu6', ['bn']);
  g.const('w2', [1, 1, 8, 6]);
  g.const('b2', [6]);
  g.op('fconv', '_FusedConv2D', ['relu6', 'w2', 'b2'], { ...conv([1, 1, 1, 1], 'SAME'), ...fused(['BiasAdd', 'Relu'], 1) });
  g.const('dw2', [3, 3, 6, 1]);
  g.const('db2', [6]);
  g.op('fdw', 'FusedDepthwiseConv2dNative', ['fconv', 'dw2', 'db2'], { ...conv([1, 1, 1, 1], 'SAME', [1, dilation, dilation, 1]), ...fused(['BiasAdd', 'Relu6'], 1) });
  g.const('w3', [3, 3, 6, 6]);
  g.const('b3', [6]);
  g.const('alpha', [6]);
  g.op('pconv', '_FusedConv2D', ['fdw', 'w3', 'b3', 'alpha'], { ...conv([1, 1, 1, 1], 'SAME'), ...fused(['BiasAdd', 'Prelu'], 2) });
  g.const('w4', [1, 1, 6, 6]);
  g.const('b4', [6]);
  g.op('proj', '_FusedConv2D', ['pconv', 'w4', 'b4'], { ...conv([1, 1, 1, 1], 'VALID'), ...fused(['BiasAdd'], 1) });
  g.op('res', 'AddV2', ['proj', 'fconv']);
  g.op('mp', 'MaxPool', ['res'], { ksize: attr.ints([1, 2, 2, 1]), strides: attr.ints([1, 2, 2, 1]), padding: attr.str('SAME'), ...NHWC });
  g.op('ap', 'AvgPool', ['res'], { ksize: attr.ints([1, 2, 2, 1]), strides: attr.ints([1, 1, 1, 1]), padding: attr.str('VALID'), ...NHWC });
  g.ints('axis', [3], []);
  g.op('cat', 'ConcatV2', ['mp', 'ap', 'axis'], { N: attr.int(2) });
  g.ints('axes', [1, 2]);
  g.op('gap', 'Mean', ['cat', 'axes'], { keep_dims: attr.bool(true) });
  // Shape arithmetic as converters write it: reshape to [batch, -1].
  g.op('shape', 'Shape', ['gap'], { out_type: attr.type('DT_INT32') });
  g.ints('ss_b', [0]);
  g.ints('ss_e', [1]);
  g.ints('ss_s', [1]);
  g.op('batch', 'StridedSlice', ['shape', 'ss_b', 'ss_e', 'ss_s'], { shrink_axis_mask: attr.int(1), Index: attr.type('DT_INT32'), T: attr.type('DT_INT32') });
  g.ints('minus1', [-1], []);
  g.op('target', 'Pack', ['batch', 'minus1'], { axis: attr.int(0), N: attr.int(2), T: attr.type('DT_INT32') });
  g.op('flat', 'Reshape', ['gap', 'target']);
  g.const('k1', [12, 5]);
  g.const('kb1', [5]);
  g.op('fc1', '_FusedMatMul', ['flat', 'k1', 'kb1'], { transpose_a: attr.bool(false), transpose_b: attr.bool(false), ...fused(['BiasAdd', 'Relu'], 1) });
  g.const('k2', [3, 5]);
  g.op('fc2', 'MatMul', ['fc1', 'k2'], { transpose_a: attr.bool(false), transpose_b: attr.bool(true) });
  g.op('prob', 'Softmax', ['fc2']);
  return g;
}

/** Arithmetic with constants, gating, padding, resizing, splitting, slicing and shape ops. */
function miscGraph(): GraphModelBuilder {
  const g = new GraphModelBuilder();
  g.placeholder('x', [-1, 6, 8, 4]);
  g.const('c1', [4]);
  g.op('sub', 'Sub', ['c1', 'x']);
  g.const('c2', [], [1.5]);
  g.op('mul', 'Mul', ['sub', 'c2']);
  g.positive('c3', [1, 1, 1, 4]);
  g.op('div', 'RealDiv', ['mul', 'c3']);
  g.const('c4', [8, 4]);
  g.op('mx', 'Maximum', ['div', 'c4']);
  g.const('c5', [4], [0.5, 1, 1.5, 2]);
  g.op('mn', 'Minimum', ['mx', 'c5']);
  g.op('sig', 'Sigmoid', ['mn']);
  g.op('sw', 'Mul', ['mn', 'sig']);
  g.op('elu', 'Elu', ['sw']);
  g.op('tanh', 'Tanh', ['sw']);
  g.op('lrelu', 'LeakyRelu', ['sw'], { alpha: attr.float(0.3) });
  g.ints('paddings', [0, 0, 1, 2, 0, 1, 0, 0], [4, 2]);
  g.op('pad', 'Pad', ['elu', 'paddings']);
  g.ints('mpaddings', [0, 0, 1, 1, 2, 1, 0, 0], [4, 2]);
  g.op('mpad', 'MirrorPad', ['tanh', 'mpaddings'], { mode: attr.str('REFLECT') });
  g.ints('size1', [9, 5]);
  g.op('rb', 'ResizeBilinear', ['lrelu', 'size1'], { align_corners: attr.bool(false), half_pixel_centers: attr.bool(true) });
  g.ints('size2', [12, 16]);
  g.op('rn', 'ResizeNearestNeighbor', ['lrelu', 'size2'], { align_corners: attr.bool(false), half_pixel_centers: attr.bool(false) });
  g.ints('perm', [0, 2, 1, 3]);
  g.op('tr', 'Transpose', ['lrelu', 'perm']);
  g.ints('split_axis', [3], []);
  g.op('split', 'Split', ['split_axis', 'lrelu'], { num_split: attr.int(2) });
  g.op('halves', 'AddN', ['split', 'split:1', 'split'], { N: attr.int(3) });
  g.ints('sb', [0, 1, 0, 0]);
  g.ints('se', [0, 5, 8, 2]);
  g.ints('sst', [1, 1, 1, 1]);
  g.op('ss', 'StridedSlice', ['halves', 'sb', 'se', 'sst'], { begin_mask: attr.int(1), end_mask: attr.int(1), Index: attr.type('DT_INT32') });
  g.ints('mean_axes', [2]);
  g.op('rowmean', 'Mean', ['ss', 'mean_axes'], { keep_dims: attr.bool(true) });
  g.op('sqz', 'Squeeze', ['rowmean'], { squeeze_dims: attr.ints([2]) });
  g.op('id', 'Identity', ['sqz']);
  g.ints('ed_axis', [-1], []);
  g.op('exp', 'ExpandDims', ['id', 'ed_axis']);
  return g;
}

/** Compares every IR node that carries a TF node's name with TF.js's GraphModel on the same input. */
async function expectMatchesReference(g: GraphModelBuilder, ir: GraphIR, x: tf.Tensor4D, tol = 1e-5): Promise<string[]> {
  const reference = await g.reference();
  const tfNames = new Set(g.nodes.map((n) => n.name));
  const names = ir.nodes.filter((n) => tfNames.has(n.name.replace(/:\d+$/, '')) && n.op !== 'input').map((n) => n.name);
  const expected = reference.execute(x, names) as tf.Tensor[];
  const executor = new Executor(ir);
  const got = executor.run(x, names);
  names.forEach((name, i) => expectClose(got.get(name)!, expected[i], tol, name));
  tf.dispose([...expected, ...got.values()]);
  executor.dispose();
  reference.dispose();
  return names;
}

describe('importTfjsGraphModel on WASM', () => {
  beforeAll(() => useBackend('wasm'));

  it('reproduces convolutions, fused ops, batch norm, pools, shape arithmetic and dense layers', async () => {
    const g = convGraph();
    const ir = await importTfjsGraphModel(memoryModelFiles(g.files(['prob'])));
    expect(ir.outputs).toEqual(['prob']);
    const x = tf.randomNormal([2, 10, 10, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const compared = await expectMatchesReference(g, ir, x);
    expect(compared).toEqual(expect.arrayContaining(['conv1', 'bias1', 'relu1', 'dwconv', 'bn', 'fconv', 'fdw', 'pconv', 'proj', 'res', 'cat', 'gap', 'flat', 'fc1', 'fc2', 'prob']));
  });

  it('reproduces constant arithmetic, gating, padding, resizing, splitting and slicing', async () => {
    const g = miscGraph();
    const ir = await importTfjsGraphModel(memoryModelFiles(g.files()));
    expect(ir.outputs.sort()).toEqual(['exp', 'mpad', 'pad', 'rb', 'rn', 'tr'].sort());
    const x = tf.randomNormal([2, 6, 8, 4], 0, 2, 'float32', 4) as tf.Tensor4D;
    const compared = await expectMatchesReference(g, ir, x);
    expect(compared).toEqual(expect.arrayContaining(['sub', 'div', 'mx', 'sw', 'pad', 'mpad', 'rb', 'rn', 'tr', 'split', 'split:1', 'halves', 'ss', 'sqz', 'exp']));
  });

  it('marks activations, pools, concats and adds as layers, not the ops feeding an activation', async () => {
    const layers = (ir: GraphIR) => ir.nodes.filter((n) => n.isLayer).map((n) => n.name);
    const conv = await importTfjsGraphModel(memoryModelFiles(convGraph().files(['prob'])));
    expect(layers(conv)).toEqual(['relu1', 'relu6', 'fconv', 'fdw', 'pconv', 'proj', 'res', 'mp', 'ap', 'cat', 'gap', 'fc1', 'prob']);
    expect(conv.nodes.find((n) => n.name === 'fconv/linear')).toMatchObject({ op: 'conv2d', isLayer: false });
    const misc = await importTfjsGraphModel(memoryModelFiles(miscGraph().files()));
    // mn feeds x * sigmoid(x): the product is the layer, its parts are not.
    expect(layers(misc)).toEqual(expect.arrayContaining(['sw', 'elu', 'tanh', 'lrelu', 'halves']));
    expect(layers(misc)).not.toEqual(expect.arrayContaining(['mn']));
    expect(layers(misc)).not.toContain('sig');
  });

  it('runs an int32 image input as float and folds the Cast', async () => {
    const g = new GraphModelBuilder();
    g.placeholder('pixels', [1, 5, 5, 1], 'DT_INT32');
    g.op('float', 'Cast', ['pixels'], { SrcT: attr.type('DT_INT32'), DstT: attr.type('DT_FLOAT') });
    g.const('w', [2, 2, 1, 2]);
    g.op('c', 'Conv2D', ['float', 'w'], conv([1, 1, 1, 1], 'VALID'));
    const ir = await importTfjsGraphModel(memoryModelFiles(g.files()));
    const ints = tf.randomUniform([1, 5, 5, 1], 0, 255, 'int32', 2);
    const expected = (await g.reference()).execute(ints, 'c') as tf.Tensor;
    const executor = new Executor(ir);
    expectClose(executor.run(tf.cast(ints, 'float32') as tf.Tensor4D, ['c']).get('c')!, expected, 1e-5, 'c');
  });

  it('drops unsupported post-processing with unsupported: "truncate", and names it otherwise', async () => {
    const g = new GraphModelBuilder();
    g.placeholder('x', [-1, 4, 4, 2]);
    g.const('w', [1, 1, 2, 3]);
    g.op('c', 'Conv2D', ['x', 'w'], conv([1, 1, 1, 1], 'VALID'));
    g.op('r', 'Relu', ['c']);
    g.op('boxes', 'Atan', ['r']);
    g.op('scores', 'Sigmoid', ['boxes']);
    const files = g.files(['scores']);
    const error = await importTfjsGraphModel(memoryModelFiles(files)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MicroscopeError);
    expect((error as MicroscopeError).code).toBe('UNSUPPORTED');
    expect((error as MicroscopeError).message).toMatch(/node "boxes" has op Atan, which is not supported/);
    const { ir, dropped } = await importTfjsGraphModelWithReport(memoryModelFiles(files), { unsupported: 'truncate' });
    expect(dropped.map((d) => d.name)).toEqual(['boxes', 'scores']);
    expect(ir.outputs).toEqual(['r']);
  });

  it('truncates through the second output of a dropped node (TopKV2:1, as in detection heads)', async () => {
    const g = new GraphModelBuilder();
    g.placeholder('x', [-1, 4, 4, 2]);
    g.const('w', [1, 1, 2, 3]);
    g.op('c', 'Conv2D', ['x', 'w'], conv([1, 1, 1, 1], 'VALID'));
    g.op('r', 'Relu', ['c']);
    g.op('top', 'Atan', ['r']);
    g.op('indices', 'Sigmoid', ['top:1']);
    const { ir, dropped } = await importTfjsGraphModelWithReport(memoryModelFiles(g.files(['indices'])), { unsupported: 'truncate' });
    expect(dropped.map((d) => d.name)).toEqual(['top', 'indices']);
    expect(ir.outputs).toEqual(['r']);
  });

  it.each([
    [
      'a constant missing from the manifest',
      (g: GraphModelBuilder) => g.nodes.push({ name: 'ghost', op: 'Const', input: [], attr: {} }) && g.op('y', 'Add', ['x', 'ghost']),
      'INVALID_MODEL',
      /constant "ghost" has no value/,
    ],
    ['an input from a missing node', (g: GraphModelBuilder) => g.op('y', 'Relu', ['nowhere']), 'INVALID_MODEL', /node "y" takes input from a missing node "nowhere"/],
    [
      'NCHW data',
      (g: GraphModelBuilder) => g.const('w', [1, 1, 2, 2]) && g.op('y', 'Conv2D', ['x', 'w'], { ...conv([1, 1, 1, 1], 'VALID'), data_format: attr.str('NCHW') }),
      'UNSUPPORTED',
      /node "y" \(Conv2D\): data_format NCHW is not supported/,
    ],
    [
      'a filter that does not fit the input',
      (g: GraphModelBuilder) => g.const('w', [1, 1, 5, 2]) && g.op('y', 'Conv2D', ['x', 'w'], conv([1, 1, 1, 1], 'VALID')),
      'INVALID_MODEL',
      /"y" \(conv2d\): filter \[1, 1, 5, 2\] with groups=1 expects 5 input channels, got 2/,
    ],
    ['two image inputs', (g: GraphModelBuilder) => g.placeholder('x2', [-1, 4, 4, 2]) && g.op('y', 'AddV2', ['x', 'x2']), 'UNSUPPORTED', /more than one input/],
  ])('rejects %s', async (_label, edit, code, pattern) => {
    const g = new GraphModelBuilder();
    g.placeholder('x', [-1, 4, 4, 2]);
    edit(g);
    const error = await importTfjsGraphModel(memoryModelFiles(g.files())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MicroscopeError);
    expect((error as MicroscopeError).code).toBe(code);
    expect((error as MicroscopeError).message).toMatch(pattern);
  });

  it('rejects a layers model and text that is not JSON', async () => {
    await expect(importTfjsGraphModel(memoryModelFiles({ 'model.json': JSON.stringify({ modelTopology: { class_name: 'Sequential' } }) }))).rejects.toThrow(
      /no graph .* layers model/,
    );
    await expect(importTfjsGraphModel(memoryModelFiles({ 'model.json': 'nope' }))).rejects.toThrow(/not valid JSON/);
  });
});

describe('gradients through an imported graph model (cpu backend)', () => {
  beforeAll(() => useBackend('cpu'));

  it('match tf.grad through GraphModel.execute', async () => {
    // TF.js has no gradient for dilated depthwise convolutions, so the reference runs undilated.
    const g = convGraph(1);
    const ir = await importTfjsGraphModel(memoryModelFiles(g.files(['prob'])));
    const reference = await g.reference();
    const executor = new Executor(ir);
    const x = tf.randomNormal([1, 10, 10, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    for (const node of ['res', 'fc1']) {
      const w = tf.randomNormal([1, ...ir.nodes.find((n) => n.name === node)!.outputShape], 0, 1, 'float32', 2);
      const ours = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(executor.run(xi as tf.Tensor4D, [node]).get(node)!, w)))(x);
      const theirs = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(reference.execute(xi, node) as tf.Tensor, w)))(x);
      expect(tf.max(tf.abs(theirs)).dataSync()[0]).toBeGreaterThan(0);
      expectClose(ours, theirs, 1e-5, `d ${node} / d x`);
    }
  });
});
