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

/** Parameters of each kind of job; later kinds add their schema here. */
export const JobParams = z.discriminatedUnion('kind', [ActivationsJobParams]);
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
