import { MicroscopeError } from '@microscope/contracts';
import type { NodeAttributes } from '../attributes';
import type { ConversionContext } from '../context';
import type { onnx } from '../proto';

/** Everything an op converter needs about one ONNX node. */
export interface NodeInfo {
  node: onnx.INodeProto;
  opType: string;
  attrs: NodeAttributes;
  /** Input value names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  /** `node "name" (OpType)`, for messages. */
  where: string;
}

/** Converts one ONNX node: reads its inputs from the context, emits IR nodes, assigns its outputs. */
export type OpConverter = (info: NodeInfo, ctx: ConversionContext) => void;

export const unsupported = (info: Pick<NodeInfo, 'where'>, message: string): MicroscopeError =>
  new MicroscopeError('UNSUPPORTED', `${info.where}: ${message}`);

export const invalid = (info: Pick<NodeInfo, 'where'>, message: string): MicroscopeError =>
  new MicroscopeError('INVALID_MODEL', `${info.where}: ${message}`);

/** The IR name for output `i` of a node: its ONNX node name, else the output's value name. */
export function outputName(info: NodeInfo, ctx: ConversionContext, i = 0): string {
  const base = info.node.name || info.outputs[i] || info.opType;
  return ctx.name(info.outputs.length > 1 ? `${base}:${i}` : base);
}

/** Fails when an output other than the first is read by anything (masks, indices, running statistics). */
export function onlyFirstOutputUsed(info: NodeInfo, ctx: ConversionContext): void {
  for (const out of info.outputs.slice(1)) {
    if (out && ctx.consumerCount(out) > 0) throw unsupported(info, `its output "${out}" is used; only the first output of ${info.opType} is supported`);
  }
}
