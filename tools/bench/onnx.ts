/**
 * Forward throughput (images/s) of the same ONNX model on the tfjs executor (WASM backend) and on onnxruntime-node,
 * for a ResNet-50 and a MobileNetV2 at 224 px with random weights: the final output alone, and the extraction path
 * (every layer out, pooled per channel, as render does). Also how far the two paths' outputs differ.
 * Prints JSON. Usage: npx tsx tools/bench/onnx.ts [--quick]
 */
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { Executor, listLayers, memoryModelFiles, poolChannels, selectBackend } from '@microscope/engine';
import { importOnnxDetailed, type OnnxImport } from '../../libs/engine/src/import/onnx';
import { mobilenetV2Full, resnet50Full } from '../../libs/engine/src/import/onnx/test-support/families';
import { OnnxForward } from '../../libs/engine/src/onnxruntime';

const quick = process.argv.includes('--quick');
const batches = quick ? [1] : [1, 8];
const repeats = quick ? 1 : 3;

type Forward = (input: tf.Tensor4D) => Promise<Map<string, tf.Tensor>>;

/** Reads back (or pools) every output and frees it. */
async function consume(outputs: Map<string, tf.Tensor>, pool: boolean): Promise<void> {
  for (const t of outputs.values()) {
    if (pool && (t.rank === 4 || t.rank === 2)) poolChannels(t as tf.Tensor4D);
    else await t.data();
    t.dispose();
  }
}

/** Median ms per batch after one warm-up. */
async function time(work: () => Promise<void>): Promise<number> {
  await work();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await work();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const rate = (batch: number, ms: number) => ({ msPerBatch: +ms.toFixed(1), imagesPerSecond: +((batch * 1000) / ms).toFixed(2) });

/** Largest |a - b| / max |b| over the given nodes. */
async function disagreement(a: Map<string, tf.Tensor>, b: Map<string, tf.Tensor>): Promise<number> {
  let worst = 0;
  for (const [name, ta] of a) {
    const x = await ta.data();
    const y = await b.get(name)!.data();
    let diff = 0;
    let ref = 0;
    for (let i = 0; i < x.length; i++) {
      diff = Math.max(diff, Math.abs(x[i] - y[i]));
      ref = Math.max(ref, Math.abs(y[i]));
    }
    worst = Math.max(worst, diff / Math.max(ref, 1e-6));
  }
  return worst;
}

async function benchModel(name: string, imported: OnnxImport, ortThreads: number) {
  const { ir } = imported;
  const layers = listLayers(ir).map((l) => l.name);
  const executor = new Executor(ir);
  const finalOnly = await OnnxForward.create(imported, ir.outputs, { threads: ortThreads });
  const allLayers = await OnnxForward.create(imported, layers, { threads: ortThreads });
  const tfjsFinal: Forward = async (x) => executor.run(x, ir.outputs);
  const tfjsLayers: Forward = async (x) => executor.run(x, layers);

  const rows = [];
  for (const batch of batches) {
    const input = tf.randomUniform([batch, ...ir.input.shape], -1, 1, 'float32', 5) as tf.Tensor4D;
    rows.push({
      batch,
      forward: {
        tfjs: rate(batch, await time(async () => consume(await tfjsFinal(input), false))),
        onnxruntime: rate(batch, await time(async () => consume(await finalOnly.run(input), false))),
      },
      extraction: {
        tfjs: rate(batch, await time(async () => consume(await tfjsLayers(input), true))),
        // What extraction on onnxruntime achieves: every layer out, pooled from its NCHW buffers.
        onnxruntime: rate(batch, await time(async () => void (await allLayers.runPooled(input)))),
        // The same through tf tensors and poolChannels, for comparison.
        onnxruntimeViaTensors: rate(batch, await time(async () => consume(await allLayers.run(input), true))),
      },
    });
    input.dispose();
  }

  const probe = tf.randomUniform([2, ...ir.input.shape], -1, 1, 'float32', 9) as tf.Tensor4D;
  const ours = executor.run(probe, layers);
  const theirs = await allLayers.run(probe);
  const maxRelativeDifference = await disagreement(theirs, ours);
  for (const t of [...ours.values(), ...theirs.values(), probe]) t.dispose();
  executor.dispose();
  await finalOnly.dispose();
  await allLayers.dispose();
  const parameters = Object.values(ir.weights).reduce((s, w) => s + w.data.length, 0);
  return { network: name, input: ir.input.shape, layers: layers.length, parameters, maxRelativeDifferenceAllLayers: maxRelativeDifference, results: rows };
}

async function main() {
  const backend = await selectBackend({ prefer: 'wasm' });
  const ortThreads = os.availableParallelism();
  const networks = [
    ['ResNet-50 (v1.5 layout, random weights, ONNX opset 13)', resnet50Full({ opset: 13, size: 224 })],
    ['MobileNetV2 (random weights, ONNX opset 13)', mobilenetV2Full({ opset: 13, size: 224 })],
  ] as const;
  const results = [];
  for (const [name, model] of networks) {
    const imported = await importOnnxDetailed(memoryModelFiles({ 'model.onnx': model.bytes }));
    results.push(await benchModel(name, imported, ortThreads));
  }
  console.log(
    JSON.stringify(
      {
        bench: 'onnx-forward',
        note: 'forward: final output only; extraction: every layer out and pooled per channel (mean, max, argmax), as render does',
        tfjsBackend: backend,
        onnxruntimeThreads: ortThreads,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        node: process.version,
        results,
      },
      null,
      2,
    ),
  );
  // WASM worker threads keep the process alive (ENGINE-NOTES).
  process.exit(0);
}

void main();
