import * as tf from '@tensorflow/tfjs';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createApiClient, uploadFiles, type ApiClient } from '../cli/api-client';
import { saveTfjsModel, tinyModel, writeProbeImages } from '../testing/tiny-study';
import { ProductEnv, startProduct, type Product } from './product';
import { waitForJobs as waitForJobsOf } from '../testing/jobs';

/**
 * Comparisons end to end, through the API as the CLI uses it. The planted test: version B is version A with the
 * channels of conv1 permuted and conv2's input weights permuted to match, so the network computes the same
 * function; the comparison must recover the permutation exactly (correlation 1) and find CKA 1 between
 * corresponding layers. Then a study-wide comparison after adding a version computes only the new pairs.
 */
jest.setTimeout(300_000);

const IMAGES = 40;
const PERMUTATION = [2, 0, 3, 1]; // B's conv1 channel j is A's conv1 channel PERMUTATION[j]
const ONE = 1e-5; // float32 activations and products: "1.0" to within this
let dir: string;
let product: Product;
let api: ApiClient;

/** Weights of `model` with conv1's output channels permuted and conv2's input channels permuted to match. */
function permuted(model: tf.LayersModel): tf.LayersModel {
  const copy = tinyModel(7);
  const order = tf.tensor1d(PERMUTATION, 'int32');
  const [kernel1, bias1] = model.getLayer('conv1').getWeights();
  copy.getLayer('conv1').setWeights([tf.gather(kernel1, order, 3), tf.gather(bias1, order, 0)]);
  const [kernel2, bias2] = model.getLayer('conv2').getWeights();
  copy.getLayer('conv2').setWeights([tf.gather(kernel2, order, 2), bias2]);
  return copy;
}

const waitForJobs = (ids: string[]) => waitForJobsOf(api, ids);

async function registerModel(model: tf.LayersModel, label: string) {
  const folder = path.join(dir, `model-${label}`);
  await saveTfjsModel(model, folder);
  const uploadId = await uploadFiles(['model.json', 'weights.bin'].map((name) => ({ name, path: path.join(folder, name) })), product.url);
  await api.versions.register.mutate({ study: 'planted', model: 'cnn', label, uploadId });
}

async function extract(version: string) {
  const requested = await api.jobs.requestActivations.mutate({ study: 'planted', model: 'cnn', version, batchSize: 16 });
  expect((await waitForJobs(requested.map((r) => r.job.id))).map((j) => j.status)).toEqual(['succeeded']);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'microscope-compare-'));
  // Built and checked before the product selects its backend (tfjs-layers' fused conv + bias fails on WASM).
  const a = tinyModel(7);
  const b = permuted(a);
  // The premise: the two versions compute the same function.
  const probe = tf.randomNormal([8, 12, 12, 1], 0, 1, 'float32', 3);
  expect(tf.max(tf.abs(tf.sub(a.predict(probe) as tf.Tensor, b.predict(probe) as tf.Tensor))).dataSync()[0]).toBeLessThan(1e-5);

  product = await startProduct(ProductEnv.parse({ MICROSCOPE_DATA_DIR: path.join(dir, 'data'), MICROSCOPE_PORT: '0' }));
  api = createApiClient(product.url, product.url);
  await api.studies.create.mutate({ name: 'planted' });
  const images = await writeProbeImages(path.join(dir, 'images'), IMAGES, 5);
  const uploadId = await uploadFiles(images.map((f) => ({ name: path.basename(f), path: f })), product.url);
  await api.datasets.register.mutate({ study: 'planted', name: 'probe', uploadId });

  await registerModel(a, 'a');
  await registerModel(b, 'b');
  await extract('a');
  await extract('b');
});

afterAll(async () => {
  await product?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('a planted permutation', () => {
  let jobId: string;
  beforeAll(async () => {
    const { job } = await api.jobs.requestCompare.mutate({ study: 'planted', model: 'cnn', version: 'a', otherModel: 'cnn', otherVersion: 'b' });
    const [done] = await waitForJobs([job.id]);
    expect(done).toMatchObject({ status: 'succeeded', progress: 1 });
    jobId = job.id;
  });

  it('is recovered exactly by the best matches and the one-to-one matching, with correlation 1.0', async () => {
    const { layers } = await api.versions.get.query({ study: 'planted', model: 'cnn', version: 'a' });
    for (const layer of layers) {
      // conv1 and pool1 carry the permuted channels; from conv2 on the networks agree unit for unit.
      const expected = (unit: number) => (layer.name === 'conv1' || layer.name === 'pool1' ? PERMUTATION.indexOf(unit) : unit);
      for (let unit = 0; unit < layer.unitCount; unit++) {
        const result = await api.compare.unitMatches.query({ study: 'planted', model: 'cnn', version: 'a', layer: layer.name, unit, otherModel: 'cnn', otherVersion: 'b' });
        expect(result.matches).toHaveLength(1);
        const [inB] = result.matches;
        expect(inB.sameLayer[0].unit).toBe(expected(unit));
        expect(Math.abs(1 - inB.sameLayer[0].correlation)).toBeLessThan(ONE);
        expect(inB.oneToOne.filter((o) => o.layer === layer.name).map((o) => o.unit)).toEqual([expected(unit)]);
      }
    }
  });

  it('has CKA, debiased CKA and SVCCA 1.0 between corresponding layers, stored both ways round', async () => {
    const forward = await api.compare.layers.query({ study: 'planted', model: 'cnn', version: 'a', otherModel: 'cnn', otherVersion: 'b' });
    const backward = await api.compare.layers.query({ study: 'planted', model: 'cnn', version: 'b', otherModel: 'cnn', otherVersion: 'a' });
    expect(forward.jobIds).toEqual([jobId]);
    const names = forward.a.layers.map((l) => l.name);
    expect(forward.b.layers.map((l) => l.name)).toEqual(names);
    for (const metric of ['cka', 'dcka', 'svcca'] as const) {
      names.forEach((name, i) => expect(Math.abs(1 - forward.metrics[metric]![i][i]!)).toBeLessThan(ONE));
      names.forEach((_, i) => names.forEach((__, j) => expect(backward.metrics[metric]![j][i]).toBe(forward.metrics[metric]![i][j])));
    }
    // Not everything is 1: conv1 and the softmax output are different representations.
    expect(forward.metrics.cka![0][names.length - 1]).toBeLessThan(0.99);
    expect(forward.bestMatches.map((s) => [s.layer, s.above, s.units])).toEqual(forward.a.layers.map((l) => [l.name, l.units, l.units]));
  });

  it('prints the same through the CLI', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(__dirname, '..', 'cli', 'bin.js'), 'compare', 'planted', 'cnn@a', 'cnn@b', '--metric', 'cka', '--json'], {
      env: { ...process.env, MICROSCOPE_API_URL: product.url },
    });
    const printed = JSON.parse(stdout);
    expect(printed.job.id).toBe(jobId);
    expect(Object.keys(printed.metrics)).toEqual(['cka']);
    printed.a.layers.forEach((_: unknown, i: number) => expect(Math.abs(1 - printed.metrics.cka[i][i])).toBeLessThan(ONE));
  });
});

describe('comparisons across a study', () => {
  it('fails a comparison with a version that has no activations, naming the extraction to run', async () => {
    await registerModel(tinyModel(9), 'd');
    const { job } = await api.jobs.requestCompare.mutate({ study: 'planted', model: 'cnn', version: 'a', otherModel: 'cnn', otherVersion: 'd' });
    const [done] = await waitForJobs([job.id]);
    expect(done.status).toBe('failed');
    expect(done.message).toContain('no activations of cnn@d on dataset "probe"');
    expect(done.message).toContain('microscope run activations planted --model cnn --version d --dataset probe');
  });

  it('computes only the pairs that are new, and leaves out versions without activations', async () => {
    await registerModel(tinyModel(8), 'c');
    await extract('c');
    const first = await api.jobs.requestStudyComparisons.mutate({ study: 'planted' });
    const pair = (r: (typeof first.requested)[number]) => {
      const p = r.job.params as { versionId: string; otherVersionId: string };
      return [p.versionId, p.otherVersionId];
    };
    const ids = Object.fromEntries(
      await Promise.all(['a', 'b', 'c'].map(async (v) => [(await api.versions.get.query({ study: 'planted', model: 'cnn', version: v })).version.id, v])),
    );
    expect(first.requested.map((r) => [...pair(r).map((id) => ids[id]).sort(), r.created])).toEqual([
      ['a', 'b', false],
      ['a', 'c', true],
      ['b', 'c', true],
    ]);
    expect(first.skipped).toEqual([expect.objectContaining({ model: 'cnn', version: 'd', reason: expect.stringContaining('microscope run activations planted --model cnn --version d') })]);
    const done = await waitForJobs(first.requested.map((r) => r.job.id));
    expect(done.map((j) => j.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);

    // The old pair keeps the rows of its first job; the new ones are there.
    const ab = await api.compare.layers.query({ study: 'planted', model: 'cnn', version: 'a', otherModel: 'cnn', otherVersion: 'b' });
    expect(ab.jobIds).toEqual([first.requested[0].job.id]);
    const bc = await api.compare.layers.query({ study: 'planted', model: 'cnn', version: 'c', otherModel: 'cnn', otherVersion: 'b' });
    expect(bc.jobIds).toEqual([first.requested[2].job.id]);
    expect(bc.metrics.cka!.flat().every((v) => v !== null && v >= -1e-9 && v <= 1 + 1e-9)).toBe(true);

    const again = await api.jobs.requestStudyComparisons.mutate({ study: 'planted' });
    expect(again.requested.map((r) => r.created)).toEqual([false, false, false]);
  });

  it('follows a unit through the chain of versions by its best matches', async () => {
    const chain = await api.jobs.requestChainComparisons.mutate({ study: 'planted', model: 'cnn' });
    expect(chain.requested.every((r) => !r.created)).toBe(true); // a→b, b→c, a→c: all compared already
    const unit = PERMUTATION[1]; // A's unit PERMUTATION[1] is B's unit 1
    const trajectory = await api.compare.trajectory.query({ study: 'planted', model: 'cnn', layer: 'conv1', unit: 1, version: 'b' });
    expect(trajectory.chain.map((p) => p.version)).toEqual(['a', 'b', 'c']); // d has no activations
    expect(trajectory.chain[0]).toMatchObject({ unit, reciprocal: true, directFromAnchor: { unit } });
    expect(Math.abs(1 - trajectory.chain[0].link!)).toBeLessThan(ONE);
    expect(trajectory.chain[1]).toMatchObject({ unit: 1, link: null });
    expect(trajectory.chain[2].unit).not.toBeNull();
    expect(trajectory.stableFrom).toBe('a');
    expect(trajectory.chain[2].similarityToFinal).toBe(1);
    const curves = await api.compare.layerCurves.query({ study: 'planted', model: 'cnn' });
    const conv1 = curves.layers.find((l) => l.layer === 'conv1')!;
    // a and b compute the same function, so their similarity to the last version is the same.
    expect(conv1.points.map((p) => p.version)).toEqual(['a', 'b', 'c']); // d has no activations
    expect(conv1.points[0].value!).toBeCloseTo(conv1.points[1].value!, 5);
    expect(conv1.points[2].value).toBe(1);
  });
});
