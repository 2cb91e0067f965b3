import type { DreamJobParams, Job } from '@microscope/contracts';
import { optvis } from '@microscope/engine';
import type { ProgressReporter } from '../progress';
import { loadLayer, PieceProgress, storePicture, type RenderJobDeps } from './render-context';
import { LUCID_SIZE } from './visualize-units';

/** DeepDream of a whole layer from noise: one picture per layer, stored under its derived key (skipped if there). */
export async function dreamJob(deps: RenderJobDeps, job: Job, params: DreamJobParams, progress: ProgressReporter): Promise<void> {
  const { version, layer, forward } = await loadLayer(deps, params.versionId, params.layer);
  const key = optvis.dreamKey(version, params);
  if (await deps.blobs.exists(key)) {
    await progress.report('succeeded', 1, 'already rendered');
    return;
  }
  const pieces = new PieceProgress(progress, params.steps);
  const result = await optvis.render({
    forward,
    objectives: [optvis.deepdream(layer.name)],
    size: params.size,
    channels: version.input.channels,
    steps: params.steps,
    learningRate: params.learningRate,
    seed: params.seed,
    inputSize: [version.input.height, version.input.width],
    transforms: optvis.standardTransforms(params.size / LUCID_SIZE),
    signal: deps.signal,
    onProgress: ({ step, steps }) => pieces.within(step, 0, `step ${step}/${steps}`),
  });
  await storePicture(deps.blobs, key, { pixels: result.images[0], height: result.height, width: result.width, channels: result.channels });
  await pieces.finished(params.steps, 'stored');
  deps.log.info({ jobId: job.id, versionId: version.id, layer: layer.name, key }, 'deepdream rendered');
  await progress.report('succeeded', 1, `rendered ${key}`);
}
