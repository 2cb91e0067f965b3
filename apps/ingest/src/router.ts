import {
  ActivationsJobParams,
  CaricatureJobParams,
  DreamJobParams,
  MicroscopeError,
  parseRenderKey,
  renderLayerPrefix,
  Slug,
  StimulusFamily,
  TuningJobParams,
  VisualizationObjective,
  VisualizeJobParams,
  type ModelVersion,
} from '@microscope/contracts';
import type { Catalog } from '@microscope/catalog';
import { optvis } from '@microscope/engine';
import { publicProcedure, router } from '@microscope/platform';
import type { BlobStore } from '@microscope/storage';
import { z } from 'zod';
import { IMAGE_FILE, registerDataset } from './datasets/register-dataset';
import type { JobService } from './jobs/job-service';
import { compareJobProcedures } from './compare-procedures';
import type { UploadArea } from './uploads/upload-area';
import { RegisterVersionInput, registerVersion } from './versions/register-version';

export interface IngestDeps {
  catalog: Catalog;
  blobs: BlobStore;
  uploads: UploadArea;
  jobs: JobService;
  /** What the engine runs on, as reported by backend selection. */
  backend: () => { name: string; threads: number; simd: boolean };
}

const StudyRef = z.object({ study: Slug });
const VersionRef = StudyRef.extend({ model: Slug, version: Slug });

export function createIngestRouter(deps: IngestDeps) {
  const { catalog } = deps;
  return router({
    system: router({
      info: publicProcedure.query(() => ({ backend: deps.backend(), blobs: deps.blobs.kind })),
    }),

    studies: router({
      list: publicProcedure.query(() => catalog.listStudies()),
      create: publicProcedure
        .input(z.object({ name: Slug, description: z.string().max(2000).default('') }))
        .mutation(({ input }) => catalog.createStudy(input.name, input.description)),
      /** A study with its models, their versions, datasets and jobs: the study page in one call. */
      get: publicProcedure.input(StudyRef).query(async ({ input }) => {
        const study = await catalog.getStudy(input.study);
        const [models, versions, datasets, jobs] = await Promise.all([
          catalog.listModels(study.id),
          catalog.listStudyVersions(study.id),
          catalog.listDatasets(study.id),
          catalog.listJobs({ studyId: study.id }),
        ]);
        return {
          study,
          models: models.map((m) => ({ ...m, versions: versions.filter((v) => v.modelId === m.id) })),
          datasets,
          jobs,
        };
      }),
    }),

    versions: router({
      register: publicProcedure.input(RegisterVersionInput).mutation(async ({ input }) => {
        const files = new Map<string, Buffer>();
        for (const f of await deps.uploads.list(input.uploadId)) files.set(f.name, await deps.uploads.read(input.uploadId, f.name));
        try {
          return await registerVersion(deps, input, files);
        } finally {
          await deps.uploads.discard(input.uploadId);
        }
      }),
      get: publicProcedure.input(VersionRef).query(async ({ input }) => {
        const { study, model, version } = await catalog.resolveVersion(input.study, input.model, input.version);
        return { study, model, version, layers: await catalog.listLayers(version.id) };
      }),
    }),

    datasets: router({
      list: publicProcedure.input(StudyRef).query(async ({ input }) => catalog.listDatasets((await catalog.getStudy(input.study)).id)),
      register: publicProcedure
        .input(StudyRef.extend({ name: Slug, uploadId: z.string(), description: z.string().max(2000).default('') }))
        .mutation(async ({ input }) => {
          const study = await catalog.getStudy(input.study);
          try {
            const names = (await deps.uploads.list(input.uploadId)).map((f) => f.name).filter((n) => IMAGE_FILE.test(n));
            if (!names.length) throw new MicroscopeError('INVALID_INPUT', 'the upload holds no image files (png, jpg, webp, gif, tiff, bmp)');
            const images = (async function* () {
              for (const name of names.sort()) yield { name, bytes: await deps.uploads.read(input.uploadId, name) };
            })();
            return await registerDataset(deps, { studyId: study.id, name: input.name, description: input.description }, images);
          } finally {
            await deps.uploads.discard(input.uploadId);
          }
        }),
    }),

    jobs: router({
      ...compareJobProcedures(deps),
      list: publicProcedure.input(StudyRef).query(async ({ input }) => catalog.listJobs({ studyId: (await catalog.getStudy(input.study)).id })),
      get: publicProcedure.input(z.object({ jobId: z.string().uuid() })).query(({ input }) => catalog.getJob(input.jobId)),
      /** Dataset activations for every matching version × dataset of a study (all of them by default). */
      requestActivations: publicProcedure
        .input(
          StudyRef.extend({
            model: Slug.optional(),
            version: Slug.optional(),
            dataset: Slug.optional(),
            batchSize: z.number().int().positive().max(1024).optional(),
            topK: z.number().int().positive().max(100).optional(),
            force: z.boolean().default(false),
          }),
        )
        .mutation(async ({ input }) => {
          const study = await catalog.getStudy(input.study);
          const versions = await selectVersions(catalog, study.id, input.model, input.version);
          const datasets = (await catalog.listDatasets(study.id)).filter((d) => !input.dataset || d.name === input.dataset);
          if (input.dataset && !datasets.length) throw new MicroscopeError('NOT_FOUND', `no dataset named "${input.dataset}" in study "${input.study}"`);
          if (!datasets.length) throw new MicroscopeError('INVALID_INPUT', `study "${input.study}" has no datasets: add one first`);
          const results = [];
          for (const version of versions) {
            for (const dataset of datasets) {
              const params = ActivationsJobParams.parse({
                kind: 'activations',
                versionId: version.id,
                datasetId: dataset.id,
                batchSize: input.batchSize,
                topK: input.topK,
              });
              results.push(await deps.jobs.request(study.id, params, input.force));
            }
          }
          return results;
        }),

      // ---- Rendering jobs (issue 3): feature visualizations, DeepDream, caricatures, tuning curves of one layer.
      // Each checks the layer (and units) first, so a typo fails here instead of in the worker.
      /** Feature visualizations of a layer's units (all of them unless `units` names some). */
      requestRender: publicProcedure
        .input(RenderRequest.extend({ units: z.array(z.number().int().nonnegative()).max(100_000).optional(), objective: VisualizationObjective.optional(), unitsPerBatch: z.number().int().positive().max(256).optional() }))
        .mutation(async ({ input }) => {
          const { study, version, layer } = await resolveLayer(catalog, input);
          const units = input.units && [...new Set(input.units)].sort((a, b) => a - b);
          const outside = (units ?? []).filter((u) => u >= layer.unitCount);
          if (outside.length) throw new MicroscopeError('INVALID_INPUT', `layer "${layer.name}" has units 0–${layer.unitCount - 1}; asked for ${outside.slice(0, 5).join(', ')}`);
          const params = VisualizeJobParams.parse({ kind: 'visualize', versionId: version.id, layer: layer.name, units, objective: input.objective, unitsPerBatch: input.unitsPerBatch, ...optimisation(input) });
          const keys = optvis.visualizationKeys(version, params, params.units.length ? params.units : Array.from({ length: layer.unitCount }, (_, u) => u));
          // Where each unit's picture is (or will be): /blobs/<key>.
          return { ...(await deps.jobs.request(study.id, params, input.force)), renders: [...keys].map(([unit, key]) => ({ unit, key })) };
        }),
      /** DeepDream of a whole layer. */
      requestDream: publicProcedure.input(RenderRequest).mutation(async ({ input }) => {
        const { study, version, layer } = await resolveLayer(catalog, input);
        const params = DreamJobParams.parse({ kind: 'dream', versionId: version.id, layer: layer.name, ...optimisation(input) });
        return { ...(await deps.jobs.request(study.id, params, input.force)), key: optvis.dreamKey(version, params) };
      }),
      /** A caricature of one probe image (by its index in the dataset) at a layer. */
      requestCaricature: publicProcedure
        .input(RenderRequest.extend({ dataset: Slug, imageIndex: z.number().int().nonnegative() }))
        .mutation(async ({ input }) => {
          const { study, version, layer } = await resolveLayer(catalog, input);
          const dataset = await catalog.findDataset(study.id, input.dataset);
          if (!dataset) throw new MicroscopeError('NOT_FOUND', `no dataset named "${input.dataset}" in study "${input.study}"`);
          if (input.imageIndex >= dataset.imageCount) throw new MicroscopeError('INVALID_INPUT', `dataset "${dataset.name}" has images 0–${dataset.imageCount - 1}`);
          const params = CaricatureJobParams.parse({ kind: 'caricature', versionId: version.id, layer: layer.name, datasetId: dataset.id, imageIndex: input.imageIndex, ...optimisation(input) });
          const [image] = await catalog.listImagesByIndex(dataset.id, [input.imageIndex]);
          return { ...(await deps.jobs.request(study.id, params, input.force)), key: optvis.caricatureKey(version, params, image.contentHash) };
        }),
      /** Tuning curves of every unit of a layer to synthetic stimulus families (all four unless narrowed). */
      requestTuning: publicProcedure
        .input(VersionRef.extend({ layer: z.string().min(1), families: z.array(StimulusFamily).min(1).optional(), force: z.boolean().default(false) }))
        .mutation(async ({ input }) => {
          const { study, version, layer } = await resolveLayer(catalog, input);
          const families = input.families && [...new Set(input.families)];
          return deps.jobs.request(study.id, TuningJobParams.parse({ kind: 'tuning', versionId: version.id, layer: layer.name, families }), input.force);
        }),
    }),

    // ---- Added for the dashboard (apps/web): which feature-visualization renders are stored, so pages show them.
    renders: router({
      /**
       * The render images of a layer (or of one unit), read off the object store's derived keys
       * `renders/<contentHash>/<layer>/<unit>/<objective>-<paramsHash>.png`; empty until a visualize job has run.
       */
      list: publicProcedure
        .input(VersionRef.extend({ layer: z.string().min(1), unit: z.number().int().nonnegative().optional() }))
        .query(async ({ input }) => {
          const { version } = await catalog.resolveVersion(input.study, input.model, input.version);
          const layerPrefix = `renders/${version.contentHash}/${input.layer}/`;
          const prefix = input.unit === undefined ? layerPrefix : `${layerPrefix}${input.unit}/`;
          // A layer name that cannot be part of an object key (ONNX names like "/conv1/Conv") has no renders under it.
          const stored = await deps.blobs.list(prefix).catch((e: unknown) => {
            if (e instanceof MicroscopeError && e.code === 'INVALID_INPUT') return [];
            throw e;
          });
          return stored.flatMap((info) => {
            const [unitText, ...rest] = info.key.slice(layerPrefix.length).split('/');
            const file = rest.join('/');
            if (!/^\d+$/.test(unitText) || !file.endsWith('.png')) return [];
            const stem = file.slice(0, -'.png'.length);
            const objective = stem.includes('-') ? stem.slice(0, stem.lastIndexOf('-')) : stem;
            return [{ unit: Number(unitText), objective, key: info.key, etag: info.etag }];
          });
        }),

      // ---- Render keys per unit (issue 3), for pages that show `/blobs/<key>`; newest first within a unit.
      /** Every stored picture of a layer: per unit, and the whole-layer ones (DeepDream, caricatures). */
      forLayer: publicProcedure
        .input(VersionRef.extend({ layer: z.string().min(1), objective: z.string().optional() }))
        .query(async ({ input }) => {
          const { version } = await catalog.resolveVersion(input.study, input.model, input.version);
          const renders = await storedRenders(deps.blobs, version.contentHash, input.layer, input.objective);
          const units = new Map<number, RenderEntry[]>();
          for (const r of renders) if (typeof r.unit === 'number') units.set(r.unit, [...(units.get(r.unit) ?? []), r]);
          return {
            layer: input.layer,
            units: [...units.entries()].sort(([a], [b]) => a - b).map(([unit, list]) => ({ unit, renders: list })),
            layerRenders: renders.filter((r) => typeof r.unit !== 'number'),
          };
        }),
      /** One unit's stored pictures. */
      forUnit: publicProcedure
        .input(VersionRef.extend({ layer: z.string().min(1), unit: z.number().int().nonnegative(), objective: z.string().optional() }))
        .query(async ({ input }) => {
          const { version } = await catalog.resolveVersion(input.study, input.model, input.version);
          return storedRenders(deps.blobs, version.contentHash, input.layer, input.objective, input.unit);
        }),
    }),
  });
}

async function selectVersions(catalog: Catalog, studyId: string, modelName?: string, label?: string): Promise<ModelVersion[]> {
  if (label && !modelName) throw new MicroscopeError('INVALID_INPUT', 'a version label needs its model (--model)');
  if (!modelName) {
    const all = await catalog.listStudyVersions(studyId);
    if (!all.length) throw new MicroscopeError('INVALID_INPUT', 'the study has no model versions: add one first');
    return all;
  }
  const model = await catalog.getModel(studyId, modelName);
  const versions = await catalog.listVersions(model.id);
  if (!label) return versions;
  const version = versions.find((v) => v.label === label);
  if (!version) throw new MicroscopeError('NOT_FOUND', `model "${modelName}" has no version labelled "${label}"`);
  return [version];
}

// ---- Helpers of the rendering procedures (issue 3).

const RenderRequest = VersionRef.extend({
  layer: z.string().min(1),
  steps: z.number().int().positive().max(10_000).optional(),
  size: z.number().int().min(16).max(1024).optional(),
  learningRate: z.number().positive().max(10).optional(),
  seed: z.number().int().nonnegative().optional(),
  force: z.boolean().default(false),
});

/** The optimisation settings a request gave; the job schemas fill in Lucid's defaults for the rest. */
const optimisation = (input: z.infer<typeof RenderRequest>) => ({ steps: input.steps, size: input.size, learningRate: input.learningRate, seed: input.seed });

async function resolveLayer(catalog: Catalog, input: z.infer<typeof VersionRef> & { layer: string }) {
  const { study, version } = await catalog.resolveVersion(input.study, input.model, input.version);
  const layers = await catalog.listLayers(version.id);
  const layer = layers.find((l) => l.name === input.layer);
  if (!layer) {
    throw new MicroscopeError('NOT_FOUND', `${input.model}@${input.version} has no layer "${input.layer}"; its layers are ${layers.map((l) => l.name).join(', ')}`);
  }
  return { study, version, layer };
}

interface RenderEntry {
  unit: number | 'layer' | 'caricature';
  objective: string;
  paramsHash: string;
  key: string;
  lastModified: string;
}

/** The pictures stored under a layer's render folder (or one unit's), read off their derived keys, newest first. */
async function storedRenders(blobs: BlobStore, contentHash: string, layer: string, objective?: string, unit?: number): Promise<RenderEntry[]> {
  const prefix = renderLayerPrefix(contentHash, layer);
  const stored = await blobs.list(unit === undefined ? prefix : `${prefix}${unit}/`);
  return stored
    .flatMap((info) => {
      const parsed = parseRenderKey(info.key.slice(prefix.length));
      if (!parsed || (objective !== undefined && parsed.objective !== objective)) return [];
      return [{ ...parsed, key: info.key, lastModified: info.lastModified.toISOString() }];
    })
    .sort((a, b) => (a.lastModified < b.lastModified ? 1 : a.lastModified > b.lastModified ? -1 : 0));
}

export type IngestRouter = ReturnType<typeof createIngestRouter>;
