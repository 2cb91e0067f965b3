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

/** The layers a person browses: nodes marked isLayer that have a channel axis, in execution order. */
export function listLayers(ir: GraphIR): LayerInfo[] {
  return ir.nodes
    .filter((n) => n.isLayer && n.outputShape.length >= 1)
    .map((n, index) => ({
      name: n.name,
      op: n.op,
      outputShape: [...n.outputShape],
      unitCount: n.outputShape[n.outputShape.length - 1],
      index,
    }));
}
