import * as tf from '@tensorflow/tfjs';
import { MicroscopeError } from '@microscope/contracts';
import { Executor } from '../exec/executor';
import { expectClose, useBackend } from '../exec/test-support/backend';
import { validateGraph } from '../ir/validate';
import { folderModelFiles, memoryModelFiles } from './model-files';
import { packModel, saveLayersModel, writeModelFolder, type FileMap } from './test-support/save-layers-model';
import { importTfjsLayersModel } from './tfjs-layers';

/** Random, non-trivial weights (positive variances for batch norm), seeded for reproducibility. */
function randomizeWeights(model: tf.LayersModel, seed = 1): void {
  model.setWeights(
    model.weights.map((w, i) =>
      w.name.includes('moving_variance')
        ? tf.randomUniform(w.shape as number[], 0.5, 2, 'float32', seed + i)
        : tf.mul(tf.randomNormal(w.shape as number[], 0, 1, 'float32', seed + i), 0.5),
    ),
  );
}

const image = (shape: (number | null)[], seed = 7): tf.Tensor4D => tf.randomNormal([2, ...(shape.slice(1) as number[])] as [number, number, number, number], 0, 1, 'float32', seed) as tf.Tensor4D;

/** Every Keras layer's IR node (same name) must equal what TF.js layers computes for that layer. */
async function expectImportMatches(model: tf.LayersModel, files?: FileMap): Promise<void> {
  const ir = await importTfjsLayersModel(memoryModelFiles(files ?? (await saveLayersModel(model))));
  validateGraph(ir);
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const probe = tf.model({ inputs: model.inputs, outputs: layers.map((l) => l.output as tf.SymbolicTensor) });
  const x = image(model.inputs[0].shape);
  const expected = probe.predict(x) as tf.Tensor[];
  const executor = new Executor(ir);
  const got = executor.run(x, layers.map((l) => l.name));
  layers.forEach((l, i) => {
    expect(ir.nodes.find((n) => n.name === l.name)?.isLayer).toBe(true);
    expectClose(got.get(l.name)!, expected[i], 1e-5, `${l.name} (${l.getClassName()})`);
  });
  tf.dispose([x, ...expected, ...got.values()]);
  executor.dispose();
}

function convNet(): tf.LayersModel {
  const input = tf.input({ shape: [13, 12, 3], name: 'img' });
  const c1 = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c1' }).apply(input) as tf.SymbolicTensor;
  const c2 = tf.layers.conv2d({ filters: 6, kernelSize: [3, 2], strides: 2, padding: 'valid', name: 'c2' }).apply(c1) as tf.SymbolicTensor;
  const c3 = tf.layers
    .conv2d({ filters: 5, kernelSize: 3, dilationRate: 2, padding: 'same', useBias: false, activation: 'tanh', name: 'c3' })
    .apply(c1) as tf.SymbolicTensor;
  const c4 = tf.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'sigmoid', name: 'c4' }).apply(c3) as tf.SymbolicTensor;
  const dw = tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu6', name: 'dw' }).apply(c3) as tf.SymbolicTensor;
  const dw2 = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'valid', useBias: false, name: 'dw2' }).apply(dw) as tf.SymbolicTensor;
  const sep = tf.layers.separableConv2d({ filters: 7, kernelSize: 3, padding: 'same', activation: 'elu', name: 'sep' }).apply(dw) as tf.SymbolicTensor;
  const sep2 = tf.layers
    .separableConv2d({ filters: 4, kernelSize: 3, strides: 2, depthMultiplier: 2, padding: 'valid', name: 'sep2' })
    .apply(sep) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [c2, c4, dw2, sep2] });
}

function activationsNet(): tf.LayersModel {
  const input = tf.input({ shape: [6, 7, 4], name: 'img' });
  const bn = tf.layers.batchNormalization({ name: 'bn', epsilon: 0.01 }).apply(input) as tf.SymbolicTensor;
  const bn2 = tf.layers.batchNormalization({ name: 'bn2', center: false, scale: false }).apply(bn) as tf.SymbolicTensor;
  const outs = [
    tf.layers.leakyReLU({ alpha: 0.1, name: 'lrelu' }).apply(bn2),
    tf.layers.reLU({ name: 'relu' }).apply(bn2),
    tf.layers.reLU({ maxValue: 6, name: 'relu_six' }).apply(bn2),
    tf.layers.reLU({ maxValue: 0.7, name: 'relu_clip' }).apply(bn2),
    tf.layers.elu({ name: 'elu_layer' }).apply(bn2),
    tf.layers.softmax({ axis: -1, name: 'softmax_layer' }).apply(bn2),
    tf.layers.prelu({ name: 'prelu', sharedAxes: [1, 2] }).apply(bn2),
    ...['selu', 'hardSigmoid', 'softplus', 'softsign', 'swish', 'mish', 'linear'].map((a) =>
      tf.layers.activation({ activation: a as 'relu', name: `act_${a}` }).apply(bn2),
    ),
  ] as tf.SymbolicTensor[];
  return tf.model({ inputs: input, outputs: outs });
}

function poolingNet(): tf.LayersModel {
  const input = tf.input({ shape: [11, 10, 3], name: 'img' });
  const mp = tf.layers.maxPooling2d({ poolSize: 2, name: 'mp' }).apply(input) as tf.SymbolicTensor;
  const mp2 = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'mp2' }).apply(input) as tf.SymbolicTensor;
  const ap = tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'ap' }).apply(input) as tf.SymbolicTensor;
  const ap2 = tf.layers.averagePooling2d({ poolSize: [2, 3], strides: [1, 2], padding: 'valid', name: 'ap2' }).apply(input) as tf.SymbolicTensor;
  const zp = tf.layers.zeroPadding2d({ padding: [[1, 2], [0, 3]], name: 'zp' }).apply(mp) as tf.SymbolicTensor;
  const up = tf.layers.upSampling2d({ size: [2, 3], name: 'up' }).apply(zp) as tf.SymbolicTensor;
  const upb = tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear', name: 'upb' }).apply(mp) as tf.SymbolicTensor;
  const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(ap) as tf.SymbolicTensor;
  const gmp = tf.layers.globalMaxPooling2d({ name: 'gmp' }).apply(mp2) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [ap2, up, upb, gap, gmp] });
}

function mergeNet(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3], name: 'img' });
  const a = tf.layers.conv2d({ filters: 4, kernelSize: 1, name: 'a' }).apply(input) as tf.SymbolicTensor;
  const b = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'b' }).apply(input) as tf.SymbolicTensor;
  const c = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'c' }).apply(a) as tf.SymbolicTensor;
  const add = tf.layers.add({ name: 'add' }).apply([a, b, c]) as tf.SymbolicTensor;
  const mul = tf.layers.multiply({ name: 'mul' }).apply([a, b]) as tf.SymbolicTensor;
  const avg = tf.layers.average({ name: 'avg' }).apply([a, b, c]) as tf.SymbolicTensor;
  const mx = tf.layers.maximum({ name: 'mx' }).apply([a, c]) as tf.SymbolicTensor;
  const cat = tf.layers.concatenate({ name: 'cat' }).apply([add, mul, input]) as tf.SymbolicTensor;
  const flat = tf.layers.flatten({ name: 'flat' }).apply(cat) as tf.SymbolicTensor;
  const d1 = tf.layers.dense({ units: 10, activation: 'relu', name: 'd1' }).apply(flat) as tf.SymbolicTensor;
  const drop = tf.layers.dropout({ rate: 0.5, name: 'drop' }).apply(d1) as tf.SymbolicTensor;
  const rs = tf.layers.reshape({ targetShape: [5, 2], name: 'rs' }).apply(drop) as tf.SymbolicTensor;
  const d2 = tf.layers.dense({ units: 3, name: 'd2' }).apply(rs) as tf.SymbolicTensor;
  const bnd = tf.layers.batchNormalization({ name: 'bnd' }).apply(d2) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 4, activation: 'softmax', name: 'out' }).apply(tf.layers.flatten({ name: 'flat2' }).apply(bnd)) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [out, avg, mx] });
}

function sequentialNet(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [9, 9, 1], filters: 3, kernelSize: 3, activation: 'relu', name: 's1' }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 's2' }),
      tf.layers.flatten({ name: 's3' }),
      tf.layers.dense({ units: 5, activation: 'tanh', name: 's4' }),
    ],
  });
}

describe('importTfjsLayersModel on WASM', () => {
  beforeAll(() => useBackend('wasm'));

  it.each([
    ['convolutions (Conv2D, DepthwiseConv2D, SeparableConv2D)', convNet],
    ['batch norm and activations', activationsNet],
    ['pooling, padding and upsampling', poolingNet],
    ['merges, dense, flatten, reshape, dropout', mergeNet],
    ['a Sequential model', sequentialNet],
  ])('reproduces every layer of %s', async (_label, build) => {
    const model = build();
    randomizeWeights(model);
    await expectImportMatches(model);
  });

  it('names split layers <name>/linear and <name>/depthwise and keeps them out of the layer list', async () => {
    const model = convNet();
    randomizeWeights(model);
    const ir = await importTfjsLayersModel(memoryModelFiles(await saveLayersModel(model)));
    const node = (name: string) => ir.nodes.find((n) => n.name === name)!;
    expect(node('c1/linear')).toMatchObject({ op: 'conv2d', isLayer: false });
    expect(node('c1')).toMatchObject({ op: 'relu', inputs: ['c1/linear'], isLayer: true });
    expect(node('c2')).toMatchObject({ op: 'conv2d', isLayer: true });
    expect(node('sep/depthwise')).toMatchObject({ op: 'depthwiseConv2d', isLayer: false });
    expect(node('sep/linear')).toMatchObject({ op: 'conv2d', inputs: ['sep/depthwise'], isLayer: false });
    expect(node('img')).toMatchObject({ op: 'input', isLayer: false });

    // The pre-activation node equals the same convolution without its activation.
    const linear = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [13, 12, 3], filters: 4, kernelSize: 3, padding: 'same', name: 'c1' })] });
    linear.setWeights(model.getLayer('c1').getWeights());
    const x = image([0, 13, 12, 3]);
    const executor = new Executor(ir);
    const got = executor.run(x, ['c1/linear']);
    expectClose(got.get('c1/linear')!, linear.predict(x) as tf.Tensor, 1e-5, 'c1/linear');
    executor.dispose();
  });

  it('reads a model from a folder with weights split over several shards', async () => {
    const model = mergeNet();
    randomizeWeights(model);
    const files = await saveLayersModel(model, { shards: 3 });
    expect(Object.keys(files).filter((f) => f.endsWith('.bin'))).toHaveLength(3);
    const ir = await importTfjsLayersModel(folderModelFiles(writeModelFolder(files)));
    const x = image([0, 8, 8, 3]);
    const executor = new Executor(ir);
    const got = executor.run(x, ['out']);
    expectClose(got.get('out')!, (model.predict(x) as tf.Tensor[])[0], 1e-5, 'out');
    executor.dispose();
  });

  it('decodes uint8-quantized and float16 weights', async () => {
    const model = convNet();
    // Weights exactly representable both as -1 + q / 128 (q = 0..255) and in float16, so predictions must agree.
    model.setWeights(model.weights.map((w, i) => tf.add(-1, tf.div(tf.floor(tf.randomUniform(w.shape as number[], 0, 256, 'float32', i)), 128))));
    const plain = await saveLayersModel(model);
    const manifest = JSON.parse(plain['model.json'] as string);
    const specs = manifest.weightsManifest[0].weights as tf.io.WeightsManifestEntry[];
    const values = model.weights.map((w) => w.read().dataSync() as Float32Array);
    const byName = new Map(model.weights.map((w, i) => [w.originalName ?? w.name, values[i]]));

    const u8 = specs.flatMap((s) => Array.from(byName.get(s.name)!, (v) => Math.round((v + 1) * 128)));
    const u8Specs = specs.map((s) => ({ ...s, quantization: { dtype: 'uint8' as const, min: -1, scale: 1 / 128 } }));
    await expectImportMatches(model, packModel(manifest.modelTopology, u8Specs, new Uint8Array(u8), 2));

    const f16 = new Uint16Array(specs.flatMap((s) => Array.from(byName.get(s.name)!, toFloat16)));
    const f16Specs = specs.map((s) => ({ ...s, quantization: { dtype: 'float16' as const } }));
    await expectImportMatches(model, packModel(manifest.modelTopology, f16Specs, new Uint8Array(f16.buffer)));
  });

  it('fills an open input size from the options', async () => {
    const input = tf.input({ shape: [null, null, 2] as unknown as number[], name: 'any' });
    const out = tf.layers.conv2d({ filters: 2, kernelSize: 3, name: 'k' }).apply(input) as tf.SymbolicTensor;
    const files = await saveLayersModel(tf.model({ inputs: input, outputs: out }));
    await expect(importTfjsLayersModel(memoryModelFiles(files))).rejects.toThrow(/no fixed size.*give the input shape/);
    const ir = await importTfjsLayersModel(memoryModelFiles(files), { inputShape: [10, 6, 2] });
    expect(ir.input.shape).toEqual([10, 6, 2]);
    expect(ir.nodes.find((n) => n.name === 'k')!.outputShape).toEqual([8, 4, 2]);
  });
});

/** Half-precision bits of values that are exactly representable (normal range), for building test shards. */
function toFloat16(v: number): number {
  if (v === 0) return Object.is(v, -0) ? 0x8000 : 0;
  const sign = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  const exponent = Math.floor(Math.log2(a));
  const fraction = Math.round((a / 2 ** exponent - 1) * 1024);
  return sign | ((exponent + 15) << 10) | fraction;
}

describe('importTfjsLayersModel errors', () => {
  let files: FileMap;
  beforeAll(async () => {
    await useBackend('wasm');
    const model = convNet();
    files = await saveLayersModel(model, { shards: 2 });
  });

  const expectError = async (f: FileMap, code: string, pattern: RegExp) => {
    const error = await importTfjsLayersModel(memoryModelFiles(f)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MicroscopeError);
    expect((error as MicroscopeError).code).toBe(code);
    expect((error as MicroscopeError).message).toMatch(pattern);
  };
  const editJson = (edit: (json: any) => void): FileMap => {
    const json = JSON.parse(files['model.json'] as string);
    edit(json);
    return { ...files, 'model.json': JSON.stringify(json) };
  };

  it('model.json that is not JSON', () => expectError({ ...files, 'model.json': '{"modelTopology": ' }, 'INVALID_MODEL', /model\.json is not valid JSON/));
  it('no model.json', () => expectError({}, 'INVALID_MODEL', /has no model\.json/));
  it('a graph model handed to the layers importer', () =>
    expectError(editJson((j) => (j.modelTopology = { node: [] })), 'INVALID_MODEL', /graph model/));
  it('a missing shard', () => {
    const { ['group1-shard2of2.bin']: _dropped, ...rest } = files;
    return expectError(rest, 'INVALID_MODEL', /shard "group1-shard2of2\.bin".*missing/);
  });
  it('a truncated shard', () => {
    const shard = files['group1-shard2of2.bin'] as Uint8Array;
    return expectError({ ...files, 'group1-shard2of2.bin': shard.slice(0, shard.length - 4) }, 'INVALID_MODEL', /needs bytes .* hold only .* truncated/);
  });
  it('a weight whose shape does not fit its layer', () =>
    expectError(
      editJson((j) => {
        const spec = j.weightsManifest[0].weights.find((w: { name: string }) => w.name === 'c1/kernel');
        spec.shape = [3, 3, 4, 3]; // same byte count, wrong layout
      }),
      'INVALID_MODEL',
      /weight "c1\/kernel" has shape \[3, 3, 4, 3\] but layer "c1" \(Conv2D\) needs \[3, 3, 3, 4\]/,
    ));
  it('a weight the manifest lacks', () =>
    expectError(
      editJson((j) => {
        j.weightsManifest[0].weights.find((w: { name: string }) => w.name === 'c3/kernel').name = 'other/kernel';
      }),
      'INVALID_MODEL',
      /layer "c3" needs the weight "c3\/kernel"/,
    ));
  it('an unknown dtype', () =>
    expectError(
      editJson((j) => (j.weightsManifest[0].weights[0].dtype = 'float64')),
      'INVALID_MODEL',
      /weight "c1\/kernel" has the unknown dtype "float64"/,
    ));
  it('an unsupported layer class, naming the layer', async () => {
    const input = tf.input({ shape: [4, 4, 2], name: 'img' });
    const permuted = tf.layers.permute({ dims: [2, 1, 3], name: 'swap' }).apply(input) as tf.SymbolicTensor;
    const f = await saveLayersModel(tf.model({ inputs: input, outputs: permuted }));
    await expectError(f, 'UNSUPPORTED', /layer "swap" has class Permute, which is not supported/);
  });
  it('an unsupported activation', () =>
    expectError(
      editJson((j) => (j.modelTopology.config.layers.find((l: { name: string }) => l.name === 'c1').config.activation = 'exponential')),
      'UNSUPPORTED',
      /layer "c1" \(Conv2D\): activation "exponential" is not supported/,
    ));
});

describe('gradients through an imported model (cpu backend)', () => {
  beforeAll(() => useBackend('cpu'));

  it('match tf.grad through the LayersModel', async () => {
    const input = tf.input({ shape: [10, 9, 3], name: 'img' });
    let h = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'g1' }).apply(input) as tf.SymbolicTensor;
    h = tf.layers.batchNormalization({ name: 'gbn' }).apply(h) as tf.SymbolicTensor;
    const dw = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu6', name: 'gdw' }).apply(h) as tf.SymbolicTensor;
    const sep = tf.layers.separableConv2d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'elu', name: 'gsep' }).apply(dw) as tf.SymbolicTensor;
    // VALID pooling here: at SAME borders TF.js's stock pooling gradients are not a trustworthy oracle (and the
    // ReLU + batch-norm input has tied maxima, where any split of the gradient is right); the executor's pooling
    // gradients are checked against finite differences in exec/ instead.
    const pooled = tf.layers.averagePooling2d({ poolSize: 2, padding: 'valid', name: 'gap' }).apply(sep) as tf.SymbolicTensor;
    const cat = tf.layers.concatenate({ name: 'gcat' }).apply([pooled, tf.layers.maxPooling2d({ poolSize: 2, padding: 'valid', name: 'gmp' }).apply(h) as tf.SymbolicTensor]) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 3, name: 'gout' }).apply(tf.layers.flatten({ name: 'gflat' }).apply(cat)) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: [out, sep] });
    randomizeWeights(model, 3);

    const ir = await importTfjsLayersModel(memoryModelFiles(await saveLayersModel(model)));
    const executor = new Executor(ir);
    const x = image([0, 10, 9, 3], 11);
    for (const layer of ['gout', 'gsep']) {
      const w = tf.randomNormal(model.getLayer(layer).outputShape.slice(1) as number[], 0, 1, 'float32', 5);
      const objective = (t: tf.Tensor) => tf.sum(tf.mul(t, w));
      const ours = tf.grad((xi: tf.Tensor) => objective(executor.run(xi as tf.Tensor4D, [layer]).get(layer)!))(x);
      const probe = tf.model({ inputs: model.inputs, outputs: model.getLayer(layer).output as tf.SymbolicTensor });
      const reference = tf.grad((xi: tf.Tensor) => objective(probe.apply(xi) as tf.Tensor))(x);
      expect(tf.max(tf.abs(reference)).dataSync()[0]).toBeGreaterThan(0);
      expectClose(ours, reference, 1e-5, `d ${layer} / d input`);
    }
    executor.dispose();
  });
});
