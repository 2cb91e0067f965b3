import { z } from 'zod';
import { Id, Timestamp } from './ids';
import { Job, JobStatus } from './jobs';

/** Topic names. Keys are model-version ids wherever a version is involved, so one version's messages stay in order. */
export const Topics = {
  jobs: 'microscope.jobs',
  activations: 'microscope.activations',
  progress: 'microscope.progress',
  deadLetter: 'microscope.dlq',
} as const;
export type TopicName = (typeof Topics)[keyof typeof Topics];

/** The versioned envelope every bus message travels in. */
export const Envelope = z.object({
  type: z.string().min(1),
  version: z.number().int().positive(),
  /** Unique per message; consumers dedupe on it. Deterministic where the content is (a batch of a job). */
  id: z.string().min(1).max(300),
  occurredAt: Timestamp,
  payload: z.unknown(),
});
export type Envelope = z.infer<typeof Envelope>;

/** Pooled activations of one layer for one batch of probe images, image-major: value[i * units + u]. */
export const ActivationBatch = z
  .object({
    jobId: Id,
    versionId: Id,
    datasetId: Id,
    layer: z.string().min(1),
    batchIndex: z.number().int().nonnegative(),
    /** Dataset indices of the images in this batch. */
    imageIndices: z.array(z.number().int().nonnegative()).min(1),
    units: z.number().int().positive(),
    gridHeight: z.number().int().positive(),
    gridWidth: z.number().int().positive(),
    mean: z.array(z.number()),
    max: z.array(z.number()),
    argmaxY: z.array(z.number().int().nonnegative()),
    argmaxX: z.array(z.number().int().nonnegative()),
  })
  .superRefine((b, ctx) => {
    const n = b.imageIndices.length * b.units;
    for (const field of ['mean', 'max', 'argmaxY', 'argmaxX'] as const) {
      if (b[field].length !== n) {
        ctx.addIssue({ code: 'custom', path: [field], message: `expected ${n} values (images × units), got ${b[field].length}` });
      }
    }
  });
export type ActivationBatch = z.infer<typeof ActivationBatch>;

/** Sent by render after the last batch of an extraction, on the same key, so it arrives after them. */
export const ActivationsCompleted = z.object({
  jobId: Id,
  versionId: Id,
  datasetId: Id,
  layers: z.array(z.object({ name: z.string(), units: z.number().int().positive() })),
  imageCount: z.number().int().positive(),
  topK: z.number().int().positive(),
});
export type ActivationsCompleted = z.infer<typeof ActivationsCompleted>;

export const JobProgress = z.object({
  jobId: Id,
  status: JobStatus,
  progress: z.number().min(0).max(1),
  message: z.string().max(4000).default(''),
});
export type JobProgress = z.infer<typeof JobProgress>;

export const DeadLetter = z.object({
  topic: z.string(),
  key: z.string(),
  /** The original message value, verbatim. */
  value: z.string(),
  error: z.string(),
  attempts: z.number().int().positive(),
  group: z.string(),
});
export type DeadLetter = z.infer<typeof DeadLetter>;

/** Every message type, its schema version and payload schema: the one table producers and consumers agree on. */
export const MessageTypes = {
  'job.requested': { version: 1, payload: Job },
  'activations.batch': { version: 1, payload: ActivationBatch },
  'activations.completed': { version: 1, payload: ActivationsCompleted },
  'job.progress': { version: 1, payload: JobProgress },
  'dead-letter': { version: 1, payload: DeadLetter },
} as const;
export type MessageType = keyof typeof MessageTypes;
export type PayloadOf<T extends MessageType> = z.infer<(typeof MessageTypes)[T]['payload']>;

/** Wraps a payload in an envelope, validating it first so nothing malformed is published. */
export function envelope<T extends MessageType>(type: T, payload: PayloadOf<T>, id: string, now: Date = new Date()): Envelope {
  const spec = MessageTypes[type];
  return { type, version: spec.version, id, occurredAt: now.toISOString(), payload: spec.payload.parse(payload) };
}

/** Parses raw message bytes into a typed message, or throws a ZodError / SyntaxError naming what is wrong. */
export function parseMessage(raw: string): { [T in MessageType]: { type: T; envelope: Envelope; payload: PayloadOf<T> } }[MessageType] {
  const env = Envelope.parse(JSON.parse(raw));
  if (!(env.type in MessageTypes)) throw new Error(`unknown message type "${env.type}"`);
  const type = env.type as MessageType;
  const spec = MessageTypes[type];
  if (env.version !== spec.version) throw new Error(`message type "${type}" version ${env.version} is not supported (expected ${spec.version})`);
  const payload = spec.payload.parse(env.payload);
  return { type, envelope: env, payload } as never;
}
