import type { OpType } from '../../../ir/graph';
import { broadcastMap, transposeConst, type ConstTensor } from '../const-tensor';
import type { ConversionContext, OnnxValue, Role, RuntimeValue } from '../context';
import { NCHW_TO_NHWC_PERM } from '../layout';
import { outputName, unsupported, type NodeInfo, type OpConverter } from './converter';

/** Broadcasting arithmetic: Add, Sub, Mul, Div, Max, Min, Sum, Mean, Pow (squares), Neg, Reciprocal. */

type BinaryOp = Extract<OpType, 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum'>;

const FOLD: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  maximum: Math.max,
  minimum: Math.min,
};

const COMMUTATIVE: ReadonlySet<BinaryOp> = new Set<BinaryOp>(['add', 'mul', 'maximum', 'minimum']);

/**
 * A constant operand laid out like the runtime tensor it meets: left-padded to its rank (numpy broadcasting),
 * transposed to channels-last for rank 4, without the batch axis (where it must be 1).
 */
export function constantLike(info: NodeInfo, ctx: ConversionContext, v: RuntimeValue, c: ConstTensor, baseName: string): string {
  if (c.dims.length > v.rank) throw unsupported(info, `a constant of shape [${c.dims}] has more axes than the tensor (rank ${v.rank})`);
  let t: ConstTensor = { ...c, dims: [...new Array<number>(v.rank - c.dims.length).fill(1), ...c.dims] };
  if (v.rank === 4) t = transposeConst(t, NCHW_TO_NHWC_PERM);
  if (t.dims[0] !== 1) throw unsupported(info, `a constant of shape [${c.dims}] varies along the batch axis`);
  const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
  return ctx.weight(baseName, t.dims.slice(1), data);
}

/** One binary step on any mix of constant and computed operands; the emitted node (if any) is called `name`. */
export function binary(info: NodeInfo, ctx: ConversionContext, op: BinaryOp, a: OnnxValue, b: OnnxValue, name: string): OnnxValue {
  if (a.kind === 'const' && b.kind === 'const') {
    const dtype = a.tensor.dtype === 'float' || b.tensor.dtype === 'float' ? 'float' : 'int';
    const fn = dtype === 'int' && op === 'div' ? (x: number, y: number) => Math.trunc(x / y) : FOLD[op];
    const folded = broadcastMap([a.tensor, b.tensor], dtype, fn);
    if (!folded) throw unsupported(info, `constants of shapes [${a.tensor.dims}] and [${b.tensor.dims}] do not broadcast`);
    return { kind: 'const', tensor: folded };
  }
  if (a.kind === 'tensor' && b.kind === 'tensor') {
    if (a.rank !== b.rank) throw unsupported(info, `operands of ranks ${a.rank} and ${b.rank}: only computed tensors of equal rank can be combined`);
    return { kind: 'tensor', rank: a.rank, node: ctx.emit({ name, op, inputs: [a.node, b.node] }, 'layer') };
  }
  const [v, c, constantFirst] = a.kind === 'tensor' ? [a, (b as { tensor: ConstTensor }).tensor, false] : [b as RuntimeValue, a.tensor, true];
  const role: Role = op === 'maximum' || op === 'minimum' ? 'activation' : 'affine';
  const attrs: Record<string, boolean> = constantFirst && !COMMUTATIVE.has(op) ? { constantFirst: true } : {};
  const params = { constant: constantLike(info, ctx, v, c, `${name}/constant`) };
  return { kind: 'tensor', rank: v.rank, node: ctx.emit({ name, op, inputs: [v.node], attrs, params }, role) };
}

function assign(info: NodeInfo, ctx: ConversionContext, result: OnnxValue): void {
  if (result.kind === 'const') ctx.setConst(info.outputs[0], result.tensor);
  else ctx.setRuntime(info.outputs[0], result.node, result.rank);
}

/**
 * x * sigmoid(x) → swish, x * hardSigmoid(x) with PyTorch's hardswish constants → hardSwish: the activation a
 * person thinks of is one layer, and the executor has a single op for it.
 */
function fusedGate(info: NodeInfo, ctx: ConversionContext): { x: RuntimeValue; op: 'swish' | 'hardSwish' } | null {
  for (const [gate, other] of [[info.inputs[1], info.inputs[0]], [info.inputs[0], info.inputs[1]]]) {
    const producer = ctx.producerOf(gate);
    if (!producer || producer.input?.[0] !== other) continue;
    const x = ctx.get(other, info.where);
    if (x.kind !== 'tensor') continue;
    if (producer.opType === 'Sigmoid') return { x, op: 'swish' };
    if (producer.opType === 'HardSigmoid') {
      const attr = (n: string, d: number): number => producer.attribute?.find((a) => a.name === n)?.f ?? d;
      if (Math.abs(attr('alpha', 0.2) - 1 / 6) < 1e-6 && Math.abs(attr('beta', 0.5) - 0.5) < 1e-6) return { x, op: 'hardSwish' };
    }
  }
  return null;
}

function binaryConverter(op: BinaryOp): OpConverter {
  return (info, ctx) => {
    if (op === 'mul') {
      const gate = fusedGate(info, ctx);
      if (gate) {
        ctx.setRuntime(info.outputs[0], ctx.emit({ name: outputName(info, ctx), op: gate.op, inputs: [gate.x.node] }, 'activation'), gate.x.rank);
        return;
      }
    }
    const a = ctx.get(info.inputs[0], info.where);
    const b = ctx.get(info.inputs[1], info.where);
    assign(info, ctx, binary(info, ctx, op, a, b, outputName(info, ctx)));
  };
}

/** Sum / Max / Min / Mean of any number of operands, as a chain of binary steps. */
function variadicConverter(op: BinaryOp, mean = false): OpConverter {
  return (info, ctx) => {
    const operands = info.inputs.filter(Boolean).map((i) => ctx.get(i, info.where));
    if (operands.length === 0) throw unsupported(info, 'no operands');
    const name = outputName(info, ctx);
    const last = operands.length - 1 + (mean ? 1 : 0);
    let acc = operands[0];
    for (let i = 1; i < operands.length; i++) acc = binary(info, ctx, op, acc, operands[i], i === last ? name : ctx.name(`${name}/${i}`));
    if (mean) acc = binary(info, ctx, 'mul', acc, { kind: 'const', tensor: { dtype: 'float', dims: [], data: Float32Array.of(1 / operands.length) } }, name);
    if (acc === operands[0] && acc.kind === 'tensor') {
      // A single operand: the op is an identity.
      ctx.setRuntime(info.outputs[0], acc.node, acc.rank);
      return;
    }
    assign(info, ctx, acc);
  };
}

const scalar = (v: number): OnnxValue => ({ kind: 'const', tensor: { dtype: 'float', dims: [], data: Float32Array.of(v) } });

export const ELEMENTWISE_CONVERTERS: Record<string, OpConverter> = {
  Add: binaryConverter('add'),
  Sub: binaryConverter('sub'),
  Mul: binaryConverter('mul'),
  Div: binaryConverter('div'),
  Max: variadicConverter('maximum'),
  Min: variadicConverter('minimum'),
  Sum: variadicConverter('add'),
  Mean: variadicConverter('add', true),
  Neg: (info, ctx) => assign(info, ctx, binary(info, ctx, 'mul', ctx.get(info.inputs[0], info.where), scalar(-1), outputName(info, ctx))),
  Reciprocal: (info, ctx) => assign(info, ctx, binary(info, ctx, 'div', scalar(1), ctx.get(info.inputs[0], info.where), outputName(info, ctx))),
  Pow: (info, ctx) => {
    const x = ctx.runtime(info.inputs[0], info.where);
    const e = ctx.constant(info.inputs[1], info.where, 'the exponent');
    if (e.data.length !== 1 || (e.data[0] !== 1 && e.data[0] !== 2)) throw unsupported(info, 'only the exponents 1 and 2 are supported');
    if (e.data[0] === 1) return ctx.setRuntime(info.outputs[0], x.node, x.rank);
    ctx.setRuntime(info.outputs[0], ctx.emit({ name: outputName(info, ctx), op: 'mul', inputs: [x.node, x.node] }, 'layer'), x.rank);
  },
};
