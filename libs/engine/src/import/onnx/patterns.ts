import type { GraphIndex } from './context';
import type { onnx } from './proto';

/**
 * Rewrites of ONNX subgraphs into single ops before conversion. Exporters before opset 20 spell GELU as
 * x * 0.5 * (1 + erf(x / sqrt(2))) in five nodes; it becomes one Gelu so the executor needs no Erf.
 */

/** Resolves a value to a scalar when it is a known constant (initializer or Constant node). */
export type ScalarOf = (value: string) => number | undefined;

const near = (a: number | undefined, b: number): boolean => a !== undefined && Math.abs(a - b) <= 1e-4 * Math.abs(b);

/** The other operand of a binary node when one operand is the constant `c`. */
function otherOperand(n: onnx.INodeProto, scalarOf: ScalarOf, c: number): string | undefined {
  const [a, b] = n.input ?? [];
  if (near(scalarOf(b), c)) return a;
  if (near(scalarOf(a), c)) return b;
  return undefined;
}

export function fuseGelu(order: onnx.INodeProto[], index: GraphIndex, scalarOf: ScalarOf): onnx.INodeProto[] {
  const consumersOf = new Map<string, onnx.INodeProto[]>();
  for (const n of order) {
    for (const i of n.input ?? []) {
      if (!i) continue;
      const list = consumersOf.get(i);
      if (list) list.push(n);
      else consumersOf.set(i, [n]);
    }
  }
  /** The single consumer of a value that nothing else (not even a graph output) reads. */
  const soleConsumer = (value: string): onnx.INodeProto | undefined => {
    const cs = consumersOf.get(value) ?? [];
    return cs.length === 1 && (index.consumers.get(value) ?? 0) === 1 ? cs[0] : undefined;
  };

  const removed = new Set<onnx.INodeProto>();
  const replacement = new Map<onnx.INodeProto, onnx.INodeProto>();
  for (const erf of order) {
    if (erf.opType !== 'Erf') continue;
    const scaled = index.producers.get(erf.input?.[0] ?? '');
    if (!scaled || soleConsumer(erf.input![0]) !== erf) continue;
    const x =
      scaled.opType === 'Div' ? otherOperandOrdered(scaled, scalarOf, Math.SQRT2) : scaled.opType === 'Mul' ? otherOperand(scaled, scalarOf, Math.SQRT1_2) : undefined;
    if (!x) continue;
    const plusOne = soleConsumer(erf.output![0]);
    if (!plusOne || plusOne.opType !== 'Add' || otherOperand(plusOne, scalarOf, 1) !== erf.output![0]) continue;
    const gate = plusOne.output![0];
    const times = soleConsumer(gate);
    if (!times || times.opType !== 'Mul') continue;
    const partner = times.input![0] === gate ? times.input![1] : times.input![0];
    let last: onnx.INodeProto | undefined;
    const extra: onnx.INodeProto[] = [];
    if (partner === x) {
      // (x * gate) * 0.5
      const half = soleConsumer(times.output![0]);
      if (half?.opType === 'Mul' && otherOperand(half, scalarOf, 0.5) === times.output![0]) last = half;
    } else {
      // (x * 0.5) * gate
      const halfX = index.producers.get(partner);
      if (halfX?.opType === 'Mul' && otherOperand(halfX, scalarOf, 0.5) === x && soleConsumer(partner) === times) {
        last = times;
        extra.push(halfX);
      }
    }
    if (!last) continue;
    for (const n of [scaled, erf, plusOne, times, last, ...extra]) removed.add(n);
    replacement.set(last, { name: last.name || erf.name, opType: 'Gelu', domain: '', input: [x], output: [last.output![0]], attribute: [] });
  }
  if (removed.size === 0) return order;
  return order.flatMap((n) => (replacement.has(n) ? [replacement.get(n)!] : removed.has(n) ? [] : [n]));
}

/** For Div(x, c): only the divisor may be the constant. */
function otherOperandOrdered(n: onnx.INodeProto, scalarOf: ScalarOf, c: number): string | undefined {
  const [a, b] = n.input ?? [];
  return near(scalarOf(b), c) ? a : undefined;
}
