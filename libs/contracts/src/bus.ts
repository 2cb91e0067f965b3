import { z } from 'zod';
import { Id, Timestamp } from './ids';
import { MicroscopeError } from './errors';
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

/**
 * Numeric arrays travel as base64 of their little-endian bytes: a quarter of the size of JSON numbers and exact,
 * which matters because activation batches are most of the bus's traffic (and of the embedded bus's journal).
 */
export const encodeFloat32 = (values: ArrayLike<number>): string => Buffer.from(Float32Array.from(values).buffer).toString('base64');
export const decodeFloat32 = (text: string): Float32Array => {
  const bytes = Buffer.from(text, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};
export const encodeUint16 = (values: ArrayLike<number>): string => Buffer.from(Uint16Array.from(values).buffer).toString('base64');
export const decodeUint16 = (text: string): Uint16Array => {
  const bytes = Buffer.from(text, 'base64');
  return new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const encodedArray = (bytesPerValue: number) =>
  z
    .string()
    .regex(BASE64, 'must be base64')
    .refine((s) => Buffer.from(s, 'base64').byteLength % bytesPerValue === 0, `must hold whole ${bytesPerValue}-byte values`);
const encodedLength = (s: string, bytesPerValue: number) => Buffer.from(s, 'base64').byteLength / bytesPerValue;

/**
 * Pooled activations of one layer for one batch of probe images, image-major: value[i * units + u].
 * `mean` and `max` are base64 Float32, `argmaxY` and `argmaxX` base64 Uint16 (see encodeFloat32 / encodeUint16).
 */
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
    mean: encodedArray(4),
    max: encodedArray(4),
    argmaxY: encodedArray(2),
    argmaxX: encodedArray(2),
  })
  .superRefine((b, ctx) => {
    const n = b.imageIndices.length * b.units;
    for (const [field, width] of [['mean', 4], ['max', 4], ['argmaxY', 2], ['argmaxX', 2]] as const) {
      const got = encodedLength(b[field], width);
      if (got !== n) ctx.addIssue({ code: 'custom', path: [field], message: `expected ${n} values (images × units), got ${got}` });
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

/**
 * A message that no retry can process: not JSON, not an envelope, an unknown type or version, a payload that fails
 * its schema, or a valid message on a topic that does not carry its type. Buses dead-letter it at once.
 */
export class InvalidMessageError extends MicroscopeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_INPUT', message, options);
    this.name = 'InvalidMessageError';
  }
}
export const isInvalidMessage = (e: unknown): e is InvalidMessageError => e instanceof InvalidMessageError;

/** Parses raw message bytes into a typed message, or throws an InvalidMessageError naming what is wrong. */
export function parseMessage(raw: string): { [T in MessageType]: { type: T; envelope: Envelope; payload: PayloadOf<T> } }[MessageType] {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new InvalidMessageError(`not JSON (${(e as Error).message})`, { cause: e });
  }
  const parsed = Envelope.safeParse(json);
  if (!parsed.success) throw new InvalidMessageError(`not a message envelope: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  const env = parsed.data;
  if (!(env.type in MessageTypes)) throw new InvalidMessageError(`unknown message type "${env.type}"`);
  const type = env.type as MessageType;
  const spec = MessageTypes[type];
  if (env.version !== spec.version) throw new InvalidMessageError(`message type "${type}" version ${env.version} is not supported (expected ${spec.version})`);
  const payload = spec.payload.safeParse(env.payload);
  if (!payload.success) throw new InvalidMessageError(`a "${type}" payload that fails its schema: ${z.prettifyError(payload.error)}`, { cause: payload.error });
  return { type, envelope: env, payload: payload.data } as never;
}
