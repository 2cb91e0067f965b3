import { MicroscopeError, type ModelFormat } from '@microscope/contracts';
import type { GraphIR } from '../ir/graph';
import type { ModelFiles } from './model-files';
import { importTfjsLayersModel } from './tfjs-layers';

/** One entry point for every model format: the apps call this and never a format's importer directly. */
export async function importModel(format: ModelFormat, files: ModelFiles): Promise<GraphIR> {
  switch (format) {
    case 'tfjs-layers':
      return importTfjsLayersModel(files);
    default:
      throw new MicroscopeError('UNSUPPORTED', `importing ${format} models is not supported yet`);
  }
}
