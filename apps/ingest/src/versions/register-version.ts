import { randomUUID } from 'node:crypto';
import {
  InputSpec,
  MicroscopeError,
  Preprocessing,
  Slug,
  TrainingMetadata,
  type ModelVersion,
} from '@microscope/contracts';
import { catalogNow, type Catalog } from '@microscope/catalog';
import { importModel, listLayers, type GraphIR } from '@microscope/engine';
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
  const ir = await importModel(format, {
    readText: async (name) => requireFile(files, name).toString('utf8'),
    readBinary: async (name) => requireFile(files, name),
  });
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

/** The IR's input shape, with any size the file leaves open filled from the request. */
function resolveInput(ir: GraphIR, override: Partial<InputSpec> | undefined): InputSpec {
  const [h, w, c] = ir.input.shape;
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
