/**
 * `zoo.json`: the demo zoo's manifest — every model version with what the catalog needs to register it
 * (name, architecture, label, ordinal, format, input, preprocessing, training metadata) and where its files are.
 * Deterministic: no dates or timings, so retraining with the same code writes the same file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { InputSpec, ModelFormat, Preprocessing, Slug, TrainingMetadata } from '@microscope/contracts';

export const ZOO_MANIFEST_FILE = 'zoo.json';
export const ZOO_SOURCE = 'Microscope demo zoo (tools/train-zoo)';

export const ZooFile = z.object({
  /** Path relative to the directory holding zoo.json. */
  path: z.string().min(1),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ZooFile = z.infer<typeof ZooFile>;

export const ZooVersion = z.object({
  model: Slug,
  architecture: z.string(),
  label: Slug,
  /** Position in the model's chain of checkpoints. */
  ordinal: z.number().int().nonnegative(),
  format: ModelFormat,
  /** The model.json, first, then its weight files. */
  files: z.array(ZooFile).min(1),
  input: InputSpec,
  preprocessing: Preprocessing,
  training: TrainingMetadata,
});
export type ZooVersion = z.infer<typeof ZooVersion>;

export const ZooManifest = z.object({
  schemaVersion: z.literal(1),
  source: z.string(),
  dataset: z.object({
    name: z.string(),
    licence: z.string(),
    classes: z.array(z.string()),
    trainImages: z.number().int().positive(),
    testImages: z.number().int().positive(),
    notes: z.string(),
  }),
  training: z.object({
    backend: z.string(),
    tfjsVersion: z.string(),
    optimizer: z.string(),
    batchSize: z.number().int().positive(),
    epochs: z.number().int().positive(),
  }),
  versions: z.array(ZooVersion),
});
export type ZooManifest = z.infer<typeof ZooManifest>;

/** Reads and validates `<directory>/zoo.json`. */
export function readZooManifest(directory: string): ZooManifest {
  return ZooManifest.parse(JSON.parse(readFileSync(join(directory, ZOO_MANIFEST_FILE), 'utf8')));
}
