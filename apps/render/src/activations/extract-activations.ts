import * as tf from '@tensorflow/tfjs';
import {
  encodeFloat32,
  encodeUint16,
  envelope,
  MicroscopeError,
  Topics,
  type ActivationBatch,
  type ActivationsJobParams,
  type DatasetImage,
  type Job,
  type ModelVersion,
} from '@microscope/contracts';
import type { Catalog } from '@microscope/catalog';
import { listLayers } from '@microscope/engine';
import { imageToInput } from '@microscope/imaging';
import type { Logger } from '@microscope/platform';
import type { BlobStore, Bus, OutgoingMessage } from '@microscope/storage';
import type { ModelCache } from '../models/model-cache';
import type { ProgressReporter } from '../progress';
import { chunked, createPooledForward, imagesPerChunk, type ExtractionPath } from './pooled-forward';

export interface ExtractionDeps {
  catalog: Catalog;
  blobs: BlobStore;
  bus: Bus;
  models: ModelCache;
  log: Logger;
  /** Which engine runs the forward passes (default 'auto': onnxruntime for ONNX versions, else tfjs). */
  extractionPath?: ExtractionPath;
}

/**
 * Runs a dataset through a model version in batches and publishes, per layer and batch, every unit's spatially
 * pooled activation (mean, max and the max's position) for analytics to store. Message ids are derived from
 * (job, layer, batch), so a re-run after a crash republishes identical messages that consumers dedupe.
 * Ends with `activations.completed` on the same key, which therefore arrives after every batch.
 */
export async function extractActivations(deps: ExtractionDeps, job: Job, params: ActivationsJobParams, progress: ProgressReporter): Promise<void> {
  const version = await deps.catalog.getVersionById(params.versionId);
  const dataset = await deps.catalog.getDatasetById(params.datasetId);
  const images = await deps.catalog.listImages(dataset.id);
  if (!images.length) throw new MicroscopeError('INVALID_INPUT', `dataset "${dataset.name}" has no images`);
  const model = await deps.models.get(version);
  const allLayers = listLayers(model.ir);
  const layers = params.layers.length ? allLayers.filter((l) => params.layers.includes(l.name)) : allLayers;
  const unknown = params.layers.filter((name) => !allLayers.some((l) => l.name === name));
  if (unknown.length) throw new MicroscopeError('NOT_FOUND', `model version has no layer(s) ${unknown.join(', ')}`);

  const log = deps.log.child({ jobId: job.id, versionId: version.id });
  const batches = Math.ceil(images.length / params.batchSize);
  const started = Date.now();
  // Where the time goes, for the log line at the end: waiting for decoded images, model + pooling, publishing.
  const seconds = { waitingForImages: 0, forward: 0, publish: 0 };
  const timed = async <T>(key: keyof typeof seconds, work: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      seconds[key] += (performance.now() - t0) / 1000;
    }
  };
  const layerNames = layers.map((l) => l.name);
  const forward = chunked(await createPooledForward(model, layerNames, deps.extractionPath ?? 'auto', log), imagesPerChunk(model.ir, layerNames));
  try {
    let next = loadBatch(deps.blobs, images.slice(0, params.batchSize), version);
    for (let b = 0; b < batches; b++) {
      const batchImages = images.slice(b * params.batchSize, (b + 1) * params.batchSize);
      const input = await timed('waitingForImages', () => next);
      // Decode the next batch while this one runs.
      if (b + 1 < batches) next = loadBatch(deps.blobs, images.slice((b + 1) * params.batchSize, (b + 2) * params.batchSize), version);
      const pooledByLayer = await timed('forward', () => forward.run(input));
      const pooledLayers = layers.map((layer) => ({ layer, pooled: pooledByLayer.get(layer.name)! }));
      const messages: OutgoingMessage[] = [];
      for (const { layer, pooled } of pooledLayers) {
        const batch: ActivationBatch = {
          jobId: job.id,
          versionId: version.id,
          datasetId: dataset.id,
          layer: layer.name,
          batchIndex: b,
          imageIndices: batchImages.map((i) => i.index),
          units: pooled.channels,
          gridHeight: pooled.height,
          gridWidth: pooled.width,
          mean: encodeFloat32(pooled.mean),
          max: encodeFloat32(pooled.max),
          argmaxY: encodeUint16(pooled.argmaxY),
          argmaxX: encodeUint16(pooled.argmaxX),
        };
        messages.push({ key: version.id, value: JSON.stringify(envelope('activations.batch', batch, `${job.id}:${layer.name}:${b}`)) });
      }
      await timed('publish', () => deps.bus.publish(Topics.activations, messages));
      await progress.report('running', (0.9 * (b + 1)) / batches, `extracted ${Math.min((b + 1) * params.batchSize, images.length)}/${images.length} images`);
    }
  } finally {
    await forward.dispose();
  }
  const total = (Date.now() - started) / 1000;
  log.info({ engine: forward.engine, images: images.length, layers: layers.length, seconds: total, imagesPerSecond: images.length / total, ...seconds }, 'extraction finished');
  // Before the completion message: analytics answers it with "succeeded", which must stay the latest event.
  await progress.report('running', 0.9, 'extraction finished; computing statistics');
  await deps.bus.publish(Topics.activations, [
    {
      key: version.id,
      value: JSON.stringify(
        envelope(
          'activations.completed',
          {
            jobId: job.id,
            versionId: version.id,
            datasetId: dataset.id,
            layers: layers.map((l) => ({ name: l.name, units: l.unitCount })),
            imageCount: images.length,
            topK: params.topK,
          },
          `${job.id}:completed`,
        ),
      ),
    },
  ]);
  await progress.report('running', 0.9, 'extraction finished; computing statistics');
}

async function loadBatch(blobs: BlobStore, images: DatasetImage[], version: ModelVersion): Promise<tf.Tensor4D> {
  const { height, width, channels } = version.input;
  const pixels = new Float32Array(images.length * height * width * channels);
  const arrays = await Promise.all(images.map(async (image) => imageToInput(await blobs.get(image.key), version.input, version.preprocessing)));
  arrays.forEach((a, i) => pixels.set(a, i * a.length));
  return tf.tensor4d(pixels, [images.length, height, width, channels]);
}
