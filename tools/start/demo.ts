import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MultiBar, Presets } from 'cli-progress';
import { ActivationsJobParams, type JobView } from '@microscope/contracts';
import { registerDataset, registerVersion } from '@microscope/ingest';
import { readZooManifest } from '../demo-zoo/manifest';
import { buildFashionProbeSet } from '../demo-zoo/probe';
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
  for (const version of await catalog.listStudyVersions(study.id)) {
    const params = ActivationsJobParams.parse({ kind: 'activations', versionId: version.id, datasetId: dataset.id });
    jobIds.push((await ingest.jobs.request(study.id, params)).job.id);
  }
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
    if (jobs.every((j) => j.status === 'succeeded' || j.status === 'failed')) {
      bars?.stop();
      const failed = jobs.filter((j) => j.status === 'failed');
      for (const job of failed) console.log(`job ${job.id} failed: ${job.message}`);
      return jobs;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
