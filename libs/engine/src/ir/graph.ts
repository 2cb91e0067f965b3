/**
 * The one graph IR every model format is imported into. Channels-last (NHWC) throughout: importers convert.
 * Shapes exclude the batch dimension. Nodes are stored in topological order.
 */

/** Operations the executor runs. Importers lower their formats' ops onto these; extend here, then in the executor. */
export type OpType =
  | 'input'
  | 'conv2d' // params: filter [kh, kw, inC/groups, outC], bias? [outC]; attrs: strides, dilations, pads [top, bottom, left, right], groups
  | 'depthwiseConv2d' // params: filter [kh, kw, inC, multiplier], bias?; attrs: strides, dilations, pads
  | 'dense' // params: kernel [in, out], bias? [out]
  | 'matMul' // two inputs, each at least [M, K] without batch; attrs: transposeA, transposeB
  | 'biasAdd' // params: bias [C]
  | 'scaleShift' // params: scale [C], shift [C]: folded batch norm, y = x * scale + shift
  // Elementwise, broadcasting. Two tensor inputs must have the same rank. A constant operand is a param "constant"
  // (broadcast numpy-style against the batched tensor) and is the right operand unless attrs.constantFirst is true.
  | 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum'
  // Activations. attrs: leakyRelu alpha; elu alpha; hardSigmoid alpha, beta (clip(alpha*x+beta, 0, 1));
  // softmax axis (default -1); gelu approximate 'none' | 'tanh'; clip min, max; swish beta (x*sigmoid(beta*x)).
  | 'relu' | 'relu6' | 'leakyRelu' | 'elu' | 'selu' | 'sigmoid' | 'hardSigmoid' | 'tanh' | 'softmax' | 'softplus' | 'swish' | 'hardSwish' | 'gelu' | 'clip'
  | 'softsign' | 'mish'
  | 'prelu' // params: alpha (broadcast like a constant operand)
  | 'maxPool' | 'avgPool' // attrs: size [kh, kw], strides, pads, countIncludePad
  | 'globalAvgPool' | 'globalMaxPool' // attrs: keepDims
  | 'lrn' // attrs: radius, bias, alpha, beta (tf.localResponseNormalization semantics)
  | 'concat' // attrs: axis (NHWC axis, batch = 0)
  | 'reshape' // attrs: shape (without batch)
  | 'flatten'
  | 'transpose' // attrs: perm (with batch)
  | 'pad' // attrs: pads [[before, after] per non-batch axis], value, mode? 'constant' | 'reflect' | 'symmetric'
  | 'resize' // attrs: size [h, w], method 'nearest' | 'bilinear', alignCorners, halfPixelCenters
  | 'mean' // attrs: axes (with batch), keepDims
  | 'slice' // attrs: begin, size (with batch; -1 = to the end)
  | 'identity';

export type AttrValue = number | string | boolean | number[] | number[][] | null;

export interface WeightTensor {
  shape: number[];
  data: Float32Array;
}

export interface IRNode {
  /** Unique name; layer names in the UI are node names. */
  name: string;
  op: OpType;
  /** Names of the nodes whose outputs feed this one, in operand order. */
  inputs: string[];
  attrs: Record<string, AttrValue>;
  /** Role → weight name in GraphIR.weights ("filter", "bias", "scale", "shift", "kernel", "constant"). */
  params: Record<string, string>;
  /** Output shape without the batch dimension (NHWC: [H, W, C]; dense: [C]). */
  outputShape: number[];
  /**
   * True for nodes shown as layers: the outputs a person would call a layer (after its activation), not the
   * pre-activation intermediates an importer creates when it splits one source layer into several ops.
   */
  isLayer: boolean;
}

export type SourceFormat = 'tfjs-layers' | 'tfjs-graph' | 'onnx';

export interface GraphIR {
  format: SourceFormat;
  /** The single image input: its node name and [H, W, C]. */
  input: { name: string; shape: [number, number, number] };
  nodes: IRNode[];
  weights: Record<string, WeightTensor>;
  /** Names of the graph's final outputs. */
  outputs: string[];
}
