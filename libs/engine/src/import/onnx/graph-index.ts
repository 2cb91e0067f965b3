import { MicroscopeError } from '@microscope/contracts';
import type { GraphIndex } from './context';
import type { onnx } from './proto';

/** Describes a node in messages: `node "name" (OpType)`. */
export const describeNode = (n: onnx.INodeProto, i: number): string => `node "${n.name || n.output?.[0] || `#${i}`}" (${n.opType || '?'})`;

/**
 * Orders nodes so each comes after the producers of its inputs (ONNX requires it, not every exporter obeys) and
 * indexes producers and consumers. A value produced twice, or read but never produced, or a cycle, is an error.
 */
export function indexGraph(nodes: onnx.INodeProto[], available: ReadonlySet<string>, graphOutputs: readonly string[]): { order: onnx.INodeProto[]; index: GraphIndex } {
  const producers = new Map<string, onnx.INodeProto>();
  const producerIndex = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const out of n.output ?? []) {
      if (!out) continue;
      if (producers.has(out) || available.has(out)) throw new MicroscopeError('INVALID_MODEL', `${describeNode(n, i)} writes "${out}", which is already defined`);
      producers.set(out, n);
      producerIndex.set(out, i);
    }
  });

  const consumers = new Map<string, number>();
  const waitingOn = new Array<number>(nodes.length).fill(0);
  const dependents = new Map<number, number[]>();
  nodes.forEach((n, i) => {
    for (const input of n.input ?? []) {
      if (!input) continue;
      consumers.set(input, (consumers.get(input) ?? 0) + 1);
      if (available.has(input)) continue;
      const p = producerIndex.get(input);
      if (p === undefined) throw new MicroscopeError('INVALID_MODEL', `${describeNode(n, i)} reads "${input}", which no node, input or initializer defines`);
      waitingOn[i]++;
      const list = dependents.get(p);
      if (list) list.push(i);
      else dependents.set(p, [i]);
    }
  });
  for (const out of graphOutputs) {
    consumers.set(out, (consumers.get(out) ?? 0) + 1);
    if (!available.has(out) && !producers.has(out)) throw new MicroscopeError('INVALID_MODEL', `the graph output "${out}" is not computed by any node`);
  }

  // Kahn's algorithm, keeping the file's order among ready nodes.
  const ready: number[] = [];
  waitingOn.forEach((w, i) => w === 0 && ready.push(i));
  const order: onnx.INodeProto[] = [];
  const done = new Array<boolean>(nodes.length).fill(false);
  for (let k = 0; k < ready.length; k++) {
    const i = ready[k];
    done[i] = true;
    order.push(nodes[i]);
    for (const d of dependents.get(i) ?? []) if (--waitingOn[d] === 0) ready.push(d);
  }
  if (order.length !== nodes.length) {
    const stuck = nodes.map((n, i) => (done[i] ? null : describeNode(n, i))).filter(Boolean).slice(0, 5);
    throw new MicroscopeError('INVALID_MODEL', `the graph has a cycle through ${stuck.join(', ')}${nodes.length - order.length > 5 ? ', …' : ''}`);
  }
  return { order, index: { consumers, producers, graphOutputs: new Set(graphOutputs) } };
}
