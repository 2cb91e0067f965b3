import { FOLDERS } from './fold';
import { CONVERTERS } from './ops/registry';

/**
 * The operators the importer accepts: converted on computed tensors, or evaluated at import when all their inputs
 * are constants (shape arithmetic). Erf is accepted only inside the GELU pattern x * 0.5 * (1 + erf(x / sqrt 2)).
 */
export const SUPPORTED_ONNX_OPS: { converted: string[]; foldedOnly: string[] } = {
  converted: Object.keys(CONVERTERS).sort(),
  foldedOnly: Object.keys(FOLDERS).filter((op) => !(op in CONVERTERS)).sort(),
};
