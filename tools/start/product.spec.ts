import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { imageToInput } from '@microscope/imaging';
import { createApiClient, uploadFiles, type ApiClient } from '../cli/api-client';
import { saveTfjsModel, tinyModel, TINY_INPUT, writeProbeImages } from '../testing/tiny-study';
import { ProductEnv, startProduct, type Product } from './product';
import { waitForJobs as waitForJobsOf } from '../testing/jobs';

/**
 * The embedded product end to end, through its HTTP API as the CLI uses it: register a generated model and image
 * set, extract activations, and check every unit's statistics and top-k against a brute-force computation.
 */
jest.setTimeout(240_000);

const IMAGES = 40;
let dir: string;
let product: Product;
let api: ApiClient;

const start = async () => {
  product = await startProduct(ProductEnv.parse({ MICROSCOPE_DATA_DIR: path.join(dir, 'data'), MICROSCOPE_PORT: '0' }));
  api = createApiClient(product.url);
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'microscope-product-'));
  await start();
});

afterAll(async () => {
  await product?.stop();
  await rm(dir, { recursive: true, force: true });
});

const waitForJobs = (ids: string[]) => waitForJobsOf(api, ids);

const files = (folder: string, names: string[]) => names.map((name) => ({ name, path: path.join(folder, name) }));

/** Per image and unit: spatial mean, max and argmax of a layer's output, in float64, from the original tfjs model. */
function bruteForcePooled(model: tf.LayersModel, layer: string, input: tf.Tensor4D) {
  const sub = tf.model({ inputs: model.inputs, outputs: model.getLayer(layer).output as tf.SymbolicTensor });
  const out = sub.predict(input) as tf.Tensor;
  const data = out.dataSync();
  const [n, h, w, c] = (out.rank === 4 ? out.shape : [out.shape[0], 1, 1, out.shape[1]]) as [number, number, number, number];
  out.dispose();
  const units = Array.from({ length: c }, () => ({ mean: [] as number[], max: [] as number[], argmax: [] as [number, number][] }));
  for (let i = 0; i < n; i++) {
    for (let u = 0; u < c; u++) {
      let sum = 0;
      let best = -Infinity;
      let at: [number, number] = [0, 0];
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const v = data[((i * h + y) * w + x) * c + u];
          sum += v;
          if (v > best) [best, at] = [v, [y, x]];
        }
      }
      units[u].mean.push(sum / (h * w));
      units[u].max.push(best);
      units[u].argmax.push(at);
    }
  }
  return { units, grid: [h, w] };
}

function textbookStats(values: number[]) {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
  return { count: n, mean, std, min: Math.min(...values), max: Math.max(...values), fractionPositive: values.filter((v) => v > 0).length / n };
}

const close = (a: number, b: number, tol = 1e-4) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

describe('the embedded product', () => {
  let model: tf.LayersModel;
  let inputs: tf.Tensor4D;

  beforeAll(async () => {
    model = tinyModel(7);
    const modelDir = path.join(dir, 'model');
    await saveTfjsModel(model, modelDir);
    const imageFiles = await writeProbeImages(path.join(dir, 'images'), IMAGES, 11);
    const pixels = await Promise.all(imageFiles.map(async (f) => imageToInput(await readFile(f), TINY_INPUT, { scale: 1 / 255, mean: [0], std: [1] })));
    inputs = tf.tensor4d(Float32Array.from(pixels.flatMap((p) => Array.from(p))), [IMAGES, 12, 12, 1]);

    await api.studies.create.mutate({ name: 'tiny', description: 'generated' });
    const uploadId = await uploadFiles(files(modelDir, ['model.json', 'weights.bin']), product.url);
    await api.versions.register.mutate({ study: 'tiny', model: 'cnn', label: 'v1', uploadId, training: { seed: 7, epoch: 1 } });
    const imagesUpload = await uploadFiles(imageFiles.map((f) => ({ name: path.basename(f), path: f })), product.url);
    await api.datasets.register.mutate({ study: 'tiny', name: 'probe', uploadId: imagesUpload });
  });

  afterAll(() => inputs?.dispose());

  it('lists the layers of a registered version with shapes and unit counts', async () => {
    const { layers } = await api.versions.get.query({ study: 'tiny', model: 'cnn', version: 'v1' });
    expect(layers.map((l) => [l.name, l.outputShape, l.unitCount])).toEqual([
      ['conv1', [12, 12, 4], 4],
      ['pool1', [6, 6, 4], 4],
      ['conv2', [4, 4, 5], 5],
      ['gap', [5], 5],
      ['out', [3], 3],
    ]);
  });

  it('extracts activations whose statistics and top-k equal a brute-force computation for every unit', async () => {
    const requested = await api.jobs.requestActivations.mutate({ study: 'tiny', topK: 5, batchSize: 16 });
    const [job] = await waitForJobs(requested.map((r) => r.job.id));
    expect(job).toMatchObject({ status: 'succeeded', progress: 1 });

    const { layers } = await api.versions.get.query({ study: 'tiny', model: 'cnn', version: 'v1' });
    for (const layer of layers) {
      const expected = bruteForcePooled(model, layer.name, inputs);
      for (let unit = 0; unit < layer.unitCount; unit++) {
        const got = await api.units.get.query({ study: 'tiny', model: 'cnn', version: 'v1', layer: layer.name, unit });
        const truth = expected.units[unit];
        for (const pooling of ['mean', 'max'] as const) {
          const stats = got.stats.find((s) => s.pooling === pooling)!;
          const want = textbookStats(truth[pooling]);
          for (const field of ['mean', 'std', 'min', 'max', 'fractionPositive'] as const) {
            if (!close(stats[field], want[field])) throw new Error(`${layer.name}/${unit} ${pooling} ${field}: ${stats[field]} vs ${want[field]}`);
          }
          expect(stats.count).toBe(IMAGES);
          expect(stats.histogram.counts.reduce((a, b) => a + b, 0)).toBe(IMAGES);
        }
        const order = truth.max.map((value, index) => ({ value, index })).sort((a, b) => b.value - a.value || a.index - b.index).slice(0, 5);
        expect(got.topK.map((t) => t.imageIndex)).toEqual(order.map((o) => o.index));
        got.topK.forEach((t, rank) => {
          expect(close(t.value, order[rank].value)).toBe(true);
          expect([t.argmaxY, t.argmaxX]).toEqual(truth.argmax[order[rank].index]);
          expect([t.gridHeight, t.gridWidth]).toEqual(expected.grid);
          expect(t.imageKey).toMatch(/^datasets\/.+\.png$/);
        });
      }
    }
  });

  it('serves probe images by key with an ETag and long cache headers', async () => {
    const unit = await api.units.get.query({ study: 'tiny', model: 'cnn', version: 'v1', layer: 'conv1', unit: 0 });
    const response = await fetch(`${product.url}/blobs/${unit.topK[0].imageKey}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('cache-control')).toContain('immutable');
    const again = await fetch(`${product.url}/blobs/${unit.topK[0].imageKey}`, { headers: { 'if-none-match': response.headers.get('etag')! } });
    expect(again.status).toBe(304);
    expect((await fetch(`${product.url}/blobs/models/anything`)).status).toBe(404);
  });

  it('answers a repeated request with the finished job instead of redoing it', async () => {
    const again = await api.jobs.requestActivations.mutate({ study: 'tiny', topK: 5, batchSize: 16 });
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ created: false, job: { status: 'succeeded' } });
  });

  it('finds everything after a restart on the same data directory', async () => {
    const before = await api.units.get.query({ study: 'tiny', model: 'cnn', version: 'v1', layer: 'conv2', unit: 2 });
    await product.stop();
    await start();
    const after = await api.units.get.query({ study: 'tiny', model: 'cnn', version: 'v1', layer: 'conv2', unit: 2 });
    expect(after).toEqual(before);
    expect((await api.jobs.list.query({ study: 'tiny' }))[0].status).toBe('succeeded');
  });
});

describe('bad input gets an error naming the problem, and nothing is stored', () => {
  let modelDir: string;
  beforeAll(async () => {
    modelDir = path.join(dir, 'bad-model');
    await saveTfjsModel(tinyModel(3), modelDir);
    await api.studies.create.mutate({ name: 'bad' }).catch(() => undefined);
  });

  async function register(fileSet: { name: string; path: string }[], label = 'v1') {
    const uploadId = await uploadFiles(fileSet, product.url);
    return api.versions.register.mutate({ study: 'bad', model: 'm', label, uploadId });
  }
  async function nothingStored() {
    const study = await api.studies.get.query({ study: 'bad' });
    expect(study.models.flatMap((m) => m.versions)).toHaveLength(0);
    expect(await product.storage.blobs.list('uploads/')).toHaveLength(0);
  }

  it.each([
    ['not JSON', async (d: string) => writeFile(path.join(d, 'model.json'), '{ not json'), /model\.json.*JSON|JSON.*model\.json/i],
    ['a missing weight shard', async (d: string) => rm(path.join(d, 'weights.bin')), /weights\.bin/],
    ['a truncated weight shard', async (d: string) => writeFile(path.join(d, 'weights.bin'), (await readFile(path.join(d, 'weights.bin'))).subarray(0, 100)), /truncated|bytes/i],
    [
      'a shape that contradicts the manifest',
      async (d: string) => {
        const json = JSON.parse(await readFile(path.join(d, 'model.json'), 'utf8'));
        json.weightsManifest[0].weights[0].shape = [5, 5, 1, 4];
        await writeFile(path.join(d, 'model.json'), JSON.stringify(json));
      },
      /conv1|shape|bytes/i,
    ],
    [
      'an unsupported layer',
      async (d: string) => {
        const json = JSON.parse(await readFile(path.join(d, 'model.json'), 'utf8'));
        json.modelTopology.config.layers[1].class_name = 'FancyAttention';
        await writeFile(path.join(d, 'model.json'), JSON.stringify(json));
      },
      /FancyAttention/,
    ],
  ])('a model with %s', async (_name, corrupt, message) => {
    const copy = path.join(dir, `corrupt-${Math.random().toString(36).slice(2)}`);
    await saveTfjsModel(tinyModel(3), copy);
    await corrupt(copy);
    const present = ['model.json', 'weights.bin'].filter((n) => existsSync(path.join(copy, n)));
    await expect(register(files(copy, present))).rejects.toThrow(message);
    await nothingStored();
  });

  it('an image that does not decode names the file and stores no image', async () => {
    const storedBefore = await product.storage.blobs.list('datasets/');
    const folder = path.join(dir, 'bad-images');
    await writeProbeImages(folder, 3, 1);
    await writeFile(path.join(folder, '001.png'), 'definitely not a png');
    const uploadId = await uploadFiles(['000.png', '001.png', '002.png'].map((n) => ({ name: n, path: path.join(folder, n) })), product.url);
    await expect(api.datasets.register.mutate({ study: 'bad', name: 'imgs', uploadId })).rejects.toThrow(/001\.png/);
    expect(await api.datasets.list.query({ study: 'bad' })).toHaveLength(0);
    expect(await product.storage.blobs.list('datasets/')).toEqual(storedBefore);
  });

  it('unknown study, model and version are named', async () => {
    await expect(api.studies.get.query({ study: 'nope' })).rejects.toThrow(/no study named "nope"/);
    await expect(api.versions.get.query({ study: 'bad', model: 'ghost', version: 'v1' })).rejects.toThrow(/no model named "ghost"/);
    await expect(api.units.get.query({ study: 'tiny', model: 'cnn', version: 'v9', layer: 'conv1', unit: 0 })).rejects.toThrow(/no version labelled "v9"/);
    await expect(api.units.get.query({ study: 'tiny', model: 'cnn', version: 'v1', layer: 'conv1', unit: 99 })).rejects.toThrow(/units 0–3/);
  });

  it('a duplicate version label is refused and the first version is kept', async () => {
    await register(files(modelDir, ['model.json', 'weights.bin']), 'dup');
    await expect(register(files(modelDir, ['model.json', 'weights.bin']), 'dup')).rejects.toThrow(/already has a version labelled "dup"/);
    const study = await api.studies.get.query({ study: 'bad' });
    expect(study.models.flatMap((m) => m.versions.map((v) => v.label))).toEqual(['dup']);
    expect(await product.storage.blobs.list('uploads/')).toHaveLength(0);
  });

  it('an upload declared over the size limit is refused before its body is read', async () => {
    const { uploadId } = (await (await fetch(`${product.url}/uploads`, { method: 'POST' })).json()) as { uploadId: string };
    const status = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      const req = http.request(`${product.url}/uploads/${uploadId}/huge.bin`, { method: 'PUT', headers: { 'content-length': String(600 * 1024 * 1024) } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ code: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.write(Buffer.alloc(1024));
    });
    expect(status.code).toBe(413);
    expect(status.body).toMatch(/upload limit/);
    expect(await product.storage.blobs.list('uploads/')).toHaveLength(0);
  });
});
