import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { Executor } from '../../../exec/executor';
import { memoryModelFiles } from '../../model-files';
import { modelWithOutputs } from '../../../onnxruntime/model-outputs';
import { importOnnxDetailed, type OnnxImport, type OnnxImportOptions } from '../import-onnx';
import { seededRandom } from './onnx-graph-builder';

/**
 * The oracle check of the issue: run an ONNX model in onnxruntime with every intermediate value exposed, run the
 * imported IR in our executor, and compare every IR node that corresponds to an ONNX value.
 */

export interface LayerMismatch {
  node: string;
  onnxValue: string;
  /** max |ours - ort| / max |ort| */
  relativeError: number;
  detail?: string;
}

export interface Comparison {
  imported: OnnxImport;
  /** IR nodes compared (all with an ONNX value). */
  compared: string[];
  mismatches: LayerMismatch[];
  worst: number;
}

export function randomImages(batch: number, shape: [number, number, number], seed = 7): tf.Tensor4D {
  const random = seededRandom(seed);
  const n = batch * shape[0] * shape[1] * shape[2];
  return tf.tensor4d(Float32Array.from({ length: n }, () => random() * 2 - 1), [batch, ...shape]);
}

/** NCHW ORT output → NHWC data (rank 4), else unchanged. */
function toNhwc(t: ort.Tensor): { dims: number[]; data: Float32Array } {
  const dims = t.dims.map(Number);
  const data = t.data as Float32Array;
  if (dims.length !== 4) return { dims, data };
  const [n, c, h, w] = dims;
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) {
    out[((b * h + y) * w + x) * c + ch] = data[((b * c + ch) * h + y) * w + x];
  }
  return { dims: [n, h, w, c], data: out };
}

export async function compareWithOnnxruntime(
  bytes: Uint8Array,
  options: OnnxImportOptions & {
    batch?: number;
    tolerance?: number;
    /** Other files of the model (external data). */
    files?: Record<string, Uint8Array>;
    /** A self-contained copy of the model for onnxruntime to run instead (same value names). */
    oracleModel?: Uint8Array;
  } = {},
): Promise<Comparison> {
  const files = memoryModelFiles({ 'model.onnx': bytes, ...(options.files ?? {}) });
  const imported = await importOnnxDetailed(files, options);
  const { ir, onnxValues } = imported;
  const batch = options.batch ?? 2;
  const tolerance = options.tolerance ?? 1e-4;
  const compared = Object.keys(onnxValues).filter((n) => n !== ir.input.name);
  const values = [...new Set(compared.map((n) => onnxValues[n]))];

  const oracle = options.oracleModel
    ? modelWithOutputs(onnx.ModelProto.decode(options.oracleModel), values, new Map())
    : modelWithOutputs(imported.model, values, imported.externalData);
  const session = await ort.InferenceSession.create(oracle, { intraOpNumThreads: 1 });
  const images = randomImages(batch, ir.input.shape);
  const nchw = tf.transpose(images, [0, 3, 1, 2]);
  const feed = new ort.Tensor('float32', nchw.dataSync() as Float32Array, nchw.shape);
  nchw.dispose();
  const expected = await session.run({ [ir.input.name]: feed });
  await session.release();

  const executor = new Executor(ir);
  const ours = executor.run(images, compared);
  const mismatches: LayerMismatch[] = [];
  let worst = 0;
  try {
    for (const node of compared) {
      const value = onnxValues[node];
      const want = toNhwc(expected[value]);
      const got = ours.get(node)!;
      if (got.shape.join() !== want.dims.join()) {
        mismatches.push({ node, onnxValue: value, relativeError: Infinity, detail: `shape [${got.shape}] vs onnxruntime [${want.dims}]` });
        continue;
      }
      const data = got.dataSync();
      let maxRef = 0;
      let maxDiff = 0;
      for (let i = 0; i < data.length; i++) {
        maxRef = Math.max(maxRef, Math.abs(want.data[i]));
        const d = Math.abs(data[i] - want.data[i]);
        maxDiff = Number.isNaN(d) ? Infinity : Math.max(maxDiff, d);
      }
      const relativeError = maxDiff / Math.max(maxRef, 1e-6);
      worst = Math.max(worst, relativeError);
      if (relativeError > tolerance) mismatches.push({ node, onnxValue: value, relativeError });
    }
  } finally {
    for (const t of ours.values()) t.dispose();
    images.dispose();
    executor.dispose();
  }
  return { imported, compared, mismatches, worst };
}
