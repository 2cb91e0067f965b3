import type { GraphIR, IRNode } from '../../ir/graph';
import type { Role } from './context';

/**
 * Drops nodes nothing needs (a Sigmoid fused into a swish, unused Split outputs) and marks layers from the roles
 * converters gave their nodes: a linear or affine node is a layer unless its only consumer is an activation or
 * another affine op (then that consumer is the layer a person means).
 */
export function finalizeLayers(ir: GraphIR, roles: ReadonlyMap<string, Role>): GraphIR {
  const byName = new Map(ir.nodes.map((n) => [n.name, n]));
  const needed = new Set<string>([ir.input.name]);
  const stack = [...ir.outputs];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (needed.has(name)) continue;
    needed.add(name);
    stack.push(...byName.get(name)!.inputs);
  }
  const nodes = ir.nodes.filter((n) => needed.has(n.name));

  const consumers = new Map<string, IRNode[]>();
  for (const n of nodes) {
    for (const i of n.inputs) {
      const list = consumers.get(i);
      if (list) list.push(n);
      else consumers.set(i, [n]);
    }
  }
  const outputs = new Set(ir.outputs);
  for (const n of nodes) {
    const role = roles.get(n.name) ?? 'internal';
    if (role === 'activation' || role === 'layer') n.isLayer = true;
    else if (role === 'linear' || role === 'affine') {
      const next = consumers.get(n.name) ?? [];
      const absorbed = next.length === 1 && ['activation', 'affine'].includes(roles.get(next[0].name) ?? 'internal');
      n.isLayer = outputs.has(n.name) || !absorbed;
    } else n.isLayer = false;
  }

  const usedWeights = new Set(nodes.flatMap((n) => Object.values(n.params)));
  const weights = Object.fromEntries(Object.entries(ir.weights).filter(([name]) => usedWeights.has(name)));
  return { ...ir, nodes, weights };
}
