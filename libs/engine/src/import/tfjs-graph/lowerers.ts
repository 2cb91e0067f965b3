import { MicroscopeError } from '@microscope/contracts';
import type { GraphBuilder } from '../../ir/builder';
import type { AttrValue, OpType } from '../../ir/graph';
import { samePads, type Pads } from '../../ir/padding';
import { shapeSize } from '../../ir/shapes';
import type { ConstValue } from './const-fold';
import type { GraphNodeJson, NodeAttrs } from './graph-def';

/** What a lowering sees of one TF node: its attributes, its inputs (IR tensors or constants) and the builder. */
export interface LowerContext {
  node: GraphNodeJson;
  attrs: NodeAttrs;
  b: GraphBuilder;
  /** Number of data (non-control) inputs. */
  inputCount: number;
  isConst(i: number): boolean;
  /** IR node name of tensor input i; a constant there is unsupported. */
  tensor(i: number): string;
  constant(i: number): ConstValue;
  /** Constant input i as a graph weight (registered once per constant). */
  weight(i: number): string;
  newWeight(base: string, shape: number[], data: Float32Array): string;
  /** Adds an IR node (named after the TF node unless told otherwise); layer marking happens later. */
  emit(spec: { name?: string; op: OpType; inputs: string[]; attrs?: Record<string, AttrValue>; params?: Record<string, string> }): string;
  /** Binds TF output `index` of this node to an IR node. */
  output(index: number, irName: string): void;
  unsupported(what: string): MicroscopeError;
}

export type Lowerer = (c: LowerContext) => void;

const floats = (v: ConstValue): Float32Array => (v.values instanceof Float32Array ? v.values : Float32Array.from(v.values));
const ints = (v: ConstValue): number[] => Array.from(v.values);

function nhwc(c: LowerContext): void {
  const format = c.attrs.string('data_format', 'NHWC');
  if (format !== 'NHWC') throw c.unsupported(`data_format ${format}`);
}

/** Reads [1, h, w, 1]-style attributes as [h, w]. */
function spatialPair(c: LowerContext, key: string, fallback: number[]): [number, number] {
  const v = c.attrs.ints(key, fallback);
  if (v.length !== 4 || v[0] !== 1 || v[3] !== 1) throw c.unsupported(`${key} [${v.join(', ')}] (only spatial ones)`);
  return [v[1], v[2]];
}

function windowPads(c: LowerContext, x: string, kernel: [number, number], strides: [number, number], dilations: [number, number]): Pads {
  const padding = c.attrs.string('padding', 'VALID');
  if (padding === 'VALID') return [0, 0, 0, 0];
  if (padding === 'SAME') {
    const s = c.b.shapeOf(x);
    return samePads([s[0], s[1]], kernel, strides, dilations);
  }
  if (padding === 'EXPLICIT') {
    const p = c.attrs.ints('explicit_paddings');
    if (p.length !== 8 || p[0] || p[1] || p[6] || p[7]) throw c.unsupported(`explicit_paddings [${p.join(', ')}]`);
    return [p[2], p[3], p[4], p[5]];
  }
  throw c.unsupported(`padding ${padding}`);
}

/** TF activation op names (also used inside fused_ops) → IR op. */
const ACTIVATIONS: Record<string, { op: OpType; attrs?: (c: LowerContext) => Record<string, AttrValue> }> = {
  Relu: { op: 'relu' },
  Relu6: { op: 'relu6' },
  Elu: { op: 'elu', attrs: () => ({ alpha: 1 }) },
  Selu: { op: 'selu' },
  Sigmoid: { op: 'sigmoid' },
  Tanh: { op: 'tanh' },
  Softplus: { op: 'softplus' },
  Softsign: { op: 'softsign' },
  LeakyRelu: { op: 'leakyRelu', attrs: (c) => ({ alpha: c.attrs.float(c.node.op === 'LeakyRelu' ? 'alpha' : 'leakyrelu_alpha', 0.2) }) },
};

/**
 * Emits `spec` as the node's output, or — when an activation follows in the same fused TF node — as `<name>/linear`
 * followed by the activation under the node's name.
 */
function emitWithActivation(c: LowerContext, spec: Parameters<LowerContext['emit']>[0], activation: string | undefined, preluAlpha?: number): void {
  if (!activation) {
    c.output(0, c.emit(spec));
    return;
  }
  const linear = c.emit({ ...spec, name: `${c.node.name}/linear` });
  if (activation === 'Prelu') {
    if (preluAlpha === undefined) throw c.unsupported('Prelu without an alpha input');
    c.output(0, c.emit({ op: 'prelu', inputs: [linear], params: { alpha: c.weight(preluAlpha) } }));
    return;
  }
  const act = ACTIVATIONS[activation];
  if (!act) throw c.unsupported(`fused activation ${activation}`);
  c.output(0, c.emit({ op: act.op, inputs: [linear], attrs: act.attrs?.(c) ?? {} }));
}

/** fused_ops of _Fused* nodes: an optional BiasAdd then an optional activation. */
function parseFusedOps(c: LowerContext): { bias: boolean; activation?: string } {
  const ops = c.attrs.strings('fused_ops');
  let i = 0;
  const bias = ops[i] === 'BiasAdd';
  if (bias) i++;
  const activation = ops[i];
  if (activation !== undefined) i++;
  if (i !== ops.length || (activation !== undefined && activation !== 'Prelu' && !ACTIVATIONS[activation])) {
    throw c.unsupported(`fused_ops [${ops.join(', ')}]`);
  }
  return { bias, activation };
}

function convolution(kind: 'conv2d' | 'depthwiseConv2d', fused: boolean): Lowerer {
  return (c) => {
    nhwc(c);
    const x = c.tensor(0);
    if (!c.isConst(1)) throw c.unsupported('a filter computed at run time');
    const filter = c.constant(1);
    if (filter.shape.length !== 4) throw c.unsupported(`filter of shape [${filter.shape.join(', ')}]`);
    const strides = spatialPair(c, 'strides', [1, 1, 1, 1]);
    const dilations = spatialPair(c, 'dilations', [1, 1, 1, 1]);
    const kernel: [number, number] = [filter.shape[0], filter.shape[1]];
    const params: Record<string, string> = { filter: c.weight(1) };
    let activation: string | undefined;
    let extra = 2; // fused arguments follow the input and the filter: bias, then PReLU's alpha
    if (fused) {
      const f = parseFusedOps(c);
      if (f.bias) params.bias = c.weight(extra++);
      activation = f.activation;
    }
    const attrs: Record<string, AttrValue> = { strides, dilations, pads: windowPads(c, x, kernel, strides, dilations) };
    if (kind === 'conv2d') attrs.groups = 1;
    emitWithActivation(c, { op: kind, inputs: [x], params, attrs }, activation, extra);
  };
}

/** MatMul with a constant right operand is a dense layer; two run-time operands are a matMul. */
function matMul(fused: boolean): Lowerer {
  return (c) => {
    const ta = c.attrs.bool('transpose_a', c.attrs.bool('adj_x', false));
    const tb = c.attrs.bool('transpose_b', c.attrs.bool('adj_y', false));
    let activation: string | undefined;
    const params: Record<string, string> = {};
    let extra = 2;
    if (fused) {
      const f = parseFusedOps(c);
      if (f.bias) params.bias = c.weight(extra++);
      activation = f.activation;
    }
    if (c.isConst(1)) {
      const x = c.tensor(0);
      if (ta) throw c.unsupported('transpose_a with a constant kernel');
      const k = c.constant(1);
      if (k.shape.length !== 2) throw c.unsupported(`a kernel of shape [${k.shape.join(', ')}]`);
      if (tb) {
        const [out, inF] = k.shape;
        const src = floats(k);
        const t = new Float32Array(src.length);
        for (let i = 0; i < inF; i++) for (let o = 0; o < out; o++) t[i * out + o] = src[o * inF + i];
        params.kernel = c.newWeight(`${c.node.name}/kernel`, [inF, out], t);
      } else {
        params.kernel = c.weight(1);
      }
      emitWithActivation(c, { op: 'dense', inputs: [x], params }, activation, extra);
      return;
    }
    if (params.bias) throw c.unsupported('a fused bias on a run-time matMul');
    emitWithActivation(c, { op: 'matMul', inputs: [c.tensor(0), c.tensor(1)], attrs: { transposeA: ta, transposeB: tb } }, activation, extra);
  };
}

function elementwise(op: 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum'): Lowerer {
  return (c) => {
    if (c.isConst(0) && c.isConst(1)) throw c.unsupported('two constant operands');
    if (c.isConst(0) || c.isConst(1)) {
      const constantFirst = c.isConst(0);
      const x = c.tensor(constantFirst ? 1 : 0);
      c.output(0, c.emit({ op, inputs: [x], params: { constant: c.weight(constantFirst ? 0 : 1) }, attrs: constantFirst ? { constantFirst: true } : {} }));
      return;
    }
    c.output(0, c.emit({ op, inputs: [c.tensor(0), c.tensor(1)] }));
  };
}

/** AddN: a chain of adds whose last one takes the node's name. */
const addN: Lowerer = (c) => {
  let acc = c.tensor(0);
  for (let i = 1; i < c.inputCount; i++) {
    acc = c.emit({ name: i === c.inputCount - 1 ? c.node.name : `${c.node.name}/add_${i}`, op: 'add', inputs: [acc, c.tensor(i)] });
  }
  c.output(0, acc);
};

function activation(name: string): Lowerer {
  return (c) => {
    const act = ACTIVATIONS[name];
    c.output(0, c.emit({ op: act.op, inputs: [c.tensor(0)], attrs: act.attrs?.(c) ?? {} }));
  };
}

function pool(op: 'maxPool' | 'avgPool'): Lowerer {
  return (c) => {
    nhwc(c);
    const x = c.tensor(0);
    const size = spatialPair(c, 'ksize', [1, 1, 1, 1]);
    const strides = spatialPair(c, 'strides', [1, 1, 1, 1]);
    // TF averages over real pixels only at SAME borders.
    c.output(0, c.emit({ op, inputs: [x], attrs: { size, strides, pads: windowPads(c, x, size, strides, [1, 1]), countIncludePad: false } }));
  };
}

/** Axes of a constant input normalised against a tensor of `rank` axes (with batch); the batch axis is refused. */
function axesOf(c: LowerContext, i: number, rank: number): number[] {
  const axes = ints(c.constant(i)).map((a) => (a < 0 ? a + rank : a));
  if (axes.some((a) => a <= 0 || a >= rank)) throw c.unsupported(`axes [${ints(c.constant(i)).join(', ')}] (the batch axis)`);
  return axes;
}

function reduction(kind: 'mean' | 'max'): Lowerer {
  return (c) => {
    const x = c.tensor(0);
    const rank = c.b.shapeOf(x).length + 1;
    const axes = axesOf(c, 1, rank);
    const keepDims = c.attrs.bool('keep_dims', false);
    if (kind === 'mean') {
      c.output(0, c.emit({ op: 'mean', inputs: [x], attrs: { axes, keepDims } }));
      return;
    }
    if (rank !== 4 || [...axes].sort().join() !== '1,2') throw c.unsupported(`Max over axes [${axes.join(', ')}] (only spatial)`);
    c.output(0, c.emit({ op: 'globalMaxPool', inputs: [x], attrs: { keepDims } }));
  };
}

const concat: Lowerer = (c) => {
  const axisFirst = c.node.op === 'Concat';
  const axisIndex = axisFirst ? 0 : c.inputCount - 1;
  const inputs = [...Array(c.inputCount).keys()].filter((i) => i !== axisIndex).map((i) => c.tensor(i));
  const rank = c.b.shapeOf(inputs[0]).length + 1;
  const [axis] = axesOf(c, axisIndex, rank);
  c.output(0, c.emit({ op: 'concat', inputs, attrs: { axis } }));
};

/** A target shape whose first entry is the batch (-1 or 1), with any other -1 resolved. */
function unbatchedShape(c: LowerContext, target: number[], x: string): number[] {
  const total = shapeSize(c.b.shapeOf(x));
  if (target.length === 0 || (target[0] !== -1 && target[0] !== 1)) {
    throw c.unsupported(`reshaping to [${target.join(', ')}], which does not keep the batch axis first`);
  }
  const rest = target.slice(1);
  const unknown = rest.filter((d) => d === -1).length;
  if (unknown > 1 || (unknown === 1 && target[0] === -1)) throw c.unsupported(`reshaping to [${target.join(', ')}] with several unknown sizes`);
  const known = rest.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
  return rest.map((d) => (d === -1 ? total / known : d));
}

const reshape: Lowerer = (c) => {
  const x = c.tensor(0);
  c.output(0, c.emit({ op: 'reshape', inputs: [x], attrs: { shape: unbatchedShape(c, ints(c.constant(1)), x) } }));
};

const squeeze: Lowerer = (c) => {
  const x = c.tensor(0);
  const shape = c.b.shapeOf(x);
  const rank = shape.length + 1;
  const dims = c.attrs.ints('squeeze_dims', []).map((d) => (d < 0 ? d + rank : d));
  if (dims.includes(0)) throw c.unsupported('squeezing the batch axis');
  const keep = shape.filter((d, i) => (dims.length ? !dims.includes(i + 1) : d !== 1));
  c.output(0, c.emit({ op: 'reshape', inputs: [x], attrs: { shape: keep } }));
};

const expandDims: Lowerer = (c) => {
  const x = c.tensor(0);
  const shape = [...c.b.shapeOf(x)];
  const raw = ints(c.constant(1))[0];
  const axis = raw < 0 ? raw + shape.length + 2 : raw;
  if (axis < 1 || axis > shape.length + 1) throw c.unsupported(`expanding axis ${raw}`);
  shape.splice(axis - 1, 0, 1);
  c.output(0, c.emit({ op: 'reshape', inputs: [x], attrs: { shape } }));
};

function padding(mode: 'constant' | 'mirror'): Lowerer {
  return (c) => {
    const x = c.tensor(0);
    const p = ints(c.constant(1));
    const rank = c.b.shapeOf(x).length + 1;
    if (p.length !== rank * 2 || p[0] !== 0 || p[1] !== 0) throw c.unsupported(`paddings [${p.join(', ')}] (batch padding)`);
    const pads = [...Array(rank - 1).keys()].map((i) => [p[2 * i + 2], p[2 * i + 3]]);
    const value = c.node.op === 'PadV2' && c.inputCount > 2 ? Number(c.constant(2).values[0]) : 0;
    const m = mode === 'constant' ? 'constant' : c.attrs.string('mode', 'REFLECT').toLowerCase();
    if (m !== 'constant' && m !== 'reflect' && m !== 'symmetric') throw c.unsupported(`mode ${m}`);
    c.output(0, c.emit({ op: 'pad', inputs: [x], attrs: { pads, value, mode: m } }));
  };
}

/** Inference batch norm folded to x * scale + shift. */
const fusedBatchNorm: Lowerer = (c) => {
  nhwc(c);
  if (c.attrs.bool('is_training', false)) throw c.unsupported('batch norm in training mode');
  const x = c.tensor(0);
  const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => floats(c.constant(i)));
  const eps = c.attrs.float('epsilon', 1e-4);
  const n = gamma.length;
  const scale = new Float32Array(n);
  const shift = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    scale[i] = gamma[i] / Math.sqrt(variance[i] + eps);
    shift[i] = beta[i] - mean[i] * scale[i];
  }
  c.output(
    0,
    c.emit({
      op: 'scaleShift',
      inputs: [x],
      params: { scale: c.newWeight(`${c.node.name}/scale`, [n], scale), shift: c.newWeight(`${c.node.name}/shift`, [n], shift) },
    }),
  );
};

function resize(method: 'bilinear' | 'nearest'): Lowerer {
  return (c) => {
    const size = ints(c.constant(1));
    c.output(
      0,
      c.emit({
        op: 'resize',
        inputs: [c.tensor(0)],
        attrs: { size, method, alignCorners: c.attrs.bool('align_corners', false), halfPixelCenters: c.attrs.bool('half_pixel_centers', false) },
      }),
    );
  };
}

const transpose: Lowerer = (c) => {
  const perm = ints(c.constant(1));
  if (perm[0] !== 0) throw c.unsupported(`perm [${perm.join(', ')}] that moves the batch axis`);
  c.output(0, c.emit({ op: 'transpose', inputs: [c.tensor(0)], attrs: { perm } }));
};

/** Emits a slice keeping the whole batch axis, then a reshape when axes are dropped. */
function emitSlice(c: LowerContext, x: string, begin: number[], size: number[], dropAxes: number[], name?: string): string {
  const sliceName = dropAxes.length ? `${name ?? c.node.name}/slice` : name;
  const sliced = c.emit({ name: sliceName, op: 'slice', inputs: [x], attrs: { begin: [0, ...begin], size: [-1, ...size] } });
  if (!dropAxes.length) return sliced;
  const shape = c.b.shapeOf(sliced).filter((_, i) => !dropAxes.includes(i + 1));
  return c.emit({ name, op: 'reshape', inputs: [sliced], attrs: { shape } });
}

const stridedSlice: Lowerer = (c) => {
  const x = c.tensor(0);
  const shape = c.b.shapeOf(x);
  const rank = shape.length + 1;
  const [begin, end, strides] = [1, 2, 3].map((i) => ints(c.constant(i)));
  const mask = (key: string) => c.attrs.int(key, 0);
  if (mask('ellipsis_mask') || mask('new_axis_mask')) throw c.unsupported('ellipsis or new-axis masks');
  if (strides.some((s) => s !== 1)) throw c.unsupported(`strides [${strides.join(', ')}]`);
  const full = [1, ...shape];
  const b: number[] = [];
  const e: number[] = [];
  for (let axis = 0; axis < rank; axis++) {
    const dim = full[axis];
    const shrink = (mask('shrink_axis_mask') >> axis) & 1;
    let lo = axis < begin.length && !((mask('begin_mask') >> axis) & 1) ? begin[axis] : 0;
    if (lo < 0) lo += dim;
    let hi = shrink ? lo + 1 : axis < end.length && !((mask('end_mask') >> axis) & 1) ? end[axis] : dim;
    if (hi < 0) hi += dim;
    b.push(Math.max(0, Math.min(lo, dim)));
    e.push(Math.max(0, Math.min(hi, dim)));
  }
  if (b[0] !== 0 || e[0] !== 1 || (mask('shrink_axis_mask') & 1)) throw c.unsupported('slicing the batch axis');
  const drop = [...Array(rank).keys()].filter((axis) => (mask('shrink_axis_mask') >> axis) & 1);
  c.output(0, emitSlice(c, x, b.slice(1), e.slice(1).map((hi, i) => hi - b[i + 1]), drop));
};

const slice: Lowerer = (c) => {
  const x = c.tensor(0);
  const shape = c.b.shapeOf(x);
  const begin = ints(c.constant(1));
  const size = ints(c.constant(2));
  if (begin[0] !== 0 || (size[0] !== -1 && size[0] !== 1)) throw c.unsupported('slicing the batch axis');
  c.output(0, emitSlice(c, x, begin.slice(1), size.slice(1).map((s, i) => (s === -1 ? shape[i] - begin[i + 1] : s)), []));
};

/** Split / SplitV: one slice per output; output k is named "<name>:k" (output 0 keeps the node's name). */
function split(variable: boolean): Lowerer {
  return (c) => {
    const [xi, axisIndex] = variable ? [0, 2] : [1, 0];
    const x = c.tensor(xi);
    const shape = c.b.shapeOf(x);
    const [axis] = axesOf(c, axisIndex, shape.length + 1);
    const dim = shape[axis - 1];
    let sizes: number[];
    if (variable) {
      sizes = ints(c.constant(1));
      const unknown = sizes.indexOf(-1);
      if (unknown >= 0) sizes[unknown] = dim - sizes.reduce((a, s, i) => (i === unknown ? a : a + s), 0);
    } else {
      const n = c.attrs.int('num_split');
      if (dim % n !== 0) throw c.unsupported(`splitting ${dim} into ${n}`);
      sizes = new Array(n).fill(dim / n);
    }
    let at = 0;
    sizes.forEach((s, k) => {
      const begin = shape.map(() => 0);
      const size = [...shape];
      begin[axis - 1] = at;
      size[axis - 1] = s;
      at += s;
      c.output(k, emitSlice(c, x, begin, size, [], k === 0 ? c.node.name : `${c.node.name}:${k}`));
    });
  };
}

const alias: Lowerer = (c) => {
  for (let i = 0; i < c.inputCount; i++) c.output(i, c.tensor(i));
};

const cast: Lowerer = (c) => {
  const to = c.attrs.dtype('DstT');
  if (to !== 'DT_FLOAT') throw c.unsupported(`casting a tensor to ${to}`);
  c.output(0, c.tensor(0));
};

const biasAdd: Lowerer = (c) => {
  nhwc(c);
  c.output(0, c.emit({ op: 'biasAdd', inputs: [c.tensor(0)], params: { bias: c.weight(1) } }));
};

const prelu: Lowerer = (c) => c.output(0, c.emit({ op: 'prelu', inputs: [c.tensor(0)], params: { alpha: c.weight(1) } }));

const softmax: Lowerer = (c) => c.output(0, c.emit({ op: 'softmax', inputs: [c.tensor(0)], attrs: { axis: -1 } }));

export const LOWERERS: Record<string, Lowerer> = {
  Conv2D: convolution('conv2d', false),
  _FusedConv2D: convolution('conv2d', true),
  DepthwiseConv2dNative: convolution('depthwiseConv2d', false),
  DepthwiseConv2d: convolution('depthwiseConv2d', false),
  FusedDepthwiseConv2dNative: convolution('depthwiseConv2d', true),
  MatMul: matMul(false),
  _FusedMatMul: matMul(true),
  BatchMatMul: matMul(false),
  BatchMatMulV2: matMul(false),
  BiasAdd: biasAdd,
  Add: elementwise('add'),
  AddV2: elementwise('add'),
  AddN: addN,
  Sub: elementwise('sub'),
  Mul: elementwise('mul'),
  RealDiv: elementwise('div'),
  Div: elementwise('div'),
  Maximum: elementwise('maximum'),
  Minimum: elementwise('minimum'),
  ...Object.fromEntries(Object.keys(ACTIVATIONS).map((name) => [name, activation(name)])),
  Prelu: prelu,
  Softmax: softmax,
  MaxPool: pool('maxPool'),
  AvgPool: pool('avgPool'),
  Mean: reduction('mean'),
  Max: reduction('max'),
  ConcatV2: concat,
  Concat: concat,
  Reshape: reshape,
  Squeeze: squeeze,
  ExpandDims: expandDims,
  Pad: padding('constant'),
  PadV2: padding('constant'),
  MirrorPad: padding('mirror'),
  FusedBatchNorm: fusedBatchNorm,
  FusedBatchNormV2: fusedBatchNorm,
  FusedBatchNormV3: fusedBatchNorm,
  ResizeBilinear: resize('bilinear'),
  ResizeNearestNeighbor: resize('nearest'),
  Transpose: transpose,
  StridedSlice: stridedSlice,
  Slice: slice,
  Split: split(false),
  SplitV: split(true),
  Identity: alias,
  IdentityN: alias,
  StopGradient: alias,
  Snapshot: alias,
  Cast: cast,
};
