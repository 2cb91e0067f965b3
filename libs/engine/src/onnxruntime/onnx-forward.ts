import * as tf from '@tensorflow/tfjs';
import { MicroscopeError } from '@microscope/contracts';
import * as os from 'node:os';
import type * as Ort from 'onnxruntime-node';
import { importOnnxDetailed, type OnnxImport, type OnnxImportOptions } from '../import/onnx';
import type { ModelFiles } from '../import/model-files';
import { modelWithOutputs } from './model-outputs';

/**
 * Forward passes of an imported ONNX model in onnxruntime-node: the fast path for dataset activations (several
 * times faster than tfjs-WASM on CPU, ENGINE-NOTES). Outputs are addressed by IR node name and come back
 * channels-last, shaped exactly like Executor.run's, so extraction code can use either. Gradients stay with the
 * tfjs executor.
 */

export interface OnnxForwardOptions {
  /** onnxruntime intra-op threads (default: the machine's logical cores). */
  threads?: number;
}

let ortModule: typeof Ort | undefined;

/** onnxruntime-node, loaded on first use so importing the engine does not load the native library. */
function ort(): typeof Ort {
  if (!ortModule) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ortModule = require('onnxruntime-node') as typeof Ort;
    } catch (e) {
      throw new MicroscopeError('UNAVAILABLE', `onnxruntime-node cannot be loaded on this machine: ${(e as Error).message}`, { cause: e });
    }
  }
  return ortModule;
}

export class OnnxForward {
  private disposed = false;

  private constructor(
    private readonly session: Ort.InferenceSession,
    private readonly imported: OnnxImport,
    /** Requested IR node → the ONNX value fetched for it (the input node maps to the input itself). */
    private readonly fetches: Map<string, string>,
  ) {}

  /** A session that computes the given IR nodes of an imported model. */
  static async create(imported: OnnxImport, outputs: readonly string[], options: OnnxForwardOptions = {}): Promise<OnnxForward> {
    const inputName = imported.ir.input.name;
    const fetches = new Map<string, string>();
    for (const name of outputs) {
      if (name === inputName) {
        fetches.set(name, inputName);
        continue;
      }
      const value = imported.onnxValues[name];
      if (!value) {
        const known = imported.ir.nodes.some((n) => n.name === name);
        throw new MicroscopeError('INVALID_INPUT', known ? `node "${name}" is an internal step of the import with no ONNX counterpart; choose a layer` : `the model has no node "${name}"`);
      }
      fetches.set(name, value);
    }
    const values = [...new Set([...fetches.values()].filter((v) => v !== inputName))];
    const bytes = modelWithOutputs(imported.model, values, imported.externalData);
    const threads = options.threads ?? os.availableParallelism();
    let session: Ort.InferenceSession;
    try {
      session = await ort().InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    } catch (e) {
      throw new MicroscopeError('UNSUPPORTED', `onnxruntime cannot run this model: ${(e as Error).message}`, { cause: e });
    }
    return new OnnxForward(session, imported, fetches);
  }

  /** Imports the model and opens a session in one step. */
  static async load(files: ModelFiles, outputs: readonly string[], options: OnnxForwardOptions & OnnxImportOptions = {}): Promise<OnnxForward> {
    return OnnxForward.create(await importOnnxDetailed(files, options), outputs, options);
  }

  get outputNames(): string[] {
    return [...this.fetches.keys()];
  }

  /**
   * Forward pass of an [N, H, W, C] batch; returns the requested nodes channels-last. The caller owns the returned
   * tensors; `input` is left untouched. Models exported with a fixed batch size run in chunks of that size.
   */
  async run(input: tf.Tensor4D): Promise<Map<string, tf.Tensor>> {
    if (this.disposed) throw new MicroscopeError('INTERNAL', 'the onnxruntime session has been released');
    const [h, w, c] = this.imported.ir.input.shape;
    const [n] = input.shape;
    if (input.shape[1] !== h || input.shape[2] !== w || input.shape[3] !== c) {
      throw new MicroscopeError('INVALID_INPUT', `the model takes [N, ${h}, ${w}, ${c}] input, got [${input.shape.join(', ')}]`);
    }
    const chunk = this.imported.batchSize ?? n;
    const nchw = tf.tidy(() => tf.transpose(input, [0, 3, 1, 2]));
    const data = (await nchw.data()) as Float32Array;
    nchw.dispose();
    const perImage = h * w * c;
    const parts = new Map<string, { dims: number[]; chunks: Float32Array[] }>();
    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      // A fixed-batch model gets a full batch; the padding images' results are dropped.
      const feed = new Float32Array(chunk * perImage);
      feed.set(data.subarray(start * perImage, (start + count) * perImage));
      const results = await this.runChunk(feed, chunk, h, w, c);
      for (const [value, t] of results) {
        const dims = t.dims.map(Number);
        const per = dims.slice(1).reduce((a, b) => a * b, 1);
        const entry = parts.get(value) ?? { dims, chunks: [] };
        entry.chunks.push((t.data as Float32Array).subarray(0, count * per));
        parts.set(value, entry);
      }
    }
    const out = new Map<string, tf.Tensor>();
    for (const [node, value] of this.fetches) {
      const { dims, chunks } = parts.get(value)!;
      const joined = chunks.length === 1 ? chunks[0] : concatFloat32(chunks);
      const shape = [n, ...dims.slice(1)];
      out.set(node, tf.tidy(() => {
        const t = tf.tensor(joined, shape, 'float32');
        return shape.length === 4 ? tf.transpose(t, [0, 2, 3, 1]) : t;
      }));
    }
    return out;
  }

  /** Releases the onnxruntime session. */
  dispose(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    this.disposed = true;
    return this.session.release();
  }

  private async runChunk(feed: Float32Array, batch: number, h: number, w: number, c: number): Promise<Map<string, Ort.Tensor>> {
    const inputName = this.imported.ir.input.name;
    const input = new (ort().Tensor)('float32', feed, [batch, c, h, w]);
    const wanted = [...new Set([...this.fetches.values()].filter((v) => v !== inputName))];
    const results = wanted.length > 0 ? await this.session.run({ [inputName]: input }, wanted) : {};
    const out = new Map<string, Ort.Tensor>(Object.entries(results));
    if ([...this.fetches.values()].includes(inputName)) out.set(inputName, input);
    return out;
  }
}

function concatFloat32(chunks: Float32Array[]): Float32Array {
  const out = new Float32Array(chunks.reduce((s, c) => s + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}
