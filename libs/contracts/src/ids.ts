import { z } from 'zod';

/** A human-chosen name used in URLs and CLI arguments: study, model and dataset names, version labels. */
export const Slug = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[a-z0-9][a-z0-9._-]*$/i, 'may hold only letters, digits, ".", "_" and "-", and must start with a letter or digit');
export type Slug = z.infer<typeof Slug>;

/** Generated identifiers (UUIDs) of catalog rows and jobs. */
export const Id = z.string().uuid();
export type Id = z.infer<typeof Id>;

/** Hex SHA-256 of content: model versions and images are addressed by it. */
export const ContentHash = z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256');
export type ContentHash = z.infer<typeof ContentHash>;

/** ISO-8601 timestamp in UTC. */
export const Timestamp = z.string().datetime();
export type Timestamp = z.infer<typeof Timestamp>;
