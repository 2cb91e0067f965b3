import * as tf from '@tensorflow/tfjs';
import { packModel, type FileMap } from './save-layers-model';

/**
 * Test support: writes TF.js graph models (model.json with modelTopology.node) by hand, the way the TF.js converter
 * lays them out — constants in the weights manifest under their node names — and loads the same model into
 * TF.js's own GraphModel as the reference to compare against.
 */

type AttrJson = Record<string, unknown>;

export const attr = {
  ints: (v: number[]): AttrJson => ({ list: { i: v.map(String) } }),
  int: (v: number): AttrJson => ({ i: String(v) }),
  float: (v: number): AttrJson => ({ f: v }),
  bool: (v: boolean): AttrJson => ({ b: v }),
  str: (v: string): AttrJson => ({ s: Buffer.from(v).toString('base64') }),
  strs: (v: string[]): AttrJson => ({ list: { s: v.map((s) => Buffer.from(s).toString('base64')) } }),
  type: (v: string): AttrJson => ({ type: v }),
  shape: (dims: number[]): AttrJson => ({ shape: { dim: dims.map((d) => ({ size: String(d) })) } }),
};

interface NodeJson {
  name: string;
  op: string;
  input: string[];
  attr: Record<string, AttrJson>;
}

export class GraphModelBuilder {
  readonly nodes: NodeJson[] = [];
  private readonly weights: { name: string; shape: number[]; dtype: 'float32' | 'int32'; data: Float32Array | Int32Array }[] = [];
  private seed = 1;

  placeholder(name: string, shape: number[], dtype = 'DT_FLOAT'): string {
    this.nodes.push({ name, op: 'Placeholder', input: [], attr: { dtype: attr.type(dtype), shape: attr.shape(shape) } });
    return name;
  }

  /** A constant stored in the weights manifest. */
  const(name: string, shape: number[], values?: number[], dtype: 'float32' | 'int32' = 'float32'): string {
    const size = shape.reduce((a, b) => a * b, 1);
    const data =
      dtype === 'int32'
        ? Int32Array.from(values ?? [])
        : values
          ? Float32Array.from(values)
          : (tf.randomNormal([size], 0, 0.5, 'float32', this.seed++).dataSync() as Float32Array);
    if (data.length !== size) throw new Error(`constant ${name}: ${data.length} values for [${shape}]`);
    this.weights.push({ name, shape, dtype, data });
    this.nodes.push({ name, op: 'Const', input: [], attr: { dtype: attr.type(dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT') } });
    return name;
  }

  /** Positive random values (variances). */
  positive(name: string, shape: number[]): string {
    const size = shape.reduce((a, b) => a * b, 1);
    return this.const(name, shape, Array.from(tf.randomUniform([size], 0.5, 2, 'float32', this.seed++).dataSync()));
  }

  ints(name: string, values: number[], shape = [values.length]): string {
    return this.const(name, shape, values, 'int32');
  }

  op(name: string, op: string, input: string[], attrs: Record<string, AttrJson> = {}): string {
    this.nodes.push({ name, op, input, attr: { T: attr.type('DT_FLOAT'), ...attrs } });
    return name;
  }

  topology(): object {
    return { node: this.nodes, versions: { producer: 1 } };
  }

  private weightBytes(): Uint8Array {
    const parts = this.weights.map((w) => new Uint8Array(w.data.buffer.slice(w.data.byteOffset, w.data.byteOffset + w.data.byteLength)));
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  private specs(): tf.io.WeightsManifestEntry[] {
    return this.weights.map((w) => ({ name: w.name, shape: w.shape, dtype: w.dtype }));
  }

  /** model.json (+ signature naming `outputs`, when given) and one shard. */
  files(outputs?: string[]): FileMap {
    const files = packModel(this.topology(), this.specs(), this.weightBytes());
    const json = JSON.parse(files['model.json'] as string);
    json.format = 'graph-model';
    if (outputs) json.signature = { outputs: Object.fromEntries(outputs.map((o) => [o, { name: `${o}:0` }])) };
    files['model.json'] = JSON.stringify(json);
    return files;
  }

  /** The same model in TF.js's GraphModel, the reference implementation. */
  async reference(): Promise<tf.GraphModel> {
    const bytes = this.weightBytes();
    return tf.loadGraphModel(
      tf.io.fromMemory({
        modelTopology: this.topology(),
        weightSpecs: this.specs(),
        weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
        format: 'graph-model',
      }),
    );
  }
}
