import { MicroscopeError } from '@microscope/contracts';
import { GraphBuilder, type NodeSpec } from '../../ir/builder';
import type { WeightTensor } from '../../ir/graph';
import { shapeSize } from '../../ir/shapes';
import type { ConstTensor } from './const-tensor';
import { irShapeOf, layoutsCoincide, NCHW_TO_NHWC_PERM, NHWC_TO_NCHW_PERM, onnxShapeOf } from './layout';
import { checkedSize, MAX_ACTIVATION_ELEMENTS } from './limits';
import type { onnx } from './proto';

/**
 * What a converted node's output is for the layer list: activations, pools, concatenations and merges are layers;
 * a linear op (conv, dense) or an affine one (batch norm, bias) is a layer unless an activation or another affine
 * op directly follows it; reshapes and the like never are. Resolved once the whole graph is built.
 */
export type Role = 'activation' | 'layer' | 'linear' | 'affine' | 'internal';

/** An ONNX value during conversion: known at import, or computed from the image by an IR node. */
export type OnnxValue = { kind: 'const'; tensor: ConstTensor } | RuntimeValue;

export interface RuntimeValue {
  kind: 'tensor';
  /** The IR node holding the value (channels-last when rank is 4). */
  node: string;
  /** ONNX rank, batch included. */
  rank: number;
}

/** Who produces and who reads each ONNX value. */
export interface GraphIndex {
  /** value → how many node inputs and graph outputs read it */
  consumers: ReadonlyMap<string, number>;
  producers: ReadonlyMap<string, onnx.INodeProto>;
  graphOutputs: ReadonlySet<string>;
}

type EmitSpec = Omit<NodeSpec, 'isLayer'>;

/** A conv / dense node whose weights the importer created, so a following BatchNormalization can fold into them. */
export interface FoldableLinear {
  kernel: WeightTensor;
  bias?: WeightTensor;
  outChannels: number;
}

export class ConversionContext {
  readonly builder = new GraphBuilder('onnx');
  readonly roles = new Map<string, Role>();
  /** IR node → the ONNX value it computes (the first one assigned; aliases such as Identity share the node). */
  readonly onnxValueOf = new Map<string, string>();
  readonly foldable = new Map<string, FoldableLinear>();
  private readonly values = new Map<string, OnnxValue>();
  private readonly onnxOrderCache = new Map<string, string>();

  /**
   * batchSize: the model's fixed batch size, else 1. Shape arithmetic is folded with it; the IR itself has no
   * batch axis, so a folded Reshape target's first entry is read as "the batch".
   */
  constructor(
    readonly opset: number,
    private readonly index: GraphIndex,
    readonly batchSize: number,
  ) {}

  // ----- values -----

  has(value: string): boolean {
    return this.values.has(value);
  }

  get(value: string, where: string): OnnxValue {
    const v = this.values.get(value);
    if (!v) throw new MicroscopeError('INVALID_MODEL', `${where} reads "${value}", which nothing before it produces`);
    return v;
  }

  runtime(value: string, where: string): RuntimeValue {
    const v = this.get(value, where);
    if (v.kind !== 'tensor') {
      throw new MicroscopeError('UNSUPPORTED', `${where}: input "${value}" is a constant where a tensor computed from the image is expected`);
    }
    return v;
  }

  constant(value: string, where: string, what: string): ConstTensor {
    const v = this.get(value, where);
    if (v.kind !== 'const') {
      throw new MicroscopeError('UNSUPPORTED', `${where}: ${what} ("${value}") must be known at import time, but it is computed from the image`);
    }
    return v.tensor;
  }

  /** An optional constant input: absent when the name is empty or missing. */
  optionalConstant(value: string | undefined, where: string, what: string): ConstTensor | undefined {
    return value ? this.constant(value, where, what) : undefined;
  }

  setConst(name: string, tensor: ConstTensor): void {
    this.values.set(name, { kind: 'const', tensor });
  }

  setRuntime(name: string, node: string, rank: number): void {
    const perImage = this.builder.shapeOf(node);
    checkedSize(perImage, `the tensor "${name}"`, MAX_ACTIVATION_ELEMENTS);
    if (perImage.length + 1 !== rank) throw new MicroscopeError('INTERNAL', `"${name}" has IR shape [${perImage}] but ONNX rank ${rank}`);
    this.values.set(name, { kind: 'tensor', node, rank });
    if (!this.onnxValueOf.has(node)) this.onnxValueOf.set(node, name);
  }

  /** ONNX per-image shape of a runtime value. */
  onnxShape(v: RuntimeValue): number[] {
    return onnxShapeOf(this.builder.shapeOf(v.node));
  }

  irShape(v: RuntimeValue): number[] {
    return this.builder.shapeOf(v.node);
  }

  /** How many consumers (node inputs and graph outputs) read an ONNX value. */
  consumerCount(value: string): number {
    return this.index.consumers.get(value) ?? 0;
  }

  isGraphOutput(value: string): boolean {
    return this.index.graphOutputs.has(value);
  }

  /** The ONNX node that produces a value, if a node does. */
  producerOf(value: string): onnx.INodeProto | undefined {
    return this.index.producers.get(value);
  }

  // ----- emitting -----

  name(base: string): string {
    return this.builder.uniqueName(base);
  }

  weight(base: string, dims: number[], data: Float32Array): string {
    return this.builder.addWeight(base, { shape: dims, data });
  }

  /** Registers `tensor` itself (not a copy), so its data can still be adjusted while converting. */
  addWeight(base: string, tensor: WeightTensor): string {
    return this.builder.addWeight(base, tensor);
  }

  emit(spec: EmitSpec, role: Role): string {
    const name = this.builder.add({ ...spec, isLayer: false });
    this.roles.set(name, role);
    return name;
  }

  /** The IR node holding `v`'s data in ONNX axis order (NCHW for rank 4); cached per value. */
  toOnnxOrder(v: RuntimeValue): string {
    if (v.rank !== 4) return v.node;
    const cached = this.onnxOrderCache.get(v.node);
    if (cached) return cached;
    const shape = this.onnxShape(v);
    const name = this.name(`${v.node}/nchw`);
    const node = layoutsCoincide(shape)
      ? this.emit({ name, op: 'reshape', inputs: [v.node], attrs: { shape } }, 'internal')
      : this.emit({ name, op: 'transpose', inputs: [v.node], attrs: { perm: NHWC_TO_NCHW_PERM } }, 'internal');
    this.onnxOrderCache.set(v.node, node);
    return node;
  }

  /**
   * Emits `spec`, which computes data in ONNX axis order with per-image shape `onnxShape`, and for a rank-4 result
   * the step back to channels-last. The last node is named `name`.
   */
  emitInOnnxOrder(name: string, spec: Omit<EmitSpec, 'name'>, onnxShape: number[], role: Role): string {
    if (onnxShape.length !== 3) return this.emit({ ...spec, name }, role);
    const coincide = layoutsCoincide(onnxShape);
    if (coincide && spec.op === 'reshape') return this.emit({ ...spec, name, attrs: { ...spec.attrs, shape: irShapeOf(onnxShape) } }, role);
    const inner = this.emit({ ...spec, name: this.name(`${name}/nchw`) }, 'internal');
    return coincide
      ? this.emit({ name, op: 'reshape', inputs: [inner], attrs: { shape: irShapeOf(onnxShape) } }, role)
      : this.emit({ name, op: 'transpose', inputs: [inner], attrs: { perm: NCHW_TO_NHWC_PERM } }, role);
  }

  /** Reshapes a runtime value to a new ONNX per-image shape (same element count), keeping the layout rules. */
  reshape(name: string, v: RuntimeValue, onnxShape: number[], role: Role = 'internal'): string {
    if (shapeSize(onnxShape) !== shapeSize(this.onnxShape(v))) {
      throw new MicroscopeError('INVALID_MODEL', `cannot reshape [${this.onnxShape(v)}] to [${onnxShape}]`);
    }
    // A vector-like image has the same flat order in both layouts: no transpose needed.
    const source = v.rank === 4 && layoutsCoincide(this.onnxShape(v)) ? v.node : this.toOnnxOrder(v);
    if (onnxShape.length === 1) return this.emit({ name, op: 'flatten', inputs: [source] }, role);
    return this.emitInOnnxOrder(name, { op: 'reshape', inputs: [source], attrs: { shape: onnxShape } }, onnxShape, role);
  }
}
