import { z } from 'zod';
import { MicroscopeError } from '@microscope/contracts';

/** Parses process.env (or a given record) with an app's zod schema once, failing with every bad variable named. */
export function parseEnv<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new MicroscopeError('INVALID_INPUT', `invalid configuration: ${problems}`);
  }
  return result.data;
}
