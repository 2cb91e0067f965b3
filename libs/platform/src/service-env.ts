import { z } from 'zod';

/** Where an app's HTTP server listens; each app extends its own env schema with this. */
export const ServerEnv = z.object({
  MICROSCOPE_HOST: z.string().default('127.0.0.1'),
  MICROSCOPE_PORT: z.coerce.number().int().min(0).max(65535).default(4300),
});
