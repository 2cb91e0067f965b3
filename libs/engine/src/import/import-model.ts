import { MicroscopeError, type ModelFormat } from '@microscope/contracts';
import type { GraphIR } from '../ir/graph';
import type { ModelFiles } from './model-files';
import { importTfjsGraphModel } from './tfjs-graph';
import { importTfjsLayersModel } from './tfjs-layers';
import { importOnnx } from './onnx';

/** What every importer accepts, whatever the format. */
export interface ModelImportOptions {
  /** [H, W, C] for models whose stored input size leaves dimensions open; fixed dimensions must agree. */
  inputShape?: [number, number, number];
}

/** One entry point for every model format: the apps call this and never a format's importer directly. */
export async function importModel(format: ModelFormat, files: ModelFiles, options: ModelImportOptions = {}): Promise<GraphIR> {
  switch (format) {
    case 'tfjs-layers':
      return importTfjsLayersModel(files, options);
    case 'tfjs-graph':
      return importTfjsGraphModel(files, options);
    // ONNX branch (ONNX importer owner): the .onnx file is read as "model.onnx"; its external data beside it.
    case 'onnx':
      return importOnnx(files, options);
    default:
      throw new MicroscopeError('UNSUPPORTED', `importing ${format} models is not supported yet`);
  }
}
