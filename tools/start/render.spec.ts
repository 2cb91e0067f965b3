import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { VisualizeJobParams } from '@microscope/contracts';
import { optvis, stimuli } from '@microscope/engine';
import { gabor } from '../../libs/engine/src/optvis/test-support/planted';
import { createApiClient, uploadFiles, type ApiClient } from '../cli/api-client';
import { saveTfjsModel, tinyModel, writeProbeImages } from '../testing/tiny-study';
import { ProductEnv, startProduct, type Product } from './product';
import { waitForJobs } from '../testing/jobs';

/**
 * Rendering jobs end to end through the HTTP API, as the CLI uses it: feature visualizations stored as PNGs under
 * their derived keys, a repeated request skipped, a deleted picture re-rendered identically (resume), DeepDream and
 * caricature pictures, and tuning curves served that equal the model's own responses to the stimuli. Then a
 * planted unit: a Gabor filter's tuning peak and its picture's dominant orientation match the planted angle.
 */
jest.setTimeout(300_000);

let dir: string;
let product: Product;
let api: ApiClient;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'microscope-render-'));
  product = await startProduct(ProductEnv.parse({ MICROSCOPE_DATA_DIR: path.join(dir, 'data'), MICROSCOPE_PORT: '0' }));
  api = createApiClient(product.url);
  await api.studies.create.mutate({ name: 'pictures', description: 'generated' });
});

afterAll(async () => {
  await product?.stop();
  await rm(dir, { recursive: true, force: true });
});

const waitForJob = async (jobId: string) => (await waitForJobs(api, [jobId]))[0];

async function register(model: tf.LayersModel, name: string): Promise<void> {
  const modelDir = path.join(dir, name);
  await saveTfjsModel(model, modelDir);
  const uploadId = await uploadFiles(['model.json', 'weights.bin'].map((f) => ({ name: f, path: path.join(modelDir, f) })), product.url);
  await api.versions.register.mutate({ study: 'pictures', model: name, label: 'v1', uploadId });
}

const png = async (key: string) => {
  const response = await fetch(`${product.url}/blobs/${key}`);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
};

describe('rendering jobs on a tiny generated model', () => {
  const ref = { study: 'pictures', model: 'cnn', version: 'v1' };
  const settings = { steps: 8, size: 16, seed: 3 };

  beforeAll(async () => {
    await register(tinyModel(7), 'cnn');
    const images = await writeProbeImages(path.join(dir, 'images'), 4, 5);
    const uploadId = await uploadFiles(images.map((f) => ({ name: path.basename(f), path: f })), product.url);
    await api.datasets.register.mutate({ study: 'pictures', name: 'probe', uploadId });
  });

  it('stores one PNG per unit under its derived key, skips a repeated request, and re-renders a lost picture identically', async () => {
    const request = { ...ref, layer: 'conv1', objective: 'channel' as const, unitsPerBatch: 3, ...settings };
    const first = await api.jobs.requestRender.mutate(request);
    expect(first.created).toBe(true);
    const done = await waitForJob(first.job.id);
    expect(done).toMatchObject({ status: 'succeeded', progress: 1 });

    const { version } = await api.versions.get.query(ref);
    const params = VisualizeJobParams.parse({ kind: 'visualize', versionId: version.id, layer: 'conv1', objective: 'channel', ...settings });
    const expected = optvis.visualizationKeys(version, params, [0, 1, 2, 3]);
    expect(first.renders).toEqual([...expected].map(([unit, key]) => ({ unit, key })));
    const listed = await api.renders.forLayer.query({ ...ref, layer: 'conv1' });
    expect(listed.units.map((u) => [u.unit, u.renders.map((r) => r.key)])).toEqual([...expected].map(([unit, key]) => [unit, [key]]));
    for (const key of expected.values()) {
      const meta = await sharp(await png(key)).metadata();
      expect([meta.width, meta.height, meta.channels]).toEqual([16, 16, 1]);
    }
    expect(await api.renders.forUnit.query({ ...ref, layer: 'conv1', unit: 2 })).toEqual([listed.units[2].renders[0]]);

    // Asking again returns the finished job; forcing it runs a job that finds every picture stored.
    expect(await api.jobs.requestRender.mutate(request)).toMatchObject({ created: false, job: { id: first.job.id } });
    const before = await product.storage.blobs.list(`renders/${version.contentHash}/`);
    const forced = await waitForJob((await api.jobs.requestRender.mutate({ ...request, force: true })).job.id);
    expect(forced).toMatchObject({ status: 'succeeded', message: expect.stringMatching(/already rendered/) });
    expect(await product.storage.blobs.list(`renders/${version.contentHash}/`)).toEqual(before);

    // A lost picture (a job killed before storing it) is rendered again, alone, to the same pixels.
    const lost = expected.get(2)!;
    const original = await product.storage.blobs.get(lost);
    await product.storage.blobs.delete(lost);
    const resumed = await waitForJob((await api.jobs.requestRender.mutate({ ...request, force: true })).job.id);
    expect(resumed).toMatchObject({ status: 'succeeded', message: expect.stringMatching(/rendered 1 units, 3 already done/) });
    const { data: again } = await sharp(await product.storage.blobs.get(lost)).raw().toBuffer({ resolveWithObject: true });
    const { data: was } = await sharp(original).raw().toBuffer({ resolveWithObject: true });
    // The same optimisation in a batch of one instead of three: equal up to float summation order.
    expect(Math.max(...Array.from(again, (v, i) => Math.abs(v - was[i])))).toBeLessThanOrEqual(1);
  });

  it('renders the other objectives, DeepDream and a caricature, each under its own key', async () => {
    for (const objective of ['neuron', 'negative', 'diversity'] as const) {
      const job = await waitForJob((await api.jobs.requestRender.mutate({ ...ref, layer: 'conv2', units: [1, 3], objective, ...settings })).job.id);
      expect(job.status).toBe('succeeded');
    }
    const conv2 = await api.renders.forLayer.query({ ...ref, layer: 'conv2' });
    expect(conv2.units.map((u) => [u.unit, u.renders.map((r) => r.objective).sort()])).toEqual([
      [1, ['diversity', 'negative', 'neuron']],
      [3, ['diversity', 'negative', 'neuron']],
    ]);
    const diverse = conv2.units[0].renders.find((r) => r.objective === 'diversity')!;
    expect((await sharp(await png(diverse.key)).metadata()).width).toBe(32); // 2 × 2 tiles of 16 px

    const dream = await api.jobs.requestDream.mutate({ ...ref, layer: 'conv2', ...settings });
    expect((await waitForJob(dream.job.id)).status).toBe('succeeded');
    const caricature = await api.jobs.requestCaricature.mutate({ ...ref, layer: 'conv1', dataset: 'probe', imageIndex: 2, ...settings });
    expect((await waitForJob(caricature.job.id)).status).toBe('succeeded');
    for (const key of [dream.key, caricature.key]) expect(await product.storage.blobs.exists(key)).toBe(true);
    const layerRenders = [...(await api.renders.forLayer.query({ ...ref, layer: 'conv2' })).layerRenders, ...(await api.renders.forLayer.query({ ...ref, layer: 'conv1' })).layerRenders];
    expect(layerRenders.map((r) => [r.unit, r.objective.split('.')[0]]).sort()).toEqual([
      ['caricature', 'caricature'],
      ['layer', 'deepdream'],
    ]);
    for (const r of layerRenders) expect((await sharp(await png(r.key)).metadata()).width).toBe(16);

    await expect(api.jobs.requestRender.mutate({ ...ref, layer: 'conv9' })).rejects.toThrow(/no layer "conv9"; its layers are conv1, pool1/);
    await expect(api.jobs.requestRender.mutate({ ...ref, layer: 'conv1', units: [4] })).rejects.toThrow(/units 0–3/);
  });

  it('resumes a render stopped half-way after a restart, rendering only the pictures it had not stored', async () => {
    const { version } = await api.versions.get.query(ref);
    const request = { ...ref, layer: 'conv2', objective: 'channel' as const, unitsPerBatch: 1, steps: 40, size: 16, seed: 11 };
    const { job } = await api.jobs.requestRender.mutate(request);
    const params = VisualizeJobParams.parse({ kind: 'visualize', versionId: version.id, layer: 'conv2', objective: 'channel', steps: 40, size: 16, seed: 11 });
    const keys = [...optvis.visualizationKeys(version, params, [0, 1, 2, 3, 4]).values()];
    const stored = async () => (await Promise.all(keys.map((k) => product.storage.blobs.exists(k)))).filter(Boolean).length;
    while ((await stored()) === 0) await new Promise((r) => setTimeout(r, 20));
    await product.stop();
    const before = await stored();
    expect(before).toBeLessThan(keys.length);

    product = await startProduct(ProductEnv.parse({ MICROSCOPE_DATA_DIR: path.join(dir, 'data'), MICROSCOPE_PORT: '0' }));
    api = createApiClient(product.url);
    const resumed = await waitForJob(job.id);
    expect(resumed.status).toBe('succeeded');
    expect(resumed.message).toMatch(new RegExp(`rendered ${keys.length - before} units, ${before} already done`));
    expect(await stored()).toBe(keys.length);
  });

  it("serves tuning curves equal to the model's own centre responses to each stimulus", async () => {
    const job = await waitForJob((await api.jobs.requestTuning.mutate({ ...ref, layer: 'conv2', families: ['edge', 'grating'] })).job.id);
    expect(job).toMatchObject({ status: 'succeeded', progress: 1 });

    // The original TF.js model, to the conv2 layer: its centre response (row 2, column 2 of 4×4) to each edge.
    const model = tinyModel(7);
    const sub = tf.model({ inputs: model.inputs, outputs: model.getLayer('conv2').output as tf.SymbolicTensor });
    const edges = stimuli.edges({ size: 12, channels: 1 });
    const pixels = new Float32Array(edges.count * 144);
    for (let i = 0; i < edges.count; i++) edges.draw(i, pixels, i * 144);
    const out = (sub.predict(tf.tensor4d(pixels, [edges.count, 12, 12, 1])) as tf.Tensor).arraySync() as number[][][][];

    for (const unit of [0, 4]) {
      const { curves } = await api.tuning.forUnit.query({ ...ref, layer: 'conv2', unit });
      expect(curves.map((c) => [c.stimulus, c.parameter, Object.keys(c.fixed)])).toEqual([
        ['edge', 'orientation', []],
        ...[1 / 32, 1 / 16, 1 / 8, 1 / 4].map(() => ['grating', 'orientation', ['frequency']]),
      ]);
      expect(curves.slice(1).map((c) => c.fixed.frequency).sort((a, b) => a - b)).toEqual([1 / 32, 1 / 16, 1 / 8, 1 / 4]);
      const edge = curves[0];
      expect(edge.xs).toEqual(edges.axes[0].values);
      edge.responses.forEach((r, i) => expect(r).toBeCloseTo(out[i][2][2][unit], 4));
      expect(edge.peak!.response).toBe(Math.max(...edge.responses));
      expect(curves[1].xs).toHaveLength(36);
    }
    await expect(api.tuning.forUnit.query({ ...ref, layer: 'conv2', unit: 5 })).rejects.toThrow(/units 0–4/);
  });
});

describe('a planted orientation detector, through the jobs', () => {
  const planted = [30, 120];
  const ref = { study: 'pictures', model: 'gabor', version: 'v1' };

  beforeAll(async () => {
    // 64 × 64 grey input, one 17 × 17 Gabor filter per planted orientation (1/4 cycle per pixel), then ReLU.
    const kernel = new Float32Array(17 * 17 * planted.length);
    planted.forEach((degrees, u) => gabor(17, degrees, 0.25, 4).forEach((v, p) => (kernel[p * planted.length + u] = v)));
    const model = tf.sequential({
      layers: [tf.layers.conv2d({ name: 'edges', inputShape: [64, 64, 1], filters: planted.length, kernelSize: 17, activation: 'relu', useBias: false })],
    });
    model.getLayer('edges').setWeights([tf.tensor4d(kernel, [17, 17, 1, planted.length])]);
    await register(model, 'gabor');
  });

  it('puts the tuning peak within ±5° and the picture’s dominant orientation within ±10° of the planted one', async () => {
    const tuning = await waitForJob((await api.jobs.requestTuning.mutate({ ...ref, layer: 'edges', families: ['grating'] })).job.id);
    expect(tuning.status).toBe('succeeded');
    const render = await waitForJob((await api.jobs.requestRender.mutate({ ...ref, layer: 'edges', steps: 48, size: 64, seed: 3 })).job.id);
    expect(render.status).toBe('succeeded');

    for (const [unit, degrees] of planted.entries()) {
      const { curves } = await api.tuning.forUnit.query({ ...ref, layer: 'edges', unit });
      const best = curves.reduce((a, b) => (b.peak!.response > a.peak!.response ? b : a));
      expect(best.fixed.frequency).toBe(0.25);
      expect(optvis.orientationDifference(best.peak!.x, degrees)).toBeLessThanOrEqual(5);

      const [picture] = await api.renders.forUnit.query({ ...ref, layer: 'edges', unit });
      const { data, info } = await sharp(await png(picture.key)).raw().toBuffer({ resolveWithObject: true });
      const found = optvis.dominantOrientation(data, info.height, info.width, info.channels);
      expect(optvis.orientationDifference(found.degrees, degrees)).toBeLessThanOrEqual(10);
    }
  });
});
