import { onnx } from 'onnx-proto';

/**
 * Builds ONNX models in tests and benchmarks with the onnx-proto package: nodes, random initializers, the ir_version
 * that matches the opset. Weights are seeded, so every run builds the same model.
 */

export type AttrSpec = number | number[] | string | { f: number } | { floats: number[] } | { t: onnx.ITensorProto };

const AT = onnx.AttributeProto.AttributeType;

function attribute(name: string, v: AttrSpec): onnx.IAttributeProto {
  if (typeof v === 'number') return { name, type: AT.INT, i: v };
  if (typeof v === 'string') return { name, type: AT.STRING, s: Buffer.from(v, 'utf8') };
  if (Array.isArray(v)) return { name, type: AT.INTS, ints: v };
  if ('f' in v) return { name, type: AT.FLOAT, f: v.f };
  if ('floats' in v) return { name, type: AT.FLOATS, floats: v.floats };
  return { name, type: AT.TENSOR, t: v.t };
}

/** ir_version onnxruntime expects with a given opset. */
export function irVersionFor(opset: number): number {
  if (opset <= 9) return 4;
  if (opset === 10) return 5;
  if (opset === 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

/** Deterministic uniform [0, 1) generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ConvOptions {
  stride?: number | [number, number];
  /** symmetric padding, or ONNX [hBegin, wBegin, hEnd, wEnd] */
  pads?: number | [number, number, number, number];
  autoPad?: 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
  group?: number;
  dilation?: number;
  bias?: boolean;
}

export class OnnxGraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly random: () => number;
  private counter = 0;

  constructor(readonly opset: number, seed = 1) {
    this.random = seededRandom(seed);
  }

  fresh(base: string): string {
    return `${base}_${this.counter++}`;
  }

  input(name: string, dims: (number | string)[]): string {
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  /** Float initializer with the given values. */
  floats(base: string, dims: number[], values: ArrayLike<number>): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(Float32Array.from(values).buffer) });
    return name;
  }

  /** int64 initializer. */
  ints(base: string, values: number[], dims: number[] = [values.length]): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.INT64, int64Data: values });
    return name;
  }

  /** Uniform(-scale, scale) weights. */
  randomWeight(base: string, dims: number[], scale: number): string {
    const n = dims.reduce((a, b) => a * b, 1);
    return this.floats(base, dims, Array.from({ length: n }, () => (this.random() * 2 - 1) * scale));
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.random();
  }

  /** Adds a node; returns its outputs. */
  nodeN(opType: string, inputs: string[], attrs: Record<string, AttrSpec> = {}, outputs = 1): string[] {
    const name = this.fresh(opType);
    const outs = Array.from({ length: outputs }, (_, i) => `${name}_out${i}`);
    this.nodes.push({ name, opType, input: inputs, output: outs, attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });
    return outs;
  }

  node(opType: string, inputs: string[], attrs: Record<string, AttrSpec> = {}): string {
    return this.nodeN(opType, inputs, attrs)[0];
  }

  conv(x: string, inC: number, outC: number, kernel: number | [number, number], o: ConvOptions = {}): string {
    const [kh, kw] = typeof kernel === 'number' ? [kernel, kernel] : kernel;
    const group = o.group ?? 1;
    const fanIn = (inC / group) * kh * kw;
    const w = this.randomWeight('W', [outC, inC / group, kh, kw], Math.sqrt(6 / fanIn));
    const inputs = [x, w];
    if (o.bias ?? true) inputs.push(this.randomWeight('B', [outC], 0.1));
    const stride = o.stride ?? 1;
    const attrs: Record<string, AttrSpec> = {
      kernel_shape: [kh, kw],
      strides: typeof stride === 'number' ? [stride, stride] : stride,
    };
    if (o.autoPad) attrs.auto_pad = o.autoPad;
    else {
      const p = o.pads ?? 0;
      attrs.pads = typeof p === 'number' ? [p, p, p, p] : p;
    }
    if (group !== 1) attrs.group = group;
    if (o.dilation) attrs.dilations = [o.dilation, o.dilation];
    return this.node('Conv', inputs, attrs);
  }

  batchNorm(x: string, c: number): string {
    const v = (lo: number, hi: number) => Array.from({ length: c }, () => this.uniform(lo, hi));
    return this.node('BatchNormalization', [
      x,
      this.floats('gamma', [c], v(0.5, 1.5)),
      this.floats('beta', [c], v(-0.2, 0.2)),
      this.floats('mean', [c], v(-0.2, 0.2)),
      this.floats('var', [c], v(0.5, 1.5)),
    ], { epsilon: { f: 1e-5 } });
  }

  relu(x: string): string {
    return this.node('Relu', [x]);
  }

  /** ReLU6 as PyTorch exports it: Clip with attributes before opset 11, with inputs after. */
  relu6(x: string): string {
    if (this.opset < 11) return this.node('Clip', [x], { min: { f: 0 }, max: { f: 6 } });
    return this.node('Clip', [x, this.floats('min', [], [0]), this.floats('max', [], [6])]);
  }

  gemm(x: string, inF: number, outF: number, transB = true): string {
    const w = this.randomWeight('fc_W', transB ? [outF, inF] : [inF, outF], Math.sqrt(3 / inF));
    return this.node('Gemm', [x, w, this.randomWeight('fc_B', [outF], 0.1)], { alpha: { f: 1 }, beta: { f: 1 }, transB: transB ? 1 : 0 });
  }

  maxPool(x: string, k: number, stride: number, pad = 0, ceil = false): string {
    const attrs: Record<string, AttrSpec> = { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad] };
    if (ceil) attrs.ceil_mode = 1;
    return this.node('MaxPool', [x], attrs);
  }

  avgPool(x: string, k: number, stride: number, pad = 0, countIncludePad = false, ceil = false): string {
    const attrs: Record<string, AttrSpec> = { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad] };
    if (countIncludePad) attrs.count_include_pad = 1;
    if (ceil) attrs.ceil_mode = 1;
    return this.node('AveragePool', [x], attrs);
  }

  /** Squeeze / Unsqueeze with axes as an attribute (opset < 13) or an input. */
  axesOp(opType: 'Squeeze' | 'Unsqueeze' | 'ReduceMean', x: string, axes: number[], extra: Record<string, AttrSpec> = {}): string {
    const fromOpset = opType === 'ReduceMean' ? 18 : 13;
    if (this.opset < fromOpset) return this.node(opType, [x], { axes, ...extra });
    return this.node(opType, [x, this.ints('axes', axes)], extra);
  }

  /** PyTorch's x.view(x.size(0), -1): Shape → Gather → Unsqueeze → Concat → Reshape. */
  flattenLikeView(x: string): string {
    const shape = this.node('Shape', [x]);
    const batch = this.node('Gather', [shape, this.ints('zero', [0], [])], { axis: 0 });
    const batch1 = this.axesOp('Unsqueeze', batch, [0]);
    const target = this.node('Concat', [batch1, this.ints('minus_one', [-1])], { axis: 0 });
    return this.node('Reshape', [x, target]);
  }

  model(outputs: string[]): onnx.ModelProto {
    return onnx.ModelProto.create({
      irVersion: irVersionFor(this.opset),
      producerName: 'microscope-tests',
      opsetImport: [{ domain: '', version: this.opset }],
      graph: {
        name: 'test',
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: outputs.map((o) => ({ name: o, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } })),
      },
    });
  }

  /** A plain Uint8Array (protobufjs hands out a Node Buffer, whose slice() is a view, not a copy). */
  toBytes(outputs: string[]): Uint8Array {
    return new Uint8Array(onnx.ModelProto.encode(this.model(outputs)).finish());
  }
}

export function valueInfo(name: string, dims: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}
