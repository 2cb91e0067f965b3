import { createHash } from 'node:crypto';
import { MicroscopeError, type ModelFormat } from '@microscope/contracts';

/** A model's files by name, whole in memory: model.json, weight shards, ONNX files. */
export type FileSet = Map<string, Buffer>;

/** Which importer a set of files needs: TF.js layers / graph models by their model.json, ONNX by extension. */
export function detectFormat(files: FileSet): { format: ModelFormat; entry: string } {
  const onnx = [...files.keys()].filter((n) => n.toLowerCase().endsWith('.onnx'));
  if (onnx.length > 1) throw new MicroscopeError('INVALID_MODEL', `upload holds several .onnx files (${onnx.join(', ')}): upload one model at a time`);
  if (onnx.length === 1) return { format: 'onnx', entry: onnx[0] };
  const json = files.get('model.json');
  if (!json) throw new MicroscopeError('INVALID_MODEL', 'upload holds neither a model.json (TF.js) nor a .onnx file');
  let parsed: { format?: string; modelTopology?: { node?: unknown; class_name?: unknown; model_config?: unknown } };
  try {
    parsed = JSON.parse(json.toString('utf8'));
  } catch (e) {
    throw new MicroscopeError('INVALID_MODEL', `model.json is not valid JSON (${(e as Error).message})`);
  }
  const topology = parsed?.modelTopology;
  if (!topology || typeof topology !== 'object') throw new MicroscopeError('INVALID_MODEL', 'model.json has no "modelTopology"');
  const isGraph = parsed.format === 'graph-model' || Array.isArray(topology.node);
  return { format: isGraph ? 'tfjs-graph' : 'tfjs-layers', entry: 'model.json' };
}

/** SHA-256 over the sorted (name, SHA-256 of bytes) pairs: the same files give the same version hash. */
export function contentHashOf(files: FileSet): string {
  const outer = createHash('sha256');
  for (const name of [...files.keys()].sort()) {
    outer.update(name).update('\0').update(createHash('sha256').update(files.get(name)!).digest('hex')).update('\n');
  }
  return outer.digest('hex');
}
