import { z } from 'zod';
import { Id, Timestamp } from './ids';

export const JobKind = z.enum(['activations', 'visualize', 'dream', 'caricature', 'tuning', 'compare']);
export type JobKind = z.infer<typeof JobKind>;

export const ActivationsJobParams = z.object({
  kind: z.literal('activations'),
  versionId: Id,
  datasetId: Id,
  /** Layers to extract; empty = every layer. */
  layers: z.array(z.string()).default([]),
  batchSize: z.number().int().positive().max(1024).default(64),
  topK: z.number().int().positive().max(100).default(16),
});
export type ActivationsJobParams = z.infer<typeof ActivationsJobParams>;

/** Objectives a visualization job can ask for, per unit (Lucid / Microscope's set). */
export const VisualizationObjective = z.enum(['channel', 'neuron', 'negative', 'diversity']);
export type VisualizationObjective = z.infer<typeof VisualizationObjective>;

/** Optimisation settings shared by every rendering job; defaults are Lucid's. */
const OptimisationParams = {
  steps: z.number().int().positive().max(10_000).default(512),
  size: z.number().int().min(16).max(1024).default(128),
  learningRate: z.number().positive().max(10).default(0.05),
  seed: z.number().int().nonnegative().default(0),
};

/** Feature visualizations of units of one layer, `unitsPerBatch` units per optimisation. */
export const VisualizeJobParams = z.object({
  kind: z.literal('visualize'),
  versionId: Id,
  layer: z.string().min(1),
  /** Units to render; empty = every unit of the layer. */
  units: z.array(z.number().int().nonnegative()).default([]),
  objective: VisualizationObjective.default('channel'),
  unitsPerBatch: z.number().int().positive().max(256).default(32),
  ...OptimisationParams,
});
export type VisualizeJobParams = z.infer<typeof VisualizeJobParams>;

/** DeepDream of a whole layer (one image per layer). */
export const DreamJobParams = z.object({
  kind: z.literal('dream'),
  versionId: Id,
  layer: z.string().min(1),
  ...OptimisationParams,
});
export type DreamJobParams = z.infer<typeof DreamJobParams>;

/** Caricature of one probe image at a layer: optimise towards the image's activations, starting from it. */
export const CaricatureJobParams = z.object({
  kind: z.literal('caricature'),
  versionId: Id,
  layer: z.string().min(1),
  datasetId: Id,
  imageIndex: z.number().int().nonnegative(),
  ...OptimisationParams,
});
export type CaricatureJobParams = z.infer<typeof CaricatureJobParams>;

export const StimulusFamily = z.enum(['grating', 'colour', 'curve', 'edge']);
export type StimulusFamily = z.infer<typeof StimulusFamily>;

/** Tuning curves of every unit of a layer to families of synthetic stimuli. */
export const TuningJobParams = z.object({
  kind: z.literal('tuning'),
  versionId: Id,
  layer: z.string().min(1),
  families: z.array(StimulusFamily).min(1).default(['grating', 'colour', 'curve', 'edge']),
});
export type TuningJobParams = z.infer<typeof TuningJobParams>;

export const SimilarityMetric = z.enum(['cka', 'dcka', 'svcca']);
export type SimilarityMetric = z.infer<typeof SimilarityMetric>;

/** Compare two versions over a shared probe dataset: unit matches both ways and the layer × layer similarity. */
export const CompareJobParams = z.object({
  kind: z.literal('compare'),
  /** Version A; the job travels under its key. */
  versionId: Id,
  otherVersionId: Id,
  datasetId: Id,
  /** Layers of A and of B to compare; empty = all. */
  layers: z.array(z.string()).default([]),
  otherLayers: z.array(z.string()).default([]),
  metrics: z.array(SimilarityMetric).min(1).default(['cka', 'dcka', 'svcca']),
  topK: z.number().int().positive().max(50).default(5),
});
export type CompareJobParams = z.infer<typeof CompareJobParams>;

/** Parameters of each kind of job. Render handles every kind but `compare`, which analytics handles. */
export const JobParams = z.discriminatedUnion('kind', [
  ActivationsJobParams,
  VisualizeJobParams,
  DreamJobParams,
  CaricatureJobParams,
  TuningJobParams,
  CompareJobParams,
]);
export type JobParams = z.infer<typeof JobParams>;

export const Job = z.object({
  id: Id,
  studyId: Id,
  kind: JobKind,
  params: JobParams,
  createdAt: Timestamp,
});
export type Job = z.infer<typeof Job>;

export const JobStatus = z.enum(['queued', 'running', 'succeeded', 'failed']);
export type JobStatus = z.infer<typeof JobStatus>;

/** Append-only: a job's status is its latest event. */
export const JobEvent = z.object({
  jobId: Id,
  /** Monotone per job (seconds are not fine enough to order events of one job). */
  seq: z.number().int().nonnegative(),
  status: JobStatus,
  /** Fraction done, 0..1. */
  progress: z.number().min(0).max(1),
  message: z.string().max(4000).default(''),
  occurredAt: Timestamp,
});
export type JobEvent = z.infer<typeof JobEvent>;

/** A job with its latest event, as the API returns it. */
export const JobView = Job.extend({
  status: JobStatus,
  progress: z.number(),
  message: z.string(),
  updatedAt: Timestamp,
});
export type JobView = z.infer<typeof JobView>;

// ---- Where rendered images live (the render worker writes them, the API lists them).

/** A layer name as one object-key segment: URI-encoded, so "/" or a leading "." cannot add or hide segments. */
export function layerKeySegment(layer: string): string {
  const encoded = encodeURIComponent(layer);
  return encoded.startsWith('.') ? `%2E${encoded.slice(1)}` : encoded;
}

/** The folder of a layer's renders: `renders/<versionContentHash>/<layer>/`. */
export const renderLayerPrefix = (contentHash: string, layer: string): string => `renders/${contentHash}/${layerKeySegment(layer)}/`;

/**
 * A render key below its layer's folder, `<unit>/<objective>-<paramsHash>.png`, read back. `unit` is a unit number,
 * or "layer" (DeepDream) / "caricature" for whole-layer pictures. Null for anything else.
 */
export function parseRenderKey(keyBelowLayer: string): { unit: number | 'layer' | 'caricature'; objective: string; paramsHash: string } | null {
  const match = /^(\d+|layer|caricature)\/([^/]+)-([0-9a-f]{16})\.png$/.exec(keyBelowLayer);
  if (!match) return null;
  return { unit: /^\d+$/.test(match[1]) ? Number(match[1]) : (match[1] as 'layer' | 'caricature'), objective: match[2], paramsHash: match[3] };
}

// ---- How tuning_curves rows name the stimulus parameters held fixed along a swept one.

/**
 * The canonical text of a tuning row's fixed parameters, `frequency=0.0625&…` (sorted names; empty when none). It
 * is what the row's `params_hash` column holds: it identifies the row as a hash would, and it can be read back.
 */
export function tuningFixedParamsKey(fixed: Record<string, number>): string {
  return Object.keys(fixed)
    .sort()
    .map((name) => `${name}=${fixed[name]}`)
    .join('&');
}

export function parseTuningFixedParams(key: string): Record<string, number> {
  if (!key) return {};
  return Object.fromEntries(key.split('&').map((pair) => [pair.slice(0, pair.indexOf('=')), Number(pair.slice(pair.indexOf('=') + 1))]));
}

/** A job has ended when it succeeded or failed; a queued or running one may still change. */
export const jobHasEnded = (job: { status: JobStatus }): boolean => job.status === 'succeeded' || job.status === 'failed';
