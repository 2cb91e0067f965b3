import * as tf from '@tensorflow/tfjs';
import { MicroscopeError } from '@microscope/contracts';
import * as os from 'node:os';
import type * as Ort from 'onnxruntime-node';
import type { PooledChannels } from '../exec/pooling';
import { importOnnxDetailed, type OnnxImport, type OnnxImportOptions } from '../import/onnx';
import type { ModelFiles } from '../import/model-files';
import { modelWithOutputs, modelWithPooledOutputs, type PooledOutputNames } from './model-outputs';

/**
 * Forward passes of an imported ONNX model in onnxruntime-node: the fast path for dataset activations
 * (ENGINE-NOTES: several times faster than tfjs-WASM on CPU). Outputs are addressed by IR node name and come back
 * channels-last, shaped like Executor.run's; runPooled returns poolChannels' summaries computed inside
 * onnxruntime. Gradients stay with the tfjs executor.
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

type Output = { dims: number[]; data: Float32Array | BigInt64Array };

export class OnnxForward {
  private tensorSession?: Promise<Ort.InferenceSession>;
  private pooledSession?: Promise<{ session: Ort.InferenceSession; names: Map<string, PooledOutputNames> }>;
  private disposed = false;

  private constructor(
    private readonly imported: OnnxImport,
    /** Requested IR node → the ONNX value computed for it (the input node maps to the input itself). */
    private readonly fetches: Map<string, string>,
    private readonly threads: number,
  ) {}

  /** A forward path to the given IR nodes of an imported model; sessions open on first use. */
  static async create(imported: OnnxImport, outputs: readonly string[], options: OnnxForwardOptions = {}): Promise<OnnxForward> {
    ort();
    const inputName = imported.ir.input.name;
    const fetches = new Map<string, string>();
    for (const name of outputs) {
      const value = name === inputName ? inputName : imported.onnxValues[name];
      if (!value) {
        const known = imported.ir.nodes.some((n) => n.name === name);
        throw new MicroscopeError('INVALID_INPUT', known ? `node "${name}" is an internal step of the import with no ONNX counterpart; choose a layer` : `the model has no node "${name}"`);
      }
      fetches.set(name, value);
    }
    return new OnnxForward(imported, fetches, options.threads ?? os.availableParallelism());
  }

  /** Imports the model and prepares its forward path in one step. */
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
    this.tensorSession ??= this.open(modelWithOutputs(this.imported.model, this.computedValues(), this.imported.externalData));
    const session = await this.tensorSession;
    const results = await this.forward(session, input, this.computedValues());
    const out = new Map<string, tf.Tensor>();
    for (const [node, value] of this.fetches) {
      const { dims, data } = results.get(value)!;
      out.set(node, tf.tidy(() => {
        const t = tf.tensor(data as Float32Array, dims, 'float32');
        return dims.length === 4 ? tf.transpose(t, [0, 2, 3, 1]) : t;
      }));
    }
    return out;
  }

  /**
   * The extraction fast path: every requested node's per-channel mean, max and first argmax (poolChannels'
   * output), computed inside onnxruntime so only a few numbers per channel come back.
   */
  async runPooled(input: tf.Tensor4D): Promise<Map<string, PooledChannels>> {
    const spatial = this.computedValues().filter((v) => this.rankOf(v) === 4);
    const vectors = this.computedValues().filter((v) => this.rankOf(v) === 2);
    this.pooledSession ??= (async () => {
      const { bytes, names } = modelWithPooledOutputs(this.imported.model, spatial, vectors, this.imported.externalData);
      return { session: await this.open(bytes), names };
    })();
    const { session, names } = await this.pooledSession;
    const fetch = [...[...names.values()].flatMap((n) => [n.mean, n.max, n.argmax]), ...vectors];
    const results = await this.forward(session, input, fetch);
    const out = new Map<string, PooledChannels>();
    for (const [node, value] of this.fetches) {
      const shape = value === this.imported.ir.input.name ? [input.shape[0], ...this.imported.ir.input.shape] : [input.shape[0], ...this.irShapeOf(node)];
      if (shape.length === 4) {
        const n = names.get(value);
        if (!n) throw new MicroscopeError('INVALID_INPUT', `the model input cannot be pooled on the onnxruntime path`);
        const [images, height, width, channels] = shape;
        const argmax = results.get(n.argmax)!.data as BigInt64Array;
        const at = Int32Array.from(argmax, (v) => Number(v));
        out.set(node, {
          images, channels, height, width,
          mean: results.get(n.mean)!.data as Float32Array,
          max: results.get(n.max)!.data as Float32Array,
          argmaxY: at.map((i) => Math.floor(i / width)),
          argmaxX: at.map((i) => i % width),
        });
      } else if (shape.length === 2) {
        const data = results.get(value)!.data as Float32Array;
        const [images, channels] = shape;
        out.set(node, { images, channels, height: 1, width: 1, mean: data, max: Float32Array.from(data), argmaxY: new Int32Array(data.length), argmaxX: new Int32Array(data.length) });
      } else {
        throw new MicroscopeError('INVALID_INPUT', `node "${node}" has rank ${shape.length}; only [N, H, W, C] and [N, C] outputs can be pooled`);
      }
    }
    return out;
  }

  /** Releases the onnxruntime sessions. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const sessions = await Promise.allSettled([this.tensorSession, this.pooledSession?.then((p) => p.session)]);
    await Promise.all(sessions.map((s) => (s.status === 'fulfilled' && s.value ? s.value.release() : undefined)));
  }

  /** The requested ONNX values other than the input (which we already have). */
  private computedValues(): string[] {
    return [...new Set([...this.fetches.values()].filter((v) => v !== this.imported.ir.input.name))];
  }

  private irShapeOf(node: string): number[] {
    return this.imported.ir.nodes.find((n) => n.name === node)!.outputShape;
  }

  private rankOf(value: string): number {
    const node = [...this.fetches].find(([, v]) => v === value)![0];
    return this.irShapeOf(node).length + 1;
  }

  private async open(bytes: Uint8Array): Promise<Ort.InferenceSession> {
    try {
      return await ort().InferenceSession.create(bytes, { intraOpNumThreads: this.threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    } catch (e) {
      throw new MicroscopeError('UNSUPPORTED', `onnxruntime cannot run this model: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Runs the batch (in chunks for fixed-batch models) and joins each fetched output along the batch axis. */
  private async forward(session: Ort.InferenceSession, input: tf.Tensor4D, fetch: string[]): Promise<Map<string, Output>> {
    if (this.disposed) throw new MicroscopeError('INTERNAL', 'the onnxruntime session has been released');
    const [h, w, c] = this.imported.ir.input.shape;
    const n = input.shape[0];
    if (input.shape.length !== 4 || input.shape[1] !== h || input.shape[2] !== w || input.shape[3] !== c) {
      throw new MicroscopeError('INVALID_INPUT', `the model takes [N, ${h}, ${w}, ${c}] input, got [${input.shape.join(', ')}]`);
    }
    const inputName = this.imported.ir.input.name;
    const chunk = this.imported.batchSize ?? n;
    const nchw = tf.tidy(() => tf.transpose(input, [0, 3, 1, 2]));
    const data = (await nchw.data()) as Float32Array;
    nchw.dispose();
    const perImage = h * w * c;
    const parts = new Map<string, { dims: number[]; chunks: (Float32Array | BigInt64Array)[] }>();
    const add = (name: string, dims: number[], values: Float32Array | BigInt64Array, count: number): void => {
      const per = dims.slice(1).reduce((a, b) => a * b, 1);
      const entry = parts.get(name) ?? { dims: [n, ...dims.slice(1)], chunks: [] };
      entry.chunks.push(values.subarray(0, count * per));
      parts.set(name, entry);
    };
    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      // A fixed-batch model gets a full batch; the padding images' results are dropped.
      const feed = count === chunk && chunk === n ? data : new Float32Array(chunk * perImage);
      if (feed !== data) feed.set(data.subarray(start * perImage, (start + count) * perImage));
      const results = fetch.length > 0 ? await session.run({ [inputName]: new (ort().Tensor)('float32', feed, [chunk, c, h, w]) }, fetch) : {};
      for (const [name, t] of Object.entries(results)) add(name, t.dims.map(Number), t.data as Float32Array | BigInt64Array, count);
      if ([...this.fetches.values()].includes(inputName)) add(inputName, [chunk, c, h, w], feed, count);
    }
    const out = new Map<string, Output>();
    for (const [name, { dims, chunks }] of parts) out.set(name, { dims, data: chunks.length === 1 ? chunks[0] : concat(chunks) });
    return out;
  }
}

function concat<T extends Float32Array | BigInt64Array>(chunks: T[]): T {
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const out = (chunks[0] instanceof Float32Array ? new Float32Array(total) : new BigInt64Array(total)) as T;
  let offset = 0;
  for (const c of chunks) {
    (out as Float32Array).set(c as Float32Array, offset);
    offset += c.length;
  }
  return out;
}
