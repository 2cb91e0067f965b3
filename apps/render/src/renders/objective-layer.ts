import type { GraphIR, IRNode, OpType } from '@microscope/engine';

/**
 * Per-channel monotone activations: a unit's pre-activation rises and falls with it. Not softmax, which couples
 * the channels (a logit can rise while its probability falls).
 */
const ACTIVATIONS: ReadonlySet<OpType> = new Set<OpType>(['relu', 'relu6', 'leakyRelu', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'tanh', 'clip']);
/** Per-channel pooling: a channel's mean over positions follows its input's. */
const POOLS: ReadonlySet<OpType> = new Set<OpType>(['maxPool', 'avgPool', 'globalAvgPool', 'globalMaxPool']);

/**
 * The node a unit objective should read to visualise `layer`: below the layer's activation (and, for channel
 * objectives, its pooling), as Lucid optimises "mixed4a_pre_relu" rather than "mixed4a": a ReLU that is off on
 * the grey start image passes no gradient, so its unit would never leave grey. Walks down
 * through single-input activations (and pools) to the first node that computes something else.
 */
export function objectiveNode(ir: GraphIR, layer: string, reduce: 'channel' | 'neuron'): string {
  const byName = new Map(ir.nodes.map((n) => [n.name, n]));
  const passes = (node: IRNode): boolean => node.inputs.length === 1 && (ACTIVATIONS.has(node.op) || (reduce === 'channel' && POOLS.has(node.op)));
  let node = byName.get(layer);
  while (node && passes(node)) {
    const below = byName.get(node.inputs[0]);
    if (!below || below.op === 'input') break;
    node = below;
  }
  return node?.name ?? layer;
}
