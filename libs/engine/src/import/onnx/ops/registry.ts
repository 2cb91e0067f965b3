import { ACTIVATION_CONVERTERS } from './activation';
import type { OpConverter } from './converter';
import { ELEMENTWISE_CONVERTERS } from './elementwise';
import { convertBatchNorm, convertConv, convertGemm, convertMatMul } from './linear';
import { POOL_CONVERTERS } from './pool';
import { REDUCE_CONVERTERS } from './reduce';
import { RESIZE_CONVERTERS } from './resize';
import { SHAPE_CONVERTERS } from './shape';

/** Every ONNX operator the importer converts on tensors computed from the image. */
export const CONVERTERS: Readonly<Record<string, OpConverter>> = {
  Conv: convertConv,
  Gemm: convertGemm,
  MatMul: convertMatMul,
  BatchNormalization: convertBatchNorm,
  ...ACTIVATION_CONVERTERS,
  ...ELEMENTWISE_CONVERTERS,
  ...POOL_CONVERTERS,
  ...SHAPE_CONVERTERS,
  ...RESIZE_CONVERTERS,
  ...REDUCE_CONVERTERS,
};
