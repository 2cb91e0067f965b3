import { MicroscopeError, type CaricatureJobParams, type Job } from '@microscope/contracts';
import { optvis } from '@microscope/engine';
import { imageToInput } from '@microscope/imaging';
import type { ProgressReporter } from '../progress';
import { loadLayer, type RenderJobDeps } from './render-context';
import { renderSinglePicture } from './single-picture';

/**
 * A caricature of one probe image at a layer (Lucid): start from the image and optimise towards what the layer
 * sees in it (dot product with its activations, weighted by their cosine). Stored under the layer's
 * "caricature" folder, named by the image's content hash.
 */
export async function caricatureJob(deps: RenderJobDeps, job: Job, params: CaricatureJobParams, progress: ProgressReporter): Promise<void> {
  const loaded = await loadLayer(deps, params.versionId, params.layer);
  const { version } = loaded;
  const [image] = await deps.catalog.listImagesByIndex(params.datasetId, [params.imageIndex]);
  if (!image) throw new MicroscopeError('NOT_FOUND', `the dataset has no image ${params.imageIndex}`);
  const { channels } = version.input;
  if (channels !== 1 && channels !== 3) throw new MicroscopeError('UNSUPPORTED', `caricatures need a 1- or 3-channel model; this one takes ${channels}`);

  const key = optvis.caricatureKey(version, params, image.contentHash);
  await renderSinglePicture(
    deps,
    job,
    loaded,
    key,
    params,
    async () => {
      // The image at the render size with values in [0, 1]: the identity preprocessing of 8-bit pixels.
      const pixels = await imageToInput(await deps.blobs.get(image.key), { height: params.size, width: params.size, channels }, { scale: 1 / 255, mean: [0], std: [1] });
      return { objectives: [optvis.caricature(loaded.layer.name, { batch: 0, reference: 1, cossimPow: 1 })], channels, init: pixels, references: pixels };
    },
    progress,
    'caricature',
  );
}
