import { z } from 'zod';
import { ContentHash, Id, Slug, Timestamp } from './ids';

export const Study = z.object({
  id: Id,
  name: Slug,
  description: z.string().max(2000).default(''),
  createdAt: Timestamp,
});
export type Study = z.infer<typeof Study>;

export const Model = z.object({
  id: Id,
  studyId: Id,
  name: Slug,
  /** Architecture family, free text ("small-cnn", "resnet50"). */
  architecture: z.string().max(200).default(''),
  createdAt: Timestamp,
});
export type Model = z.infer<typeof Model>;

export const ModelFormat = z.enum(['tfjs-layers', 'tfjs-graph', 'onnx']);
export type ModelFormat = z.infer<typeof ModelFormat>;

/** How raw pixels in [0, 255] become the network's input: x = (p * scale - mean[c]) / std[c]. */
export const Preprocessing = z.object({
  scale: z.number().positive().default(1 / 255),
  mean: z.array(z.number()).default([0]),
  std: z.array(z.number().positive()).default([1]),
});
export type Preprocessing = z.infer<typeof Preprocessing>;

/** The input the network expects, channels-last. */
export const InputSpec = z.object({
  height: z.number().int().positive().max(4096),
  width: z.number().int().positive().max(4096),
  channels: z.number().int().positive().max(64),
});
export type InputSpec = z.infer<typeof InputSpec>;

/** Where a checkpoint came from: free-form but with the fields comparative studies sort by. */
export const TrainingMetadata = z
  .object({
    seed: z.number().int().optional(),
    epoch: z.number().nonnegative().optional(),
    step: z.number().int().nonnegative().optional(),
    dataset: z.string().max(200).optional(),
    accuracy: z.number().min(0).max(1).optional(),
    source: z.string().max(500).optional(),
    licence: z.string().max(200).optional(),
    notes: z.string().max(2000).optional(),
  })
  .catchall(z.union([z.string(), z.number(), z.boolean()]));
export type TrainingMetadata = z.infer<typeof TrainingMetadata>;

export const ModelVersion = z.object({
  id: Id,
  modelId: Id,
  studyId: Id,
  /** The user's label, unique within the model ("seed1-epoch3"). */
  label: Slug,
  /** SHA-256 over the model files: the version's identity in object keys and the bus. */
  contentHash: ContentHash,
  format: ModelFormat,
  input: InputSpec,
  preprocessing: Preprocessing,
  training: TrainingMetadata,
  /** Position in the model's ordered chain of versions (checkpoints); ties broken by label. */
  ordinal: z.number().int().nonnegative(),
  createdAt: Timestamp,
});
export type ModelVersion = z.infer<typeof ModelVersion>;

/** A layer ("node" in the UI) of a version: an IR node whose output has units. */
export const Layer = z.object({
  versionId: Id,
  name: z.string().min(1).max(300),
  op: z.string(),
  /** Output shape without the batch dimension, channels-last ([H, W, C] or [C]). */
  outputShape: z.array(z.number().int().positive()),
  unitCount: z.number().int().positive(),
  /** Order in the graph, from input to output. */
  index: z.number().int().nonnegative(),
});
export type Layer = z.infer<typeof Layer>;

export const UnitRef = z.object({
  versionId: Id,
  layer: z.string().min(1),
  unit: z.number().int().nonnegative(),
});
export type UnitRef = z.infer<typeof UnitRef>;

export const Dataset = z.object({
  id: Id,
  studyId: Id,
  name: Slug,
  description: z.string().max(2000).default(''),
  imageCount: z.number().int().nonnegative(),
  createdAt: Timestamp,
});
export type Dataset = z.infer<typeof Dataset>;

/** One probe image; `index` is its stable position in the dataset (rows of every activation matrix). */
export const DatasetImage = z.object({
  datasetId: Id,
  index: z.number().int().nonnegative(),
  contentHash: ContentHash,
  /** Object-store key of the stored PNG. */
  key: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  channels: z.number().int().positive(),
  /** Optional label (class name) from the source dataset. */
  label: z.string().max(200).default(''),
});
export type DatasetImage = z.infer<typeof DatasetImage>;
