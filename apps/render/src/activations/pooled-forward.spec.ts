/**
 * @jest-environment ../../libs/engine/src/onnxruntime/test-support/native-arrays-environment.js
 */
import * as tf from '@tensorflow/tfjs';
import { MicroscopeError } from '@microscope/contracts';
import { Executor, importOnnxDetailed, listLayers, memoryModelFiles, type OnnxImport, type PooledChannels } from '@microscope/engine';
import type { Logger } from '@microscope/platform';
import { onnx } from 'onnx-proto';
import { efficientNet, mobilenetV2 } from '../../../../libs/engine/src/import/onnx/test-support/families';
import type { LoadedModel } from '../models/model-cache';
import { chunked, createPooledForward, imagesPerChunk } from './pooled-forward';

/** The onnxruntime extraction path must publish what the tfjs executor publishes; 'auto' falls back to tfjs. */

async function loaded(bytes: Uint8Array): Promise<LoadedModel> {
  const imported = await importOnnxDetailed(memoryModelFiles({ 'model.onnx': bytes }));
  return { ir: imported.ir, executor: new Executor(imported.ir), onnx: imported };
}

function images(model: LoadedModel, n: number, seed: number): tf.Tensor4D {
  return tf.randomUniform([n, ...model.ir.input.shape], -1, 1, 'float32', seed) as tf.Tensor4D;
}

const silentLog = () => ({ warn: jest.fn() }) as unknown as Logger & { warn: jest.Mock };

/** Largest |a - b| relative to the largest |b| of the layer. */
function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    ref = Math.max(ref, Math.abs(b[i]));
  }
  return diff / Math.max(ref, 1e-6);
}

function expectSamePooled(got: Map<string, PooledChannels>, want: Map<string, PooledChannels>): void {
  expect([...got.keys()]).toEqual([...want.keys()]);
  for (const [layer, w] of want) {
    const g = got.get(layer)!;
    expect([g.images, g.channels, g.height, g.width]).toEqual([w.images, w.channels, w.height, w.width]);
    if (relativeError(g.mean, w.mean) > 1e-4 || relativeError(g.max, w.max) > 1e-4) {
      throw new Error(`${layer}: mean ${relativeError(g.mean, w.mean)}, max ${relativeError(g.max, w.max)} relative error`);
    }
    expect(Array.from(g.argmaxY)).toEqual(Array.from(w.argmaxY));
    expect(Array.from(g.argmaxX)).toEqual(Array.from(w.argmaxX));
  }
}

describe('createPooledForward', () => {
  it.each([
    ['MobileNetV2', () => mobilenetV2({ opset: 13, size: 32 }).bytes],
    ['EfficientNet', () => efficientNet({ opset: 11, size: 32 }).bytes],
  ])('runs ONNX versions in onnxruntime with the tfjs executor\'s results on every layer (%s)', async (_name, build) => {
    const model = await loaded(build());
    const layers = listLayers(model.ir).map((l) => l.name);
    const fast = await createPooledForward(model, layers, 'auto', silentLog());
    const oracle = await createPooledForward(model, layers, 'tfjs', silentLog());
    expect([fast.engine, oracle.engine]).toEqual(['onnxruntime', 'tfjs']);
    const before = tf.memory().numTensors;
    const got = await fast.run(images(model, 5, 3));
    const want = await oracle.run(images(model, 5, 3));
    expect(tf.memory().numTensors).toBe(before);
    expectSamePooled(got, want);
    await fast.dispose();
    model.executor.dispose();
  });

  it('takes the tfjs executor for other formats, and refuses onnxruntime for them', async () => {
    const model = await loaded(mobilenetV2({ opset: 13, size: 32 }).bytes);
    const tfjsOnly: LoadedModel = { ir: model.ir, executor: model.executor };
    const layers = listLayers(model.ir).map((l) => l.name).slice(0, 3);
    expect((await createPooledForward(tfjsOnly, layers, 'auto', silentLog())).engine).toBe('tfjs');
    await expect(createPooledForward(tfjsOnly, layers, 'onnxruntime', silentLog())).rejects.toThrow(/ONNX versions only/);
    model.executor.dispose();
  });

  it('falls back to the tfjs executor, with a warning, when onnxruntime refuses the model', async () => {
    const model = await loaded(mobilenetV2({ opset: 13, size: 32 }).bytes);
    // An operator onnxruntime does not know, in the copy only onnxruntime reads: the session fails to open.
    const broken = onnx.ModelProto.decode(onnx.ModelProto.encode(model.onnx!.model).finish());
    broken.graph!.node![0].opType = 'NotAnOnnxOperator';
    const refused: LoadedModel = { ...model, onnx: { ...model.onnx!, model: broken } as OnnxImport };
    const layers = listLayers(model.ir).map((l) => l.name);

    const log = silentLog();
    const forward = await createPooledForward(refused, layers, 'auto', log);
    const before = tf.memory().numTensors;
    const got = await forward.run(images(model, 2, 9));
    expect(tf.memory().numTensors).toBe(before);
    expect(forward.engine).toBe('tfjs');
    expect(log.warn).toHaveBeenCalledTimes(1);
    expectSamePooled(got, await (await createPooledForward(model, layers, 'tfjs', silentLog())).run(images(model, 2, 9)));

    const forced = await createPooledForward(refused, layers, 'onnxruntime', silentLog());
    const input = images(model, 2, 9);
    await expect(forced.run(input)).rejects.toBeInstanceOf(MicroscopeError);
    expect(input.isDisposed).toBe(true);
    await forward.dispose();
    await forced.dispose();
    model.executor.dispose();
  });

  it('splits batches that would hold more activations than the budget, with the same results', async () => {
    const model = await loaded(mobilenetV2({ opset: 13, size: 32 }).bytes);
    const layers = listLayers(model.ir).map((l) => l.name);
    const perImage = listLayers(model.ir).reduce((sum, l) => sum + l.outputShape.reduce((a, b) => a * b, 1) * 4, 0);
    expect(imagesPerChunk(model.ir, layers, 3 * perImage)).toBe(3);
    expect(imagesPerChunk(model.ir, layers, 3 * perImage - 1)).toBe(2);
    expect(imagesPerChunk(model.ir, layers, 1)).toBe(1);

    const whole = await createPooledForward(model, layers, 'tfjs', silentLog());
    const inChunks = chunked(await createPooledForward(model, layers, 'auto', silentLog()), 2);
    const before = tf.memory().numTensors;
    const got = await inChunks.run(images(model, 5, 4));
    expect(tf.memory().numTensors).toBe(before);
    expect(got.get(layers[0])!.images).toBe(5);
    expectSamePooled(got, await whole.run(images(model, 5, 4)));
    await inChunks.dispose();
    model.executor.dispose();
  });
});
