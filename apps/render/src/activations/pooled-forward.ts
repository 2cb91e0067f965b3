import * as tf from '@tensorflow/tfjs';
import { isMicroscopeError, MicroscopeError } from '@microscope/contracts';
import { OnnxForward, poolChannels, shapeSize, type GraphIR, type PooledChannels } from '@microscope/engine';
import type { Logger } from '@microscope/platform';
import type { LoadedModel } from '../models/model-cache';

/** Which engine runs extraction's forward passes: 'auto' takes onnxruntime for ONNX versions, tfjs otherwise. */
export type ExtractionPath = 'auto' | 'tfjs' | 'onnxruntime';

/** Forward passes to a fixed set of layers, returning each layer's per-channel summaries (poolChannels'). */
export interface PooledForward {
  /** The engine that ran (or will run) the latest batch. */
  readonly engine: 'tfjs' | 'onnxruntime';
  /** Runs one [N, H, W, C] batch; the input is disposed. */
  run(input: tf.Tensor4D): Promise<Map<string, PooledChannels>>;
  dispose(): Promise<void>;
}

/**
 * The extraction forward path for a version and a set of layers. ONNX versions run in onnxruntime by default,
 * pooling inside it (1.1–5× the tfjs executor's pooled-extraction throughput on 2 cores, tools/bench/onnx.ts). Under
 * 'auto' the tfjs executor takes over when onnxruntime cannot load or open the model; it is the path every
 * other format takes, and the one the two are checked against.
 */
export async function createPooledForward(model: LoadedModel, layers: readonly string[], path: ExtractionPath, log: Logger): Promise<PooledForward> {
  if (path === 'onnxruntime' && !model.onnx) throw new MicroscopeError('INVALID_INPUT', 'the onnxruntime extraction path runs ONNX versions only');
  const tfjs = tfjsPooledForward(model, layers);
  if (path === 'tfjs' || !model.onnx) return tfjs;

  const fallBack = (e: unknown): PooledForward => {
    if (path === 'onnxruntime' || !isMicroscopeError(e) || (e.code !== 'UNAVAILABLE' && e.code !== 'UNSUPPORTED')) throw e;
    log.warn({ err: e }, 'onnxruntime cannot run this version; extracting with the tfjs executor');
    return tfjs;
  };
  let onnx: OnnxForward;
  try {
    onnx = await OnnxForward.create(model.onnx, layers);
  } catch (e) {
    return fallBack(e);
  }
  let active: 'tfjs' | 'onnxruntime' = 'onnxruntime';
  return {
    get engine() {
      return active;
    },
    async run(input) {
      if (active === 'onnxruntime') {
        try {
          // The session opens on the first batch: that is where a model onnxruntime refuses fails.
          const pooled = await onnx.runPooled(input);
          input.dispose();
          return pooled;
        } catch (e) {
          try {
            fallBack(e);
          } catch (fatal) {
            input.dispose();
            throw fatal;
          }
          active = 'tfjs';
          await onnx.dispose();
        }
      }
      return tfjs.run(input);
    },
    dispose: () => onnx.dispose(),
  };
}

function tfjsPooledForward(model: LoadedModel, layers: readonly string[]): PooledForward {
  return {
    engine: 'tfjs',
    run: async (input) => {
      const outputs = model.executor.run(input, [...layers]);
      input.dispose();
      const pooled = new Map<string, PooledChannels>();
      for (const layer of layers) {
        const activation = outputs.get(layer)!;
        pooled.set(layer, poolChannels(activation as tf.Tensor4D | tf.Tensor2D));
        activation.dispose();
      }
      return pooled;
    },
    dispose: async () => undefined,
  };
}

/** Activation memory a batch may hold at once (the requested layers' outputs); WASM's heap stops at 4 GB. */
export const ACTIVATION_BUDGET_BYTES = 256 * 1024 * 1024;

/** How many images fit the budget at once, given the float32 outputs of the requested layers (at least one). */
export function imagesPerChunk(ir: GraphIR, layers: readonly string[], budgetBytes = ACTIVATION_BUDGET_BYTES): number {
  const wanted = new Set(layers);
  const perImage = ir.nodes.filter((n) => wanted.has(n.name)).reduce((sum, n) => sum + shapeSize(n.outputShape) * 4, 0);
  return Math.max(1, Math.floor(budgetBytes / Math.max(perImage, 1)));
}

/**
 * Runs batches through `forward` in chunks of at most `chunk` images and joins the results, so that a job's batch
 * size (which sets publishing granularity) never makes a large model hold more activations than the budget.
 */
export function chunked(forward: PooledForward, chunk: number): PooledForward {
  return {
    get engine() {
      return forward.engine;
    },
    async run(input) {
      const n = input.shape[0];
      if (n <= chunk) return forward.run(input);
      const parts: Map<string, PooledChannels>[] = [];
      try {
        for (let start = 0; start < n; start += chunk) parts.push(await forward.run(tf.slice(input, [start, 0, 0, 0], [Math.min(chunk, n - start), -1, -1, -1])));
      } finally {
        input.dispose();
      }
      return new Map([...parts[0].keys()].map((layer) => [layer, joinImages(parts.map((p) => p.get(layer)!))]));
    },
    dispose: () => forward.dispose(),
  };
}

function joinImages(parts: PooledChannels[]): PooledChannels {
  const join = <T extends Float32Array | Int32Array>(pick: (p: PooledChannels) => T): T => {
    const first = pick(parts[0]);
    const out = new (first.constructor as new (n: number) => T)(parts.reduce((s, p) => s + pick(p).length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(pick(p), at);
      at += pick(p).length;
    }
    return out;
  };
  const { channels, height, width } = parts[0];
  return {
    images: parts.reduce((s, p) => s + p.images, 0),
    channels,
    height,
    width,
    mean: join((p) => p.mean),
    max: join((p) => p.max),
    argmaxY: join((p) => p.argmaxY),
    argmaxX: join((p) => p.argmaxX),
  };
}
