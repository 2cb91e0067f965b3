import { MicroscopeError } from '@microscope/contracts';
import type { GraphIR } from '../ir/graph';

/**
 * The node whose units a unit picture of `layer` optimises: the layer itself, except for a softmax over channels,
 * whose input (the class logits) is optimised instead, as Lucid does. A softmax probability saturates: near 1 its
 * gradient vanishes, and in float32 it stops at exactly 1, so "more than any image" cannot even be expressed; and
 * raising a probability can be done by lowering the other classes, which pictures nothing about the class.
 */
export function optimisedNode(ir: GraphIR, layer: string): string {
  const node = ir.nodes.find((n) => n.name === layer);
  if (!node) throw new MicroscopeError('NOT_FOUND', `the model has no node "${layer}"`);
  if (node.op !== 'softmax' || node.inputs.length !== 1) return layer;
  const axis = typeof node.attrs.axis === 'number' ? node.attrs.axis : -1;
  const rank = node.outputShape.length;
  // Only a softmax across the channels (the last axis) turns units into probabilities of their own logits.
  if (axis !== -1 && axis !== rank) return layer;
  return node.inputs[0];
}
