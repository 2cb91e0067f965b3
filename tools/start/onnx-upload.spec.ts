/**
 * @jest-environment ../libs/engine/src/onnxruntime/test-support/native-arrays-environment.js
 */
import * as tf from '@tensorflow/tfjs';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { Executor, importOnnxDetailed, memoryModelFiles, OnnxForward, poolChannels, SUPPORTED_ONNX_OPS, type PooledChannels } from '@microscope/engine';
import { encodePng, imageToInput } from '@microscope/imaging';
import { OnnxGraphBuilder } from '../../libs/engine/src/import/onnx/test-support/onnx-graph-builder';
import { externalizeInitializers } from '../../libs/engine/src/import/onnx/test-support/externalize';
import { createApiClient, uploadFiles, type ApiClient } from '../cli/api-client';
import { seeded } from '../testing/tiny-study';
import { ProductEnv, startProduct, type Product } from './product';
import { waitForJobs as waitForJobsOf } from '../testing/jobs';

/**
 * Bring your own model, end to end through the API and the CLI: an ONNX CNN (weights in an external-data file
 * beside it) is registered with `microscope model add`, its activations extracted on onnxruntime, and every unit's
 * stored statistics and top-k must equal those computed here with the tfjs executor (the other path) within 1e-4.
 * Broken ONNX files get an error naming the problem, and nothing is stored.
 */
jest.setTimeout(240_000);

const SIZE = 16;
const IMAGES = 24;
const PREPROCESSING = { scale: 1 / 255, mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] };
let dir: string;
let product: Product;
let api: ApiClient;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'microscope-onnx-'));
  // Render on this thread: a test below spies on the engine's onnxruntime path, which a render thread would not show.
  product = await startProduct(ProductEnv.parse({ MICROSCOPE_DATA_DIR: path.join(dir, 'data'), MICROSCOPE_PORT: '0', MICROSCOPE_RENDER_THREAD: 'false' }));
  api = createApiClient(product.url);
  await api.studies.create.mutate({ name: 'byom', description: 'bring your own model' });
});

afterAll(async () => {
  await product?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A PyTorch-style small CNN: conv-relu, max-pool, conv-BN-relu, global average pool, flatten, linear. */
function smallCnn(options: { extraOp?: string; openSize?: boolean } = {}): Uint8Array {
  const b = new OnnxGraphBuilder(13, 5);
  let x = b.input('image', options.openSize ? ['N', 3, 'H', 'W'] : ['N', 3, SIZE, SIZE]);
  x = b.relu(b.conv(x, 3, 6, 3, { pads: 1 }));
  x = b.maxPool(x, 2, 2);
  x = b.relu(b.batchNorm(b.conv(x, 6, 8, 3, { pads: 1 }), 8));
  if (options.extraOp) x = b.node(options.extraOp, [x], { axis: 1, p: 2 });
  x = b.node('GlobalAveragePool', [x]);
  x = b.node('Flatten', [x], { axis: 1 });
  return b.toBytes([b.gemm(x, 8, 4)]);
}

/** Colour probe images of a random size around the model's, so ingest and render resize them. */
async function writeImages(folder: string): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const random = seeded(21);
  const files: string[] = [];
  for (let i = 0; i < IMAGES; i++) {
    const side = 12 + Math.floor(random() * 12);
    const pixels = new Uint8Array(side * side * 3).map(() => Math.floor(random() * 256));
    const file = path.join(folder, `img${String(i).padStart(2, '0')}.png`);
    await writeFile(file, await encodePng(pixels, side, side, 3));
    files.push(file);
  }
  return files;
}

/** `npx microscope …` against the product under test. */
async function cli(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, '..', 'cli', 'main.ts'), ...args], {
    env: { ...process.env, MICROSCOPE_API_URL: product.url },
    cwd: path.join(__dirname, '..', '..'),
  });
  return stdout;
}

const waitForJobs = (ids: string[]) => waitForJobsOf(api, ids);

function textbookStats(values: number[]) {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
  return { mean, std, min: Math.min(...values), max: Math.max(...values) };
}

const close = (a: number, b: number, tol = 1e-4) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

describe('an ONNX model brought by a user', () => {
  const original = smallCnn();
  let imageFiles: string[];

  beforeAll(async () => {
    imageFiles = await writeImages(path.join(dir, 'images'));
  });

  it('registers from a folder holding the .onnx and its external data, through the CLI', async () => {
    const folder = path.join(dir, 'cnn');
    await mkdir(folder, { recursive: true });
    const { model, data } = externalizeInitializers(original, 'cnn.onnx.data');
    await writeFile(path.join(folder, 'cnn.onnx'), model);
    await writeFile(path.join(folder, 'cnn.onnx.data'), data);
    const out = JSON.parse(
      await cli('model', 'add', 'byom', 'cnn', 'v1', folder, '--json', '--architecture', 'small CNN', '--scale', String(PREPROCESSING.scale), '--mean', PREPROCESSING.mean.join(','), '--std', PREPROCESSING.std.join(',')),
    ) as { version: { format: string; contentHash: string; input: object; preprocessing: object }; layers: number };
    expect(out.version).toMatchObject({ format: 'onnx', input: { height: SIZE, width: SIZE, channels: 3 }, preprocessing: PREPROCESSING });
    expect(out.layers).toBeGreaterThanOrEqual(4);
    const stored = (await product.storage.blobs.list(`models/${out.version.contentHash}/`)).map((b) => path.basename(b.key)).sort();
    expect(stored).toEqual(['cnn.onnx.data', 'model.onnx']);
    expect(await product.storage.blobs.list('uploads/')).toHaveLength(0);
  });

  it('registers from the .onnx file alone, sending the external data it names, and says which file is missing', async () => {
    const folder = path.join(dir, 'cnn');
    const out = JSON.parse(await cli('model', 'add', 'byom', 'cnn-file', 'v1', path.join(folder, 'cnn.onnx'), '--json')) as { version: { contentHash: string } };
    const stored = (await product.storage.blobs.list(`models/${out.version.contentHash}/`)).map((b) => path.basename(b.key)).sort();
    expect(stored).toEqual(['cnn.onnx.data', 'model.onnx']);

    const lonely = path.join(dir, 'lonely');
    await mkdir(lonely, { recursive: true });
    await writeFile(path.join(lonely, 'cnn.onnx'), externalizeInitializers(original, 'cnn.onnx.data').model);
    await expect(cli('model', 'add', 'byom', 'cnn-lonely', 'v1', path.join(lonely, 'cnn.onnx'))).rejects.toThrow(/keeps weights in .*lonely\/cnn\.onnx\.data, which does not exist/);
  });

  it('extracts activations on onnxruntime whose stored statistics and top-k match the tfjs executor within 1e-4', async () => {
    const uploadId = await uploadFiles(imageFiles.map((f) => ({ name: path.basename(f), path: f })), product.url);
    await api.datasets.register.mutate({ study: 'byom', name: 'colour', uploadId });
    const runPooled = jest.spyOn(OnnxForward.prototype, 'runPooled');
    const requested = await api.jobs.requestActivations.mutate({ study: 'byom', model: 'cnn', topK: 5, batchSize: 10 });
    const [job] = await waitForJobs(requested.map((r) => r.job.id));
    expect(job).toMatchObject({ status: 'succeeded' });
    expect(runPooled).toHaveBeenCalledTimes(Math.ceil(IMAGES / 10));
    runPooled.mockRestore();

    // The reference: the same file through the tfjs executor, on the probe images as stored and resized.
    const imported = await importOnnxDetailed(memoryModelFiles({ 'model.onnx': original }));
    const { layers } = await api.versions.get.query({ study: 'byom', model: 'cnn', version: 'v1' });
    const executor = new Executor(imported.ir);
    const input = { height: SIZE, width: SIZE, channels: 3 };
    const unit = await api.units.get.query({ study: 'byom', model: 'cnn', version: 'v1', layer: layers[0].name, unit: 0 });
    expect(unit.topK.length).toBe(5);
    const dataset = (await api.datasets.list.query({ study: 'byom' })).find((d) => d.name === 'colour')!;
    const stored = await product.catalog.listImages(dataset.id);
    const storedImages = await Promise.all(stored.map(async (image) => imageToInput(await product.storage.blobs.get(image.key), input, PREPROCESSING)));
    const batch = tf.tensor4d(Float32Array.from(storedImages.flatMap((p) => Array.from(p))), [IMAGES, SIZE, SIZE, 3]);
    const outputs = executor.run(batch, layers.map((l) => l.name));
    batch.dispose();

    for (const layer of layers) {
      const pooled: PooledChannels = poolChannels(outputs.get(layer.name) as tf.Tensor4D | tf.Tensor2D);
      for (let u = 0; u < layer.unitCount; u++) {
        const got = await api.units.get.query({ study: 'byom', model: 'cnn', version: 'v1', layer: layer.name, unit: u });
        for (const pooling of ['mean', 'max'] as const) {
          const values = Array.from({ length: IMAGES }, (_, i) => pooled[pooling][i * pooled.channels + u]);
          const want = textbookStats(values);
          const stats = got.stats.find((s) => s.pooling === pooling)!;
          expect(stats.count).toBe(IMAGES);
          for (const field of ['mean', 'std', 'min', 'max'] as const) {
            if (!close(stats[field], want[field])) throw new Error(`${layer.name}/${u} ${pooling} ${field}: stored ${stats[field]}, tfjs ${want[field]}`);
          }
        }
        const maxima = Array.from({ length: IMAGES }, (_, i) => ({ i, v: pooled.max[i * pooled.channels + u] })).sort((a, b) => b.v - a.v || a.i - b.i);
        got.topK.forEach((t, rank) => {
          expect(t.imageIndex).toBe(maxima[rank].i);
          expect(close(t.value, maxima[rank].v)).toBe(true);
          const at = maxima[rank].i * pooled.channels + u;
          expect([t.argmaxY, t.argmaxX]).toEqual([pooled.argmaxY[at], pooled.argmaxX[at]]);
        });
      }
    }
    for (const t of outputs.values()) t.dispose();
    executor.dispose();
  });
});

describe('input sizes', () => {
  async function upload(bytes: Uint8Array, name: string): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, bytes);
    return uploadFiles([{ name, path: file }], product.url);
  }

  it('registers a model that leaves height and width open at the requested size, and refuses it without one', async () => {
    const open = smallCnn({ openSize: true });
    await expect(api.versions.register.mutate({ study: 'byom', model: 'open', label: 'v1', uploadId: await upload(open, 'open.onnx') })).rejects.toThrow(
      /no fixed height/,
    );
    const { version } = await api.versions.register.mutate({ study: 'byom', model: 'open', label: 'v1', uploadId: await upload(open, 'open.onnx'), input: { height: 20, width: 24 } });
    expect(version.input).toEqual({ height: 20, width: 24, channels: 3 });
    const { layers } = await api.versions.get.query({ study: 'byom', model: 'open', version: 'v1' });
    expect(layers[0].outputShape).toEqual([20, 24, 6]);
    // Render imports it at the same size: extraction on the colour probes (registered above) succeeds.
    const requested = await api.jobs.requestActivations.mutate({ study: 'byom', model: 'open', dataset: 'colour', batchSize: 8 });
    const [job] = await waitForJobs(requested.map((r) => r.job.id));
    expect(job).toMatchObject({ status: 'succeeded' });
    const unit = await api.units.get.query({ study: 'byom', model: 'open', version: 'v1', layer: layers[0].name, unit: 0 });
    expect(unit.topK[0]).toMatchObject({ gridHeight: 20, gridWidth: 24 });
  });

  it('refuses a requested size that contradicts the fixed one', async () => {
    await expect(api.versions.register.mutate({ study: 'byom', model: 'fixed', label: 'v1', uploadId: await upload(smallCnn(), 'fixed.onnx'), input: { height: 32, width: 32 } })).rejects.toThrow(
      /fixed at 16x16; the requested 32x32 differs/,
    );
  });
});

describe('a broken ONNX upload gets an error naming the problem, and nothing is stored', () => {
  async function register(files: Record<string, Uint8Array>, label: string) {
    const folder = path.join(dir, `bad-${label}`);
    await mkdir(folder, { recursive: true });
    for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(folder, name), bytes);
    const uploadId = await uploadFiles(Object.keys(files).map((name) => ({ name, path: path.join(folder, name) })), product.url);
    return api.versions.register.mutate({ study: 'byom', model: 'broken', label, uploadId });
  }

  async function nothingStored(modelsBefore: string[]) {
    const study = await api.studies.get.query({ study: 'byom' });
    expect(study.models.filter((m) => m.name === 'broken').flatMap((m) => m.versions)).toHaveLength(0);
    expect(await product.storage.blobs.list('uploads/')).toHaveLength(0);
    expect((await product.storage.blobs.list('models/')).map((b) => b.key)).toEqual(modelsBefore);
  }

  it.each([
    ['a truncated file', () => ({ 'net.onnx': smallCnn().subarray(0, 300) }), /net\.onnx|model\.onnx/],
    ['an unsupported operator', () => ({ 'net.onnx': smallCnn({ extraOp: 'LpNormalization' }) }), /node "LpNormalization_\d+" \(LpNormalization\).*"LpNormalization" is not supported/],
    [
      'external data left behind (the .onnx uploaded alone)',
      () => ({ 'net.onnx': externalizeInitializers(smallCnn(), 'net.onnx.data').model }),
      /net\.onnx\.data/,
    ],
  ])('%s', async (label, files, message) => {
    const modelsBefore = (await product.storage.blobs.list('models/')).map((b) => b.key);
    const error = await register(files(), label.replace(/[^a-z]+/g, '-').replace(/-+$/, '')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(message);
    if (label === 'a truncated file') expect((error as Error).message).toMatch(/not a valid ONNX file|truncated|corrupt/);
    await nothingStored(modelsBefore);
  });
});

describe('the README', () => {
  it('lists every ONNX operator the importer accepts', () => {
    const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('**ONNX operators**'), readme.indexOf('**TF.js layers models**'));
    const listed = new Set(section.match(/[A-Z][A-Za-z]+/g));
    expect([...SUPPORTED_ONNX_OPS.converted, ...SUPPORTED_ONNX_OPS.foldedOnly].filter((op) => !listed.has(op))).toEqual([]);
  });
});
