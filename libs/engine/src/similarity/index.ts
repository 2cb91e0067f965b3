/**
 * Similarity math on activation matrices (probe images × units) of a shared probe set: unit ↔ unit correlation,
 * best matches and one-to-one matching, and layer ↔ layer similarity (linear / debiased / minibatch CKA, SVCCA).
 */
export { matrix, transpose, type FloatArray, type Matrix } from './matrix';
export { spatiallyFlattened, spatiallyPooled, type ActivationShape } from './activation-layout';
export { columnsOf, rowsOf, type CrossProduct, type Operand } from './operand';
export { float64CrossProduct } from './float64-cross-product';
export { fastestCrossProduct, tfjsCrossProduct } from './tfjs-cross-product';
export { columnStats, type ColumnStats } from './column-stats';
export {
  pearsonCorrelation,
  type CorrelationBlock,
  type CorrelationOptions,
  type CorrelationResult,
} from './correlation';
export { TopMatchAccumulator, topMatches, type MatchList, type TopMatches, type TopMatchOptions } from './top-matches';
export { hungarianMatch, type Assignment, type HungarianOptions } from './hungarian';
export { symmetricEigen, symmetricEigenvalues, type SymmetricEigen } from './symmetric-eigen';
export {
  LAYER_METRICS,
  type LayerMetric,
  type LayerSimilarityOptions,
  type RepresentationSpace,
} from './layer-options';
export { prepareLayer, type PreparedLayer } from './prepared-layer';
export {
  compareLayers,
  comparePreparedLayers,
  debiasedCKA,
  layerSimilarityMatrix,
  linearCKA,
  svcca,
  type LayerSimilarity,
  type LayerSimilarityMatrix,
  type SvccaResult,
} from './layer-similarity';
export { MinibatchCKA, batchRanges, minibatchCKA, type MinibatchOptions } from './minibatch-cka';
