import type { Job } from '@microscope/contracts';
import { optvis } from '@microscope/engine';
import type { ProgressReporter } from '../progress';
import { PieceProgress, storePicture, type LoadedLayer, type RenderJobDeps } from './render-context';
import { LUCID_SIZE } from './visualize-units';

type RenderOptions = Parameters<typeof optvis.render>[0];

/**
 * The one-picture jobs (DeepDream, caricature): skip if the key is stored, else optimise with the job's settings
 * and Lucid's transforms at the render size, store the PNG and report. Callers supply only what differs: the
 * objective and, for a caricature, the starting image.
 */
export async function renderSinglePicture(
  deps: RenderJobDeps,
  job: Job,
  loaded: LoadedLayer,
  key: string,
  settings: { steps: number; size: number; learningRate: number; seed: number },
  /** What differs per job; called only when the picture is not stored yet (a caricature decodes its image here). */
  specific: () => Promise<Pick<RenderOptions, 'objectives' | 'channels' | 'init' | 'references'>>,
  progress: ProgressReporter,
  what: string,
): Promise<void> {
  if (await deps.blobs.exists(key)) {
    await progress.report('succeeded', 1, 'already rendered');
    return;
  }
  const { version, layer, forward } = loaded;
  const pieces = new PieceProgress(progress, settings.steps);
  const result = await optvis.render({
    ...(await specific()),
    forward,
    size: settings.size,
    steps: settings.steps,
    learningRate: settings.learningRate,
    seed: settings.seed,
    inputSize: [version.input.height, version.input.width],
    transforms: optvis.standardTransforms(settings.size / LUCID_SIZE),
    signal: deps.signal,
    onProgress: ({ step, steps }) => pieces.within(step, 0, `step ${step}/${steps}`),
  });
  await storePicture(deps.blobs, key, { pixels: result.images[0], height: result.height, width: result.width, channels: result.channels });
  await pieces.finished(settings.steps, 'stored');
  deps.log.info({ jobId: job.id, versionId: version.id, layer: layer.name, key }, `${what} rendered`);
  await progress.report('succeeded', 1, `rendered ${key}`);
}
