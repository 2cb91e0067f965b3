import { randomUUID } from 'node:crypto';
import {
  InputSpec,
  MicroscopeError,
  Preprocessing,
  Slug,
  TrainingMetadata,
  type ModelFormat,
  type ModelVersion,
} from '@microscope/contracts';
import { catalogNow, type Catalog } from '@microscope/catalog';
import { importModel, listLayers, type GraphIR, type ModelFiles } from '@microscope/engine';
import type { BlobStore } from '@microscope/storage';
import { z } from 'zod';
import { contentHashOf, detectFormat, type FileSet } from './model-files';

/** What a version is registered with, besides its files. */
export const VersionDetails = z.object({
  study: Slug,
  model: Slug,
  label: Slug,
  architecture: z.string().max(200).optional(),
  training: TrainingMetadata.default({}),
  preprocessing: Preprocessing.optional(),
  /** Needed only when the model's input size is not fixed in its files. */
  input: InputSpec.partial().optional(),
});
export type VersionDetails = z.infer<typeof VersionDetails>;

/** The API's form: the files are in an upload staged beforehand. */
export const RegisterVersionInput = VersionDetails.extend({ uploadId: z.string() });

/**
 * Validates a model's files by importing them into the IR (any error names the problem), then stores the files
 * under `models/<contentHash>/` and the version with its layers in the catalog. On any error nothing is stored.
 */
export async function registerVersion(
  deps: { catalog: Catalog; blobs: BlobStore },
  input: VersionDetails,
  files: FileSet,
): Promise<{ version: ModelVersion; layers: number }> {
  const study = await deps.catalog.getStudy(input.study);
  const existingModel = await deps.catalog.findModel(study.id, input.model);
  if (existingModel && (await deps.catalog.findVersion(existingModel.id, input.label))) {
    throw new MicroscopeError('CONFLICT', `model "${input.model}" already has a version labelled "${input.label}"`);
  }

  const { format, entry } = detectFormat(files);
  // ONNX files are stored as model.onnx, the name the importer reads; external-data files keep the names the
  // model refers to them by.
  if (format === 'onnx' && entry !== ONNX_ENTRY) {
    if (files.has(ONNX_ENTRY)) throw new MicroscopeError('INVALID_MODEL', `upload holds both ${entry} and ${ONNX_ENTRY}`);
    files = new Map([...files].map(([name, bytes]) => [name === entry ? ONNX_ENTRY : name, bytes]));
  }
  const stored = files;
  const ir = await importAtRequestedSize(format, {
    readText: async (name) => requireFile(stored, name).toString('utf8'),
    readBinary: async (name) => requireFile(stored, name),
  }, input.input);
  const layers = listLayers(ir);
  if (!layers.length) throw new MicroscopeError('INVALID_MODEL', 'the model has no layers with units to show');
  const inputSpec = resolveInput(ir, input.input);
  const contentHash = contentHashOf(files);

  for (const [name, bytes] of files) await deps.blobs.put(`models/${contentHash}/${name}`, bytes);

  const model = existingModel ?? (await deps.catalog.ensureModel(study.id, input.model, input.architecture ?? ''));
  const version: ModelVersion = {
    id: randomUUID(),
    modelId: model.id,
    studyId: study.id,
    label: input.label,
    contentHash,
    format,
    input: inputSpec,
    preprocessing: input.preprocessing ?? Preprocessing.parse({}),
    training: input.training,
    ordinal: await deps.catalog.nextOrdinal(model.id),
    createdAt: catalogNow(),
  };
  await deps.catalog.addVersion(version, layers);
  return { version, layers: layers.length };
}

const ONNX_ENTRY = 'model.onnx';

function requireFile(files: FileSet, name: string): Buffer {
  const file = files.get(name);
  if (!file) throw new MicroscopeError('INVALID_MODEL', `model references "${name}", which was not uploaded`);
  return file;
}

/**
 * Imports the files as they are; when they leave the input size open (INVALID_INPUT) and the request names a
 * height and width, imports again at that size (with the requested channel count, else RGB, else grayscale).
 * The render workers import with the version's stored input, so both see the same graph.
 */
async function importAtRequestedSize(format: ModelFormat, files: ModelFiles, override: Partial<InputSpec> | undefined): Promise<GraphIR> {
  try {
    return await importModel(format, files);
  } catch (e) {
    if (!(e instanceof MicroscopeError && e.code === 'INVALID_INPUT' && override?.height && override.width)) throw e;
    let last: unknown = e;
    for (const channels of override.channels ? [override.channels] : [3, 1]) {
      try {
        return await importModel(format, files, { inputShape: [override.height, override.width, channels] });
      } catch (retry) {
        last = retry;
      }
    }
    throw last;
  }
}

/** The IR's input shape; a requested size must agree with it (the import above already applied it where open). */
function resolveInput(ir: GraphIR, override: Partial<InputSpec> | undefined): InputSpec {
  const [h, w, c] = ir.input.shape;
  if ((override?.height && override.height !== h) || (override?.width && override.width !== w)) {
    throw new MicroscopeError('INVALID_INPUT', `the model's input is fixed at ${h}x${w}; the requested ${override.height ?? h}x${override.width ?? w} differs`);
  }
  const spec = { height: override?.height ?? h, width: override?.width ?? w, channels: override?.channels ?? c };
  const parsed = InputSpec.safeParse(spec);
  if (!parsed.success) {
    throw new MicroscopeError('INVALID_MODEL', `the model's input size is not fixed (${JSON.stringify(ir.input.shape)}): give --input-size`);
  }
  if (spec.channels !== c && c > 0) {
    throw new MicroscopeError('INVALID_INPUT', `input channels ${spec.channels} contradict the model's ${c}`);
  }
  return parsed.data;
}
