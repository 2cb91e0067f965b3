import * as tf from '@tensorflow/tfjs';
import { ActivationsJobParams } from '@microscope/contracts';
import { encodePng } from '@microscope/imaging';
import { registerDataset, registerVersion } from '@microscope/ingest';
import type { Product } from '../../../../tools/start/product';
import { seeded, tfjsModelFiles } from '../../../../tools/testing/tiny-study';

const SIDE = 16;

/**
 * A study whose one model has a single wide layer (a 3×3 convolution with `units` channels, seeded weights), with
 * seeded noise images as its probe set and their activations extracted: a layer grid far larger than the screen.
 */
export async function createWideStudy(product: Product, opts: { name: string; units: number; images: number }) {
  const { catalog, storage, ingest } = product;
  const deps = { catalog, blobs: storage.blobs };
  const study = await catalog.createStudy(opts.name, `One layer of ${opts.units} units.`);
  const init = (s: number) => tf.initializers.randomNormal({ mean: 0, stddev: 0.3, seed: s });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ name: 'wide', inputShape: [SIDE, SIDE, 1], filters: opts.units, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1), biasInitializer: init(2) }),
      tf.layers.globalAveragePooling2d({ name: 'gap' }),
      tf.layers.dense({ name: 'out', units: 4, activation: 'softmax', kernelInitializer: init(3) }),
    ],
  });
  try {
    await registerVersion(deps, { study: study.name, model: 'wide-cnn', label: 'v1', training: {} }, await tfjsModelFiles(model));
  } finally {
    model.dispose();
  }
  const random = seeded(7);
  const images = [];
  for (let i = 0; i < opts.images; i++) {
    const pixels = new Uint8Array(SIDE * SIDE).map(() => Math.floor(random() * 256));
    images.push({ name: `${String(i).padStart(4, '0')}.png`, bytes: await encodePng(pixels, SIDE, SIDE, 1) });
  }
  const dataset = await registerDataset(deps, { studyId: study.id, name: 'noise', description: 'seeded noise' }, images);
  const version = (await catalog.listStudyVersions(study.id))[0];
  const { job } = await ingest.jobs.request(study.id, ActivationsJobParams.parse({ kind: 'activations', versionId: version.id, datasetId: dataset.id }));
  for (;;) {
    const now = await catalog.getJob(job.id);
    if (now.status === 'failed') throw new Error(`extraction of the wide model failed: ${now.message}`);
    if (now.status === 'succeeded') break;
    await new Promise((r) => setTimeout(r, 300));
  }
  return { study: study.name, model: 'wide-cnn', version: 'v1', layer: 'wide', units: opts.units };
}
