import type { DreamJobParams, Job } from '@microscope/contracts';
import { optvis } from '@microscope/engine';
import type { ProgressReporter } from '../progress';
import { loadLayer, type RenderJobDeps } from './render-context';
import { renderSinglePicture } from './single-picture';

/** DeepDream of a whole layer from noise: one picture per layer, stored under its derived key (skipped if there). */
export async function dreamJob(deps: RenderJobDeps, job: Job, params: DreamJobParams, progress: ProgressReporter): Promise<void> {
  const loaded = await loadLayer(deps, params.versionId, params.layer);
  const key = optvis.dreamKey(loaded.version, params);
  await renderSinglePicture(deps, job, loaded, key, params, async () => ({ objectives: [optvis.deepdream(loaded.layer.name)], channels: loaded.version.input.channels }), progress, 'deepdream');
}
