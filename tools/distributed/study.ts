/**
 * A study for the fault specs and the bench, set up through the API as the CLI does it: a demo-zoo model (registered
 * under as many model names as asked, so one run can be compared with another of the same files) and a Fashion-MNIST
 * probe set.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { jobHasEnded, type JobView } from '@microscope/contracts';
import { uploadFiles, type ApiClient } from '../cli/api-client';
import { readZooManifest } from '../demo-zoo/manifest';
import { buildFashionProbeSet } from '../demo-zoo/probe';

const ZOO_DIR = path.join(__dirname, '..', 'demo-zoo');

/** The zoo version the specs use: a small CNN (conv 8 → pool → conv 16 → pool → flatten 784 → logits 10), 28×28 gray. */
export const ZOO_MODEL = { model: 'small-cnn-seed1', label: 's1-e6' } as const;

export interface RegisteredVersion {
  model: string;
  versionId: string;
  layers: { name: string; units: number }[];
}

export async function registerZooVersion(api: ApiClient, ingestUrl: string, study: string, model: string): Promise<RegisteredVersion> {
  const entry = readZooManifest(ZOO_DIR).versions.find((v) => v.model === ZOO_MODEL.model && v.label === ZOO_MODEL.label);
  if (!entry) throw new Error(`the demo zoo has no ${ZOO_MODEL.model}@${ZOO_MODEL.label}`);
  const uploadId = await uploadFiles(entry.files.map((f) => ({ name: path.basename(f.path), path: path.join(ZOO_DIR, f.path) })), ingestUrl);
  await api.versions.register.mutate({
    study,
    model,
    uploadId,
    label: ZOO_MODEL.label,
    architecture: entry.architecture,
    training: entry.training,
    preprocessing: entry.preprocessing,
  });
  const { version, layers } = await api.versions.get.query({ study, model, version: ZOO_MODEL.label });
  return { model, versionId: version.id, layers: layers.map((l) => ({ name: l.name, units: l.unitCount })) };
}

/** Writes the first `count` Fashion-MNIST test images as PNG files and registers them as a dataset. */
export async function registerProbeSet(api: ApiClient, ingestUrl: string, study: string, name: string, count: number, dir: string): Promise<{ datasetId: string }> {
  await mkdir(dir, { recursive: true });
  const files: { name: string; path: string }[] = [];
  for (const [i, image] of (await buildFashionProbeSet(count)).entries()) {
    const file = { name: `${String(i).padStart(5, '0')}.png`, path: path.join(dir, `${String(i).padStart(5, '0')}.png`) };
    await writeFile(file.path, image.png);
    files.push(file);
  }
  const uploadId = await uploadFiles(files, ingestUrl);
  const dataset = await api.datasets.register.mutate({ study, name, uploadId });
  return { datasetId: dataset.id };
}

/** Requests dataset activations for one model's version and returns the job's id. */
export async function requestActivations(api: ApiClient, study: string, model: string, batchSize: number): Promise<string> {
  const [request] = await api.jobs.requestActivations.mutate({ study, model, batchSize, topK: 8, force: true });
  return request.job.id;
}

/** Polls a job until `until` holds for it (every `intervalMs`), and returns it; fails after `timeoutMs`. */
export async function waitForJob(api: ApiClient, jobId: string, until: (job: JobView) => boolean, timeoutMs: number, intervalMs = 250): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  let job: JobView | undefined;
  for (;;) {
    job = await api.jobs.get.query({ jobId }).catch(() => job); // the API may be briefly unable to answer during a restart
    if (job && until(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not get there in ${timeoutMs} ms; last seen: ${job ? `${job.status} ${job.progress} "${job.message}"` : 'nothing'}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const ended = jobHasEnded;
