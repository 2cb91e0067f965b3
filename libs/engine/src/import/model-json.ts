import { MicroscopeError } from '@microscope/contracts';
import { z } from 'zod';

/** The parts of a TF.js model.json both importers read; the topology itself is parsed by each importer. */

export const WeightQuantization = z.object({
  dtype: z.string(),
  scale: z.number().optional(),
  min: z.number().optional(),
  original_dtype: z.string().optional(),
});

export const WeightEntry = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.string(),
  quantization: WeightQuantization.optional(),
});
export type WeightEntry = z.infer<typeof WeightEntry>;

export const WeightGroup = z.object({
  paths: z.array(z.string().min(1)),
  weights: z.array(WeightEntry),
});
export type WeightGroup = z.infer<typeof WeightGroup>;

export const ModelJson = z.object({
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullish(),
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z.array(WeightGroup).default([]),
  signature: z.record(z.string(), z.unknown()).nullish(),
  userDefinedMetadata: z.record(z.string(), z.unknown()).nullish(),
});
export type ModelJson = z.infer<typeof ModelJson>;

/** Parses model.json text; errors say whether it is not JSON at all or which field is wrong. */
export function parseModelJson(text: string, fileName = 'model.json'): ModelJson {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new MicroscopeError('INVALID_MODEL', `${fileName} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  const parsed = ModelJson.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    throw new MicroscopeError('INVALID_MODEL', `${fileName} is not a TF.js model: ${where}: ${issue.message}`);
  }
  return parsed.data;
}
