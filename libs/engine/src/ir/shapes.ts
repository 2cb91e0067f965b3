import { AttrError, boolAttr, nestedNumsAttr, numAttr, numsAttr, strAttr, windowAttrs } from './attrs';
import type { IRNode, OpType } from './graph';
import { windowOutputSize } from './padding';

/**
 * Output-shape inference: the single statement of what each IR op means for shapes. Importers use it to fill
 * IRNode.outputShape, the validator to check a graph. Shapes exclude the batch dimension.
 */

export class ShapeError extends Error {}

type ShapeNode = Pick<IRNode, 'op' | 'attrs' | 'params'>;

const UNARY_SAME_SHAPE: ReadonlySet<OpType> = new Set<OpType>([
  'relu', 'relu6', 'leakyRelu', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'tanh', 'softmax', 'softplus', 'swish',
  'hardSwish', 'gelu', 'clip', 'softsign', 'mish', 'lrn', 'identity',
]);
const BINARY_ELEMENTWISE: ReadonlySet<OpType> = new Set<OpType>(['add', 'sub', 'mul', 'div', 'maximum', 'minimum']);

export const isElementwiseBinary = (op: OpType): boolean => BINARY_ELEMENTWISE.has(op);
export const isUnarySameShape = (op: OpType): boolean => UNARY_SAME_SHAPE.has(op);

export const shapeSize = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
export const formatShape = (shape: readonly number[] | undefined): string => (shape ? `[${shape.join(', ')}]` : 'none');

/** Numpy broadcasting of two shapes aligned at the trailing axis. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/**
 * Broadcast a constant against a tensor whose unbatched shape is `shape`. The constant is aligned with the
 * batched tensor, so a constant of the full rank carries a leading batch axis that must be 1.
 */
export function broadcastConstant(shape: readonly number[], constantShape: readonly number[]): number[] {
  if (constantShape.length > shape.length + 1) {
    throw new ShapeError(`constant of shape ${formatShape(constantShape)} has more axes than the tensor (${shape.length} + batch)`);
  }
  let c = constantShape;
  if (c.length === shape.length + 1) {
    if (c[0] !== 1) throw new ShapeError(`constant of shape ${formatShape(constantShape)} must have 1 on the batch axis`);
    c = c.slice(1);
  }
  return broadcastShapes(shape, c);
}

function need(inputShapes: number[][], count: number, op: string): void {
  if (inputShapes.length !== count) {
    throw new ShapeError(`${op} takes ${count} input${count === 1 ? '' : 's'}, got ${inputShapes.length}`);
  }
}

function param(node: ShapeNode, paramShapes: Record<string, number[]>, role: string): number[] {
  const shape = paramShapes[role];
  if (!node.params[role] || !shape) throw new ShapeError(`${node.op} needs the weight "${role}"`);
  return shape;
}

function optionalParam(node: ShapeNode, paramShapes: Record<string, number[]>, role: string): number[] | undefined {
  return node.params[role] ? param(node, paramShapes, role) : undefined;
}

function expectVector(shape: number[] | undefined, length: number, what: string): void {
  if (shape && (shape.length !== 1 || shape[0] !== length)) {
    throw new ShapeError(`${what} has shape ${formatShape(shape)}, expected [${length}]`);
  }
}

function spatial(input: number[], op: string): [number, number, number] {
  if (input.length !== 3) throw new ShapeError(`${op} needs an [H, W, C] input, got ${formatShape(input)}`);
  return [input[0], input[1], input[2]];
}

function normalizeAxis(axis: number, rankWithBatch: number): number {
  const a = axis < 0 ? axis + rankWithBatch : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rankWithBatch) throw new ShapeError(`axis ${axis} is out of range for rank ${rankWithBatch}`);
  return a;
}

function convShape(node: ShapeNode, x: number[], kernel: number[], outChannels: number): number[] {
  const [h, w] = spatial(x, node.op);
  const win = windowAttrs(node);
  const oh = windowOutputSize(h, kernel[0], win.strides[0], win.dilations[0], win.pads[0], win.pads[1]);
  const ow = windowOutputSize(w, kernel[1], win.strides[1], win.dilations[1], win.pads[2], win.pads[3]);
  return [oh, ow, outChannels];
}

function inferUnchecked(node: ShapeNode, inputShapes: number[][], paramShapes: Record<string, number[]>): number[] {
  const op = node.op;
  if (UNARY_SAME_SHAPE.has(op)) {
    need(inputShapes, 1, op);
    if (op === 'softmax') normalizeAxis(numAttr(node, 'axis', -1), inputShapes[0].length + 1);
    return [...inputShapes[0]];
  }
  if (BINARY_ELEMENTWISE.has(op)) {
    if (node.params.constant) {
      need(inputShapes, 1, op);
      return broadcastConstant(inputShapes[0], param(node, paramShapes, 'constant'));
    }
    need(inputShapes, 2, op);
    if (inputShapes[0].length !== inputShapes[1].length) {
      throw new ShapeError(`${op} inputs must have the same rank, got ${formatShape(inputShapes[0])} and ${formatShape(inputShapes[1])}`);
    }
    return broadcastShapes(inputShapes[0], inputShapes[1]);
  }
  switch (op) {
    case 'input':
      throw new ShapeError('an input node takes its shape from GraphIR.input');
    case 'conv2d': {
      need(inputShapes, 1, op);
      const filter = param(node, paramShapes, 'filter');
      if (filter.length !== 4) throw new ShapeError(`filter must be [kh, kw, inC/groups, outC], got ${formatShape(filter)}`);
      const groups = numAttr(node, 'groups', 1);
      const c = spatial(inputShapes[0], op)[2];
      if (filter[2] * groups !== c) {
        throw new ShapeError(`filter ${formatShape(filter)} with groups=${groups} expects ${filter[2] * groups} input channels, got ${c}`);
      }
      if (filter[3] % groups !== 0) throw new ShapeError(`output channels ${filter[3]} are not divisible by groups=${groups}`);
      expectVector(optionalParam(node, paramShapes, 'bias'), filter[3], 'bias');
      return convShape(node, inputShapes[0], filter, filter[3]);
    }
    case 'depthwiseConv2d': {
      need(inputShapes, 1, op);
      const filter = param(node, paramShapes, 'filter');
      if (filter.length !== 4) throw new ShapeError(`filter must be [kh, kw, inC, multiplier], got ${formatShape(filter)}`);
      const c = spatial(inputShapes[0], op)[2];
      if (filter[2] !== c) throw new ShapeError(`filter ${formatShape(filter)} expects ${filter[2]} input channels, got ${c}`);
      expectVector(optionalParam(node, paramShapes, 'bias'), c * filter[3], 'bias');
      return convShape(node, inputShapes[0], filter, c * filter[3]);
    }
    case 'dense': {
      need(inputShapes, 1, op);
      const kernel = param(node, paramShapes, 'kernel');
      const x = inputShapes[0];
      if (kernel.length !== 2) throw new ShapeError(`kernel must be [in, out], got ${formatShape(kernel)}`);
      if (x.length < 1 || x[x.length - 1] !== kernel[0]) {
        throw new ShapeError(`kernel ${formatShape(kernel)} expects ${kernel[0]} input features, got ${formatShape(x)}`);
      }
      expectVector(optionalParam(node, paramShapes, 'bias'), kernel[1], 'bias');
      return [...x.slice(0, -1), kernel[1]];
    }
    case 'matMul': {
      need(inputShapes, 2, op);
      const [a, b] = inputShapes;
      if (a.length < 2 || b.length !== a.length) throw new ShapeError(`matMul needs two inputs of equal rank >= 2, got ${formatShape(a)} and ${formatShape(b)}`);
      const ta = boolAttr(node, 'transposeA', false);
      const tb = boolAttr(node, 'transposeB', false);
      const r = a.length;
      const [m, ka] = ta ? [a[r - 1], a[r - 2]] : [a[r - 2], a[r - 1]];
      const [kb, n] = tb ? [b[r - 1], b[r - 2]] : [b[r - 2], b[r - 1]];
      if (ka !== kb) throw new ShapeError(`matMul inner dimensions differ: ${ka} and ${kb}`);
      return [...broadcastShapes(a.slice(0, -2), b.slice(0, -2)), m, n];
    }
    case 'biasAdd': {
      need(inputShapes, 1, op);
      const x = inputShapes[0];
      expectVector(param(node, paramShapes, 'bias'), x[x.length - 1], 'bias');
      return [...x];
    }
    case 'scaleShift': {
      need(inputShapes, 1, op);
      const x = inputShapes[0];
      expectVector(param(node, paramShapes, 'scale'), x[x.length - 1], 'scale');
      expectVector(param(node, paramShapes, 'shift'), x[x.length - 1], 'shift');
      return [...x];
    }
    case 'prelu': {
      need(inputShapes, 1, op);
      const out = broadcastConstant(inputShapes[0], param(node, paramShapes, 'alpha'));
      if (out.some((d, i) => d !== inputShapes[0][i])) throw new ShapeError('prelu alpha must not enlarge the input');
      return out;
    }
    case 'maxPool':
    case 'avgPool': {
      need(inputShapes, 1, op);
      const size = numsAttr(node, 'size');
      if (size.length !== 2 || size.some((s) => !Number.isInteger(s) || s < 1)) throw new ShapeError('attribute "size" must be two positive integers');
      return convShape(node, inputShapes[0], size, spatial(inputShapes[0], op)[2]);
    }
    case 'globalAvgPool':
    case 'globalMaxPool': {
      need(inputShapes, 1, op);
      const c = spatial(inputShapes[0], op)[2];
      return boolAttr(node, 'keepDims', false) ? [1, 1, c] : [c];
    }
    case 'concat': {
      if (inputShapes.length < 1) throw new ShapeError('concat needs at least one input');
      const rank = inputShapes[0].length;
      const axis = normalizeAxis(numAttr(node, 'axis'), rank + 1);
      if (axis === 0) throw new ShapeError('concat along the batch axis is not supported');
      const out = [...inputShapes[0]];
      for (const s of inputShapes.slice(1)) {
        if (s.length !== rank || s.some((d, i) => i !== axis - 1 && d !== out[i])) {
          throw new ShapeError(`concat inputs ${formatShape(inputShapes[0])} and ${formatShape(s)} differ off axis ${axis}`);
        }
        out[axis - 1] += s[axis - 1];
      }
      return out;
    }
    case 'reshape': {
      need(inputShapes, 1, op);
      const target = numsAttr(node, 'shape');
      if (target.some((d) => !Number.isInteger(d) || d < 1)) throw new ShapeError(`reshape target ${formatShape(target)} must be positive integers`);
      if (shapeSize(target) !== shapeSize(inputShapes[0])) {
        throw new ShapeError(`cannot reshape ${formatShape(inputShapes[0])} to ${formatShape(target)}`);
      }
      return [...target];
    }
    case 'flatten':
      need(inputShapes, 1, op);
      return [shapeSize(inputShapes[0])];
    case 'transpose': {
      need(inputShapes, 1, op);
      const perm = numsAttr(node, 'perm');
      const x = inputShapes[0];
      const sorted = [...perm].sort((p, q) => p - q);
      if (perm.length !== x.length + 1 || sorted.some((p, i) => p !== i)) throw new ShapeError(`perm ${formatShape(perm)} is not a permutation of ${x.length + 1} axes`);
      if (perm[0] !== 0) throw new ShapeError('transpose must keep the batch axis first');
      return perm.slice(1).map((p) => x[p - 1]);
    }
    case 'pad': {
      need(inputShapes, 1, op);
      const pads = nestedNumsAttr(node, 'pads');
      const x = inputShapes[0];
      if (pads.length !== x.length || pads.some((p) => p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 0))) {
        throw new ShapeError(`pads must be ${x.length} [before, after] pairs of non-negative integers`);
      }
      strAttr(node, 'mode', ['constant', 'reflect', 'symmetric'] as const, 'constant');
      return x.map((d, i) => d + pads[i][0] + pads[i][1]);
    }
    case 'resize': {
      need(inputShapes, 1, op);
      const size = numsAttr(node, 'size');
      if (size.length !== 2 || size.some((s) => !Number.isInteger(s) || s < 1)) throw new ShapeError('attribute "size" must be two positive integers');
      strAttr(node, 'method', ['nearest', 'bilinear'] as const, 'bilinear');
      return [size[0], size[1], spatial(inputShapes[0], op)[2]];
    }
    case 'mean': {
      need(inputShapes, 1, op);
      const x = inputShapes[0];
      const axes = numsAttr(node, 'axes').map((a) => normalizeAxis(a, x.length + 1));
      if (axes.includes(0)) throw new ShapeError('mean over the batch axis is not supported');
      const keep = boolAttr(node, 'keepDims', false);
      return x.flatMap((d, i) => (axes.includes(i + 1) ? (keep ? [1] : []) : [d]));
    }
    case 'slice': {
      need(inputShapes, 1, op);
      const x = inputShapes[0];
      const begin = numsAttr(node, 'begin');
      const size = numsAttr(node, 'size');
      if (begin.length !== x.length + 1 || size.length !== x.length + 1) throw new ShapeError(`begin and size must have ${x.length + 1} entries (with batch)`);
      if (begin[0] !== 0 || size[0] !== -1) throw new ShapeError('slice must keep the whole batch axis (begin 0, size -1)');
      return x.map((d, i) => {
        const b = begin[i + 1];
        const s = size[i + 1] === -1 ? d - b : size[i + 1];
        if (b < 0 || s < 1 || b + s > d) throw new ShapeError(`slice [${b}, ${b + s}) is outside axis ${i + 1} of size ${d}`);
        return s;
      });
    }
    default:
      throw new ShapeError(`unknown op "${op as string}"`);
  }
}

/** The output shape of `node` given its inputs' and weights' shapes; throws ShapeError naming the inconsistency. */
export function inferOutputShape(node: ShapeNode, inputShapes: number[][], paramShapes: Record<string, number[]>): number[] {
  try {
    const out = inferUnchecked(node, inputShapes, paramShapes);
    if (out.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new ShapeError(`output shape ${formatShape(out)} is not positive (inputs ${inputShapes.map(formatShape).join(', ')})`);
    }
    return out;
  } catch (e) {
    if (e instanceof AttrError) throw new ShapeError(e.message);
    throw e;
  }
}
