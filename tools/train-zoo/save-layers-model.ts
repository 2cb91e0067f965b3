/**
 * Saves a TF.js layers model as files — `model.json` plus one `weights.bin` — through `tf.io.withSaveHandler`
 * (tfjs has no file:// handler without tfjs-node). The output is a function of the weights only, so the same
 * training run writes the same bytes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

export interface SavedModelFiles {
  /** File names inside the directory, model.json first. */
  files: string[];
  bytes: number;
}

export async function saveLayersModel(model: tf.LayersModel, directory: string): Promise<SavedModelFiles> {
  let written: SavedModelFiles | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      if (!artifacts.weightSpecs || artifacts.weightData === undefined) throw new Error(`${model.name}: no weights to save`);
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs }],
      };
      const json = `${JSON.stringify(modelJson)}\n`;
      mkdirSync(directory, { recursive: true });
      writeFileSync(join(directory, MODEL_JSON), json);
      writeFileSync(join(directory, WEIGHTS_BIN), weights);
      written = { files: [MODEL_JSON, WEIGHTS_BIN], bytes: Buffer.byteLength(json) + weights.byteLength };
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  if (!written) throw new Error(`${model.name}: the save handler was not called`);
  return written;
}
