import * as tf from '@tensorflow/tfjs';
import { isMicroscopeError, MicroscopeError } from '@microscope/contracts';
import { OnnxForward, poolChannels, type PooledChannels } from '@microscope/engine';
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
 * pooling inside it (1.1–2.2× the tfjs executor's throughput for pooled extraction, tools/bench/onnx.ts). Under
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
