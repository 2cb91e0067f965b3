import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDemoStudy } from '../../../../tools/start/demo';
import { ProductEnv, startProduct, type Product } from '../../../../tools/start/product';
import { startWebProcess, type WebProcess } from './web-process';

export interface Stack {
  product: Product;
  web: WebProcess;
  dataDir: string;
  /** The demo study's activation jobs, when the demo was set up. */
  demoJobs: string[];
  stop(): Promise<void>;
}

/**
 * The product on a fresh temporary data directory and a free port, and the dashboard in front of it (in a
 * child process, see web-process.ts) — what `npm start` runs, minus the terminal progress bars.
 */
export async function startStack(opts: { demo: boolean }): Promise<Stack> {
  // The pages are under test, not the background feature-visualization renders the demo would start.
  process.env.MICROSCOPE_DEMO_RENDERS = 'false';
  const dataDir = await mkdtemp(path.join(tmpdir(), 'microscope-web-'));
  const product = await startProduct(ProductEnv.parse({ MICROSCOPE_DATA_DIR: dataDir, MICROSCOPE_PORT: '0' }));
  let web: WebProcess | undefined;
  try {
    const demoJobs = opts.demo ? await ensureDemoStudy(product) : [];
    web = await startWebProcess(product.url);
    const started = web;
    return {
      product,
      web: started,
      dataDir,
      demoJobs,
      async stop() {
        await started.close();
        await product.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await web?.close();
    await product.stop();
    throw e;
  }
}

/** Waits until one of the jobs has succeeded and returns it (fails fast if all of them failed). */
export async function firstSucceeded(product: Product, jobIds: string[], timeoutMs = 10 * 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const jobs = await Promise.all(jobIds.map((id) => product.catalog.getJob(id)));
    const done = jobs.find((j) => j.status === 'succeeded');
    if (done) return done;
    if (jobs.every((j) => j.status === 'failed')) throw new Error(`every job failed: ${jobs.map((j) => j.message).join('; ')}`);
    if (Date.now() > deadline) throw new Error(`no job finished within ${timeoutMs / 1000} s: ${jobs.map((j) => `${j.status} ${Math.round(j.progress * 100)}%`).join(', ')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Waits until two of the jobs have succeeded on the same probe set and returns them, in the order they finished
 * (a comparison needs both versions extracted on one dataset).
 */
export async function twoSucceededOnOneDataset(product: Product, jobIds: string[], timeoutMs = 10 * 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const jobs = await Promise.all(jobIds.map((id) => product.catalog.getJob(id)));
    const done = jobs.filter((j) => j.status === 'succeeded').sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
    for (const first of done) {
      const second = done.find((j) => j !== first && j.params.kind === 'activations' && first.params.kind === 'activations' && j.params.datasetId === first.params.datasetId);
      if (second) return [first, second] as const;
    }
    if (jobs.filter((j) => j.status !== 'failed').length < 2) throw new Error(`fewer than two extractions can succeed: ${jobs.map((j) => `${j.status} ${j.message}`).join('; ')}`);
    if (Date.now() > deadline) throw new Error(`no two extractions finished within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** model / version label of a version id, for building permalinks. */
export async function versionNames(product: Product, versionId: string) {
  const version = await product.catalog.getVersionById(versionId);
  const model = (await product.catalog.listModels(version.studyId)).find((m) => m.id === version.modelId);
  if (!model) throw new Error(`version ${versionId} has no model`);
  return { model: model.name, version: version.label };
}
