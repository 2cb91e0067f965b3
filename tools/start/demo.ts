import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MultiBar, Presets, SingleBar } from 'cli-progress';
import { ActivationsJobParams, jobHasEnded, MicroscopeError, VisualizeJobParams, type JobView } from '@microscope/contracts';
import { registerDataset, registerVersion } from '@microscope/ingest';
import { readZooManifest } from '../demo-zoo/manifest';
import { buildFashionProbeSet } from '../demo-zoo/probe';
import { buildNaturalProbeSet, findSkimageData, NATURAL_PHOTOS } from '../demo-zoo/natural-probes';
import { DEMO_LAYERS, loadPretrainedDemoModel, pretrainedLabel, PRETRAINED_MODEL, type PretrainedDemoModel } from '../demo-zoo/pretrained';
import type { Product } from './product';

export const DEMO_STUDY = 'demo';
const ZOO_DIR = path.join(__dirname, '..', 'demo-zoo');
const PROBE_IMAGES = 2000;
const PROBE_DATASET = `fashion-test-${PROBE_IMAGES}`;

/**
 * Creates the demo study on first start — every version of the committed zoo and a Fashion-MNIST probe set —
 * and requests its dataset activations. Every step skips what is already stored, so a start after a crash
 * half-way through finishes the job, and a normal restart changes nothing. Returns the demo's job ids.
 */
export async function ensureDemoStudy(product: Product): Promise<string[]> {
  const { catalog, storage, ingest, log } = product;
  const deps = { catalog, blobs: storage.blobs };
  const study =
    (await catalog.findStudy(DEMO_STUDY)) ??
    (await catalog.createStudy(DEMO_STUDY, 'Do seeds converge? Two small CNN architectures trained on Fashion-MNIST, two seeds each, three checkpoints per run.'));

  const zoo = readZooManifest(ZOO_DIR);
  for (const entry of zoo.versions) {
    const model = await catalog.findModel(study.id, entry.model);
    if (model && (await catalog.findVersion(model.id, entry.label))) continue;
    const files = new Map<string, Buffer>();
    for (const file of entry.files) files.set(path.basename(file.path), await readFile(path.join(ZOO_DIR, file.path)));
    await registerVersion(
      deps,
      { study: study.name, model: entry.model, label: entry.label, architecture: entry.architecture, training: entry.training, preprocessing: entry.preprocessing },
      files,
    );
    log.info({ model: entry.model, label: entry.label }, 'demo version registered');
  }

  let dataset = await catalog.findDataset(study.id, PROBE_DATASET);
  if (!dataset) {
    const images = buildFashionProbeSet(PROBE_IMAGES);
    dataset = await registerDataset(
      deps,
      { studyId: study.id, name: PROBE_DATASET, description: `The first ${PROBE_IMAGES} Fashion-MNIST test images, class-balanced.` },
      (await images).map((image, i) => ({ name: `${String(i).padStart(5, '0')}.png`, bytes: image.png, label: image.label })),
    );
    log.info({ images: dataset.imageCount }, 'demo probe dataset registered');
  }

  const jobIds: string[] = [];
  // Fashion-MNIST probes for the zoo's models only: the pretrained model below gets natural images.
  const zooModels = new Set((await catalog.listModels(study.id)).filter((m) => zoo.versions.some((v) => v.model === m.name)).map((m) => m.id));
  for (const version of (await catalog.listStudyVersions(study.id)).filter((v) => zooModels.has(v.modelId))) {
    const params = ActivationsJobParams.parse({ kind: 'activations', versionId: version.id, datasetId: dataset.id });
    jobIds.push((await ingest.jobs.request(study.id, params)).job.id);
  }
  jobIds.push(...(await ensureNaturalImageDemo(product, study.id)));
  renderDemoInBackground(product, study.id);
  return jobIds;
}

/** Shows the jobs' progress (one bar each on a terminal, a log line per change otherwise) until all have ended. */
export async function watchJobs(product: Product, jobIds: string[]): Promise<JobView[]> {
  const bars = process.stdout.isTTY ? new MultiBar({ format: '{name} [{bar}] {percentage}% {message}', hideCursor: true }, Presets.shades_classic) : null;
  const names = new Map<string, string>();
  for (const version of await product.catalog.listStudyVersions((await product.catalog.getStudy(DEMO_STUDY)).id)) {
    const model = (await product.catalog.listModels(version.studyId)).find((m) => m.id === version.modelId);
    names.set(version.id, `${model?.name ?? '?'}@${version.label}`.padEnd(20));
  }
  const handles = new Map<string, ReturnType<MultiBar['create']>>();
  const lastSeen = new Map<string, string>();
  for (;;) {
    const jobs = await Promise.all(jobIds.map((id) => product.catalog.getJob(id)));
    for (const job of jobs) {
      const name = names.get(job.params.versionId) ?? job.id.slice(0, 8);
      const message = job.status === 'running' ? job.message : job.status;
      if (bars) {
        if (!handles.has(job.id)) handles.set(job.id, bars.create(100, 0, { name, message }));
        handles.get(job.id)!.update(Math.round(job.progress * 100), { name, message });
      } else if (lastSeen.get(job.id) !== `${job.status}:${message}`) {
        lastSeen.set(job.id, `${job.status}:${message}`);
        console.log(`${name} ${job.status} ${Math.round(job.progress * 100)}% ${job.message}`);
      }
    }
    if (jobs.every(jobHasEnded)) {
      bars?.stop();
      const failed = jobs.filter((j) => j.status === 'failed');
      for (const job of failed) console.log(`job ${job.id} failed: ${job.message}`);
      return jobs;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

// ---- Natural-image demo (issue 4): a pretrained COCO network on crops of CC0 photos --------------------------

const NATURAL_PROBE_IMAGES = 400;
const NATURAL_PROBE_SIZE = 160;
const NATURAL_DATASET = `natural-crops-${NATURAL_PROBE_IMAGES}`;

/**
 * Registers the pretrained CenterNet (tools/demo-zoo/pretrained.ts) and a natural-image probe set of random crops
 * of python3-skimage's CC0 photos (natural-probes.ts), and requests the model's activations on that set only, for
 * a readable subset of its layers. Skipped, with a log line, where the photos or the model package are missing.
 */
async function ensureNaturalImageDemo(product: Product, studyId: string): Promise<string[]> {
  const { catalog, storage, ingest, log } = product;
  const deps = { catalog, blobs: storage.blobs };
  const photos = findSkimageData();
  if (!photos) {
    log.warn('demo: python3-skimage is not installed, so there are no CC0 photos to probe with; skipping the pretrained natural-image model (apt-get install python3-skimage)');
    return [];
  }
  const existing = await catalog.findModel(studyId, PRETRAINED_MODEL);
  let version = existing ? await catalog.findVersion(existing.id, pretrainedLabel()) : undefined;
  if (!version) {
    let pretrained: PretrainedDemoModel;
    try {
      pretrained = await loadPretrainedDemoModel();
    } catch (e) {
      if (!(e instanceof MicroscopeError && e.code === 'UNAVAILABLE')) throw e;
      log.warn({ err: e }, 'demo: skipping the pretrained natural-image model');
      return [];
    }
    const { model, label, architecture, training, preprocessing, files } = pretrained;
    const study = await catalog.getStudyById(studyId);
    version = (await registerVersion(deps, { study: study.name, model, label, architecture, training, preprocessing }, files)).version;
    log.info({ model, label }, 'demo pretrained version registered');
  }
  let dataset = await catalog.findDataset(studyId, NATURAL_DATASET);
  if (!dataset) {
    const images = await buildNaturalProbeSet(NATURAL_PROBE_IMAGES, { size: NATURAL_PROBE_SIZE, dataDir: photos });
    dataset = await registerDataset(
      deps,
      {
        studyId,
        name: NATURAL_DATASET,
        description: `${NATURAL_PROBE_IMAGES} random ${NATURAL_PROBE_SIZE} px crops of ${NATURAL_PHOTOS.length} CC0 / public-domain photos from scikit-image (python3-skimage); labels name the photo.`,
      },
      images.map((image, i) => ({ name: `${String(i).padStart(5, '0')}.png`, bytes: image.png, label: image.label })),
    );
    log.info({ images: dataset.imageCount }, 'demo natural-image probe dataset registered');
  }
  // Batches of 8: at 256 px the stem alone holds 2 MB of activations per image.
  const params = ActivationsJobParams.parse({ kind: 'activations', versionId: version.id, datasetId: dataset.id, layers: DEMO_LAYERS, batchSize: 8 });
  return [(await ingest.jobs.request(studyId, params)).job.id];
}

// ---- Feature visualizations (issue 3): every unit of the zoo's models, in the background ----------------------

/**
 * The demo's pictures: the channel objective, 256 Adam steps at learning rate 0.1 on 64 px images resized to the
 * zoo's 28 px input (Lucid's 512 steps at 0.05 gave the same quality here in twice the time). Units that a flat
 * black or white image beats are optimised again from it, and softmax layers through their logits (OPTVIS_VERSION
 * 2). Measured with `npx tsx tools/bench/optvis-vs-dataset.ts` (these settings; WASM SIMD, 2 threads, 2 shared
 * cores): the zoo's 1944 units in 14 minutes, and 94.9 % of the pictures activate their unit (spatial mean, read
 * back from the PNG) more than its strongest probe image (83.2 % before the restarts and logits).
 */
export const DEMO_RENDER = { objective: 'channel', steps: 256, size: 64, learningRate: 0.1 } as const;
const RENDER_KINDS: ReadonlySet<string> = new Set(['visualize', 'dream', 'caricature', 'tuning']);
/** Polls (2 s apart) with no other work of the study queued or running before the renders are requested. */
const IDLE_POLLS = 3;

/**
 * Once the study's other work (activations, then comparisons) has gone idle, requests a channel visualization of
 * every unit of every layer of the zoo's versions and shows their progress. Detached: `npm start` says "ready"
 * first. Idempotent across restarts: finished jobs are returned as they are, stored pictures are never redone,
 * and a job cut off by a stop resumes from its next missing picture. MICROSCOPE_DEMO_RENDERS=false turns it off.
 */
export function renderDemoInBackground(product: Product, studyId: string): void {
  if (process.env.MICROSCOPE_DEMO_RENDERS === 'false') return;
  renderDemo(product, studyId).catch((e: unknown) => product.log.warn({ err: e }, 'demo renders stopped'));
}

async function renderDemo(product: Product, studyId: string): Promise<void> {
  const { catalog, ingest } = product;
  await waitUntilIdle(product, studyId);
  const zoo = readZooManifest(ZOO_DIR);
  const zooModels = new Set((await catalog.listModels(studyId)).filter((m) => zoo.versions.some((v) => v.model === m.name)).map((m) => m.id));
  const requested: { jobId: string; units: number }[] = [];
  for (const version of (await catalog.listStudyVersions(studyId)).filter((v) => zooModels.has(v.modelId))) {
    for (const layer of await catalog.listLayers(version.id)) {
      const params = VisualizeJobParams.parse({ kind: 'visualize', versionId: version.id, layer: layer.name, ...DEMO_RENDER });
      requested.push({ jobId: (await ingest.jobs.request(studyId, params)).job.id, units: layer.unitCount });
    }
  }
  const total = requested.reduce((n, r) => n + r.units, 0);
  console.log(`Demo renders: ${total} units in ${requested.length} layers, ${DEMO_RENDER.steps} steps at ${DEMO_RENDER.size} px, in the background`);
  const started = Date.now();
  const bar = process.stdout.isTTY ? new SingleBar({ format: 'renders [{bar}] {value}/{total} units {message}', hideCursor: true }, Presets.shades_classic) : null;
  bar?.start(total, 0, { message: '' });
  let lastTenth = -1;
  for (;;) {
    const jobs = await Promise.all(requested.map((r) => catalog.getJob(r.jobId)));
    const done = Math.round(jobs.reduce((n, job, i) => n + (job.status === 'succeeded' ? 1 : job.status === 'running' ? job.progress : 0) * requested[i].units, 0));
    const running = jobs.find((j) => j.status === 'running');
    bar?.update(done, { message: running?.message.slice(0, 50) ?? '' });
    const tenth = Math.floor((10 * done) / Math.max(1, total));
    if (!bar && tenth !== lastTenth) {
      lastTenth = tenth;
      console.log(`renders: ${done}/${total} units`);
    }
    if (jobs.every(jobHasEnded)) {
      bar?.stop();
      for (const job of jobs.filter((j) => j.status === 'failed')) console.log(`render ${job.id} failed: ${job.message}`);
      const minutes = ((Date.now() - started) / 60000).toFixed(1);
      console.log(`Demo renders finished (${minutes} min). Try: npx microscope render demo small-cnn-seed1@s1-e6 conv2 --units 0-3 --steps 256 --size 64 --lr 0.1`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** Waits until no job of the study other than renders has been queued or running for IDLE_POLLS polls in a row. */
async function waitUntilIdle(product: Product, studyId: string): Promise<void> {
  for (let quiet = 0; quiet < IDLE_POLLS; ) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const busy = (await product.catalog.listJobs({ studyId })).some((j) => !RENDER_KINDS.has(j.kind) && (j.status === 'queued' || j.status === 'running'));
    quiet = busy ? 0 : quiet + 1;
  }
}
