/**
 * @jest-environment ./src/onnxruntime/test-support/native-arrays-environment.js
 */
import * as tf from '@tensorflow/tfjs';
import { MicroscopeError } from '@microscope/contracts';
import { onnx } from 'onnx-proto';
import { Executor } from '../exec/executor';
import { poolChannels, type PooledChannels } from '../exec/pooling';
import { memoryModelFiles } from '../import/model-files';
import { importOnnxDetailed } from '../import/onnx';
import { randomImages } from '../import/onnx/test-support/compare-with-ort';
import { efficientNet, mobilenetV2, vgg } from '../import/onnx/test-support/families';
import { OnnxForward } from './onnx-forward';

/** The onnxruntime forward path must return what the tfjs executor returns, node by node, channels-last. */

function maxRelativeError(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i] - y[i]));
    ref = Math.max(ref, Math.abs(y[i]));
  }
  return diff / Math.max(ref, 1e-6);
}

async function agreeOnLayers(bytes: Uint8Array, batch: number): Promise<{ layers: number; worst: number }> {
  const imported = await importOnnxDetailed(memoryModelFiles({ 'model.onnx': bytes }));
  const layers = [imported.ir.input.name, ...imported.ir.nodes.filter((n) => n.isLayer).map((n) => n.name)];
  const forward = await OnnxForward.create(imported, layers, { threads: 1 });
  const executor = new Executor(imported.ir);
  const images = randomImages(batch, imported.ir.input.shape, 11);
  const fast = await forward.run(images);
  const reference = executor.run(images, layers);
  let worst = 0;
  for (const name of layers) {
    expect(fast.get(name)!.shape).toEqual(reference.get(name)!.shape);
    worst = Math.max(worst, maxRelativeError(fast.get(name)!, reference.get(name)!));
  }
  // Pooling inside onnxruntime gives what poolChannels gives on its full activations.
  const pooling = await OnnxForward.create(imported, layers.slice(1), { threads: 1 });
  const pooled = await pooling.runPooled(images);
  for (const name of layers.slice(1)) expectSamePooling(pooled.get(name)!, poolChannels(fast.get(name) as tf.Tensor4D));
  for (const t of [...fast.values(), ...reference.values(), images]) t.dispose();
  executor.dispose();
  await forward.dispose();
  await pooling.dispose();
  return { layers: layers.length, worst };
}

function expectSamePooling(got: PooledChannels, expected: PooledChannels): void {
  expect([got.images, got.channels, got.height, got.width]).toEqual([expected.images, expected.channels, expected.height, expected.width]);
  for (let i = 0; i < got.mean.length; i++) {
    expect(got.mean[i]).toBeCloseTo(expected.mean[i], 4);
    expect(got.max[i]).toBe(expected.max[i]);
  }
  expect(Array.from(got.argmaxY)).toEqual(Array.from(expected.argmaxY));
  expect(Array.from(got.argmaxX)).toEqual(Array.from(expected.argmaxX));
}

describe('OnnxForward', () => {
  it('agrees with the tfjs executor on every layer of a MobileNetV2 (batch 3)', async () => {
    const { layers, worst } = await agreeOnLayers(mobilenetV2({ opset: 13, size: 32 }).bytes, 3);
    expect(layers).toBeGreaterThan(10);
    expect(worst).toBeLessThan(1e-4);
  });

  it('agrees on an EfficientNet block with squeeze-and-excitation', async () => {
    const { worst } = await agreeOnLayers(efficientNet({ opset: 13, size: 32 }).bytes, 2);
    expect(worst).toBeLessThan(1e-4);
  });

  it('runs a model exported with a fixed batch of 1 image by image', async () => {
    const model = mobilenetV2({ opset: 11, size: 32 });
    // Rewrite the input's batch dimension to a fixed 1, as torch.onnx.export without dynamic_axes does.
    const proto = onnx.ModelProto.decode(model.bytes);
    proto.graph!.input![0].type!.tensorType!.shape!.dim![0] = { dimValue: 1 };
    const bytes = new Uint8Array(onnx.ModelProto.encode(proto).finish());
    const imported = await importOnnxDetailed(memoryModelFiles({ 'model.onnx': bytes }));
    expect(imported.batchSize).toBe(1);
    const { worst } = await agreeOnLayers(bytes, 3);
    expect(worst).toBeLessThan(1e-4);
  });

  it('pools inside onnxruntime exactly as poolChannels does on the full activations', async () => {
    const imported = await importOnnxDetailed(memoryModelFiles({ 'model.onnx': vgg({ opset: 13, size: 32 }).bytes }));
    const layers = imported.ir.nodes.filter((n) => n.isLayer).map((n) => n.name);
    const forward = await OnnxForward.create(imported, layers, { threads: 1 });
    const images = randomImages(3, imported.ir.input.shape, 5);
    const pooled = await forward.runPooled(images);
    const tensors = await forward.run(images);
    for (const name of layers) expectSamePooling(pooled.get(name)!, poolChannels(tensors.get(name) as tf.Tensor4D));
    for (const t of [...tensors.values(), images]) t.dispose();
    await forward.dispose();
  });

  it('refuses nodes without an ONNX counterpart and unknown names', async () => {
    // VGG's Flatten of a multi-pixel map needs a transpose back to NCHW order that ONNX does not have.
    const imported = await importOnnxDetailed(memoryModelFiles({ 'model.onnx': vgg({ opset: 13, size: 32 }).bytes }));
    const internal = imported.ir.nodes.find((n) => !imported.onnxValues[n.name] && n.op !== 'input');
    expect(internal).toBeDefined();
    await expect(OnnxForward.create(imported, [internal!.name])).rejects.toThrow(/internal step of the import/);
    await expect(OnnxForward.create(imported, ['nope'])).rejects.toThrow(MicroscopeError);
  });
});
