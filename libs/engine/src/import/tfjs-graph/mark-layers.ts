import type { GraphIR, IRNode, OpType } from '../../ir/graph';
import { isElementwiseBinary } from '../../ir/shapes';

/**
 * Which nodes of an imported graph a person would call layers. A graph has no layer boundaries, so: the outputs of
 * convolutions, dense layers, activations, pools, concats and adds are layers, except a node whose only consumer
 * merely continues it (bias, folded batch norm, activation, arithmetic with a constant) — the conv feeding its
 * BiasAdd and Relu is not a layer, the Relu is — and except the inside of gating activations (x * sigmoid(x),
 * x * relu6(x + 3) / 6), whose product is the layer.
 */

const ACTIVATIONS: ReadonlySet<OpType> = new Set<OpType>([
  'relu', 'relu6', 'leakyRelu', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'tanh', 'softmax', 'softplus', 'swish',
  'hardSwish', 'gelu', 'clip', 'softsign', 'mish', 'prelu',
]);

const CANDIDATES: ReadonlySet<OpType> = new Set<OpType>([
  ...ACTIVATIONS, 'conv2d', 'depthwiseConv2d', 'dense', 'matMul', 'biasAdd', 'scaleShift', 'add', 'sub', 'mul', 'div',
  'maximum', 'minimum', 'maxPool', 'avgPool', 'globalAvgPool', 'globalMaxPool', 'mean', 'concat', 'resize', 'lrn',
]);

/** An op that takes one tensor and transforms it without mixing in another run-time tensor. */
function continues(node: IRNode): boolean {
  if (ACTIVATIONS.has(node.op) || node.op === 'biasAdd' || node.op === 'scaleShift') return true;
  return isElementwiseBinary(node.op) && node.inputs.length === 1 && node.params.constant !== undefined;
}

export function markGraphLayers(ir: GraphIR): void {
  const byName = new Map(ir.nodes.map((n) => [n.name, n]));
  const consumers = new Map<string, IRNode[]>();
  for (const n of ir.nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);

  const gated = new Set<string>();
  for (const m of ir.nodes) {
    if (m.op !== 'mul' || m.inputs.length !== 2) continue;
    for (const [gate, other] of [[m.inputs[0], m.inputs[1]], [m.inputs[1], m.inputs[0]]]) {
      const chain: string[] = [];
      let cur = byName.get(other);
      while (cur && cur.name !== gate && continues(cur) && cur.inputs.length === 1) {
        chain.push(cur.name);
        cur = byName.get(cur.inputs[0]);
      }
      if (cur?.name === gate && chain.length > 0) [gate, ...chain].forEach((n) => gated.add(n));
    }
  }

  for (const n of ir.nodes) {
    const uses = consumers.get(n.name) ?? [];
    const continued = uses.length === 1 && continues(uses[0]);
    n.isLayer = CANDIDATES.has(n.op) && !gated.has(n.name) && !continued;
  }
}
