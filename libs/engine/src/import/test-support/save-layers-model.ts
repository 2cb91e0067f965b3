import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * Test support: captures what `model.save` writes (model.json + weight shards) as an in-memory file map, optionally
 * split into several shards, and writes such a map to a temporary folder.
 */

export type FileMap = Record<string, string | Uint8Array>;

export interface SaveOptions {
  /** Number of shard files to split the weights into (default 1). */
  shards?: number;
}

export async function saveLayersModel(model: tf.LayersModel, options: SaveOptions = {}): Promise<FileMap> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts) throw new Error('model.save produced nothing');
  const data = artifacts.weightData;
  const bytes = new Uint8Array(Array.isArray(data) ? await new Blob(data).arrayBuffer() : (data as ArrayBuffer));
  return packModel(artifacts.modelTopology as object, artifacts.weightSpecs ?? [], bytes, options.shards ?? 1);
}

/** model.json + shard files for a topology and one weight group whose bytes are split evenly into `shards`. */
export function packModel(modelTopology: object, weights: tf.io.WeightsManifestEntry[], bytes: Uint8Array, shards = 1): FileMap {
  const files: FileMap = {};
  const paths: string[] = [];
  const size = Math.ceil(bytes.byteLength / shards);
  for (let i = 0; i < shards; i++) {
    const name = `group1-shard${i + 1}of${shards}.bin`;
    files[name] = bytes.slice(i * size, Math.min((i + 1) * size, bytes.byteLength));
    paths.push(name);
  }
  files['model.json'] = JSON.stringify({
    format: 'layers-model',
    generatedBy: 'microscope tests',
    modelTopology,
    weightsManifest: [{ paths, weights }],
  });
  return files;
}

export function writeModelFolder(files: FileMap): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'microscope-model-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}
