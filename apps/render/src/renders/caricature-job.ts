import { MicroscopeError, type CaricatureJobParams, type Job } from '@microscope/contracts';
import { optvis } from '@microscope/engine';
import { imageToInput } from '@microscope/imaging';
import type { ProgressReporter } from '../progress';
import { loadLayer, PieceProgress, storePicture, type RenderJobDeps } from './render-context';
import { LUCID_SIZE } from './visualize-units';

/**
 * A caricature of one probe image at a layer (Lucid): start from the image and optimise towards what the layer
 * sees in it (dot product with its activations, weighted by their cosine). Stored under the layer's
 * "caricature" folder, named by the image's content hash.
 */
export async function caricatureJob(deps: RenderJobDeps, job: Job, params: CaricatureJobParams, progress: ProgressReporter): Promise<void> {
  const { version, layer, forward } = await loadLayer(deps, params.versionId, params.layer);
  const [image] = await deps.catalog.listImagesByIndex(params.datasetId, [params.imageIndex]);
  if (!image) throw new MicroscopeError('NOT_FOUND', `the dataset has no image ${params.imageIndex}`);
  const { channels } = version.input;
  if (channels !== 1 && channels !== 3) throw new MicroscopeError('UNSUPPORTED', `caricatures need a 1- or 3-channel model; this one takes ${channels}`);

  const key = optvis.caricatureKey(version, params, image.contentHash);
  if (await deps.blobs.exists(key)) {
    await progress.report('succeeded', 1, 'already rendered');
    return;
  }
  // The image at the render size with values in [0, 1]: the identity preprocessing of 8-bit pixels.
  const pixels = await imageToInput(await deps.blobs.get(image.key), { height: params.size, width: params.size, channels }, { scale: 1 / 255, mean: [0], std: [1] });
  const pieces = new PieceProgress(progress, params.steps);
  const result = await optvis.render({
    forward,
    objectives: [optvis.caricature(layer.name, { batch: 0, reference: 1, cossimPow: 1 })],
    init: pixels,
    references: pixels,
    size: params.size,
    channels,
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
  deps.log.info({ jobId: job.id, versionId: version.id, layer: layer.name, key }, 'caricature rendered');
  await progress.report('succeeded', 1, `rendered ${key}`);
}
