import type { GraphIR, OpType } from '../ir/graph';

export interface LayerInfo {
  name: string;
  op: OpType;
  /** Without the batch axis. */
  outputShape: number[];
  /** Channels (units) of the layer: its last dimension. */
  unitCount: number;
  /** Position in the returned list, in execution order. */
  index: number;
}

/**
 * Ops that only move values around: their "units" are the previous layer's values in another arrangement (a
 * Flatten of 7×7×16 would show 784 units that are the same numbers), so they are never shown as layers.
 */
const REARRANGING: ReadonlySet<OpType> = new Set<OpType>(['flatten', 'reshape', 'transpose', 'identity', 'pad', 'slice']);

/** The layers a person browses: nodes marked isLayer that have a channel axis and compute something, in execution order. */
export function listLayers(ir: GraphIR): LayerInfo[] {
  return ir.nodes
    .filter((n) => n.isLayer && n.outputShape.length >= 1 && !REARRANGING.has(n.op))
    .map((n, index) => ({
      name: n.name,
      op: n.op,
      outputShape: [...n.outputShape],
      unitCount: n.outputShape[n.outputShape.length - 1],
      index,
    }));
}
