import { MicroscopeError } from '@microscope/contracts';
import { float64CrossProduct, matrix, type Matrix } from '@microscope/engine';
import { compareLayers, type CompareLayersOptions, type ComparedLayer, type LayerPairResult, type OneToOneResult } from './compare-layers';

/** Deterministic normals (mulberry32 + Box–Muller), so a failure replays. */
function normals(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

const randomMatrix = (rows: number, cols: number, seed: number): Matrix => matrix(rows, cols, Float64Array.from({ length: rows * cols }, normals(seed)));
const column = (x: Matrix, j: number) => Array.from({ length: x.rows }, (_, i) => x.data[i * x.cols + j]);

/** Pearson's r from its definition, pair by pair. */
function pearson(a: number[], b: number[]): number {
  const ma = a.reduce((s, v) => s + v, 0) / a.length;
  const mb = b.reduce((s, v) => s + v, 0) / b.length;
  let ab = 0, aa = 0, bb = 0;
  a.forEach((_, k) => {
    ab += (a[k] - ma) * (b[k] - mb);
    aa += (a[k] - ma) ** 2;
    bb += (b[k] - mb) ** 2;
  });
  return ab / Math.sqrt(aa * bb);
}

/** Linear CKA from its definition: ‖YcᵀXc‖²_F / (‖XcᵀXc‖_F ‖YcᵀYc‖_F), with explicit centred columns. */
function linearCka(x: Matrix, y: Matrix): number {
  const centred = (m: Matrix) => Array.from({ length: m.cols }, (_, j) => {
    const c = column(m, j);
    const mean = c.reduce((s, v) => s + v, 0) / c.length;
    return c.map((v) => v - mean);
  });
  const dot = (a: number[], b: number[]) => a.reduce((s, v, k) => s + v * b[k], 0);
  const frobeniusSquared = (p: number[][], q: number[][]) => p.reduce((s, a) => s + q.reduce((t, b) => t + dot(a, b) ** 2, 0), 0);
  const cx = centred(x);
  const cy = centred(y);
  return frobeniusSquared(cx, cy) / Math.sqrt(frobeniusSquared(cx, cx) * frobeniusSquared(cy, cy));
}

const IMAGES = 60;
const PERMUTATION = [3, 0, 4, 1, 2];

/** X: 5 random units plus a dead (constant) one. Y: X's live units permuted, scaled by 2.5 and shifted per unit. */
function plantedLayers() {
  const x = randomMatrix(IMAGES, 6, 1);
  for (let i = 0; i < IMAGES; i++) x.data[i * 6 + 5] = 0.25;
  const y = matrix(IMAGES, 5, new Float64Array(IMAGES * 5));
  for (let i = 0; i < IMAGES; i++) PERMUTATION.forEach((from, j) => (y.data[i * 5 + j] = 2.5 * x.data[i * 6 + from] + j - 1));
  const z = randomMatrix(IMAGES, 4, 2);
  return { x, y, z };
}

async function run(layersA: ComparedLayer[], layersB: ComparedLayer[], data: Record<string, Matrix>, extra: Partial<CompareLayersOptions> = {}) {
  const pairs: LayerPairResult[] = [];
  const oneToOne: OneToOneResult[] = [];
  const loads: string[] = [];
  const summary = await compareLayers(
    layersA,
    layersB,
    async (side, layer) => {
      loads.push(`${side}:${layer.name}`);
      return data[`${side}:${layer.name}`];
    },
    {
      metrics: ['cka', 'dcka', 'svcca'],
      topK: 3,
      images: IMAGES,
      crossProduct: float64CrossProduct,
      memoryBudgetBytes: 1 << 30,
      onPair: async (r) => void pairs.push(r),
      onOneToOne: async (r) => void oneToOne.push(r),
      ...extra,
    },
  );
  return { pairs, oneToOne, loads, summary };
}

describe('compareLayers', () => {
  const { x, y, z } = plantedLayers();
  const data = { 'a:conv': x, 'b:conv': y, 'b:other': z };
  const layersA = [{ name: 'conv', units: 6 }];
  const layersB = [{ name: 'conv', units: 5 }, { name: 'other', units: 4 }];

  it('finds each unit of a permuted, affinely rescaled layer with correlation 1, and CKA 1 between the layers', async () => {
    const { pairs } = await run(layersA, layersB, data);
    const same = pairs.find((p) => p.layerB === 'conv')!;
    PERMUTATION.forEach((from, j) => {
      expect(same.matches.xToY.indices[from * 3]).toBe(j);
      expect(same.matches.xToY.values[from * 3]).toBeCloseTo(1, 12);
      expect(same.matches.yToX.indices[j * 3]).toBe(from);
    });
    expect(same.similarity.cka).toBeCloseTo(1, 12);
    expect(same.similarity.dcka).toBeCloseTo(1, 12);
    expect(same.similarity.svcca).toBeCloseTo(1, 9);
  });

  it('ranks every unit\'s top-k by the textbook correlation, leaving dead units out both ways', async () => {
    const { pairs } = await run(layersA, layersB, data);
    const other = pairs.find((p) => p.layerB === 'other')!;
    for (let u = 0; u < 5; u++) {
      const expected = Array.from({ length: 4 }, (_, j) => ({ j, r: pearson(column(x, u), column(z, j)) }))
        .sort((a, b) => b.r - a.r)
        .slice(0, 3);
      expect(Array.from(other.matches.xToY.indices.subarray(u * 3, u * 3 + 3))).toEqual(expected.map((e) => e.j));
      expected.forEach((e, rank) => expect(other.matches.xToY.values[u * 3 + rank]).toBeCloseTo(e.r, 12));
    }
    // The constant unit 5 has no matches and is nobody's match.
    expect(Array.from(other.matches.xToY.indices.subarray(15, 18))).toEqual([-1, -1, -1]);
    for (let j = 0; j < 4; j++) expect(Array.from(other.matches.yToX.indices.subarray(j * 3, j * 3 + 3))).not.toContain(5);
    expect(other.similarity.cka).toBeCloseTo(linearCka(x, z), 12);
  });

  it('matches each layer one-to-one with its same-named counterpart, recovering the permutation', async () => {
    const { oneToOne, summary } = await run(layersA, layersB, data);
    expect(oneToOne).toHaveLength(1);
    expect(oneToOne[0]).toMatchObject({ layerA: 'conv', layerB: 'conv' });
    const pairs = [...oneToOne[0].pairs].sort((p, q) => p.unitB - q.unitB);
    expect(pairs.map((p) => [p.unitA, p.unitB])).toEqual(PERMUTATION.map((from, j) => [from, j]));
    pairs.forEach((p) => expect(p.correlation).toBeCloseTo(1, 12));
    expect(summary).toMatchObject({ pairs: 2, oneToOne: 1, skipped: [] });
  });

  it('without a same-named layer, takes the most similar layer as the counterpart', async () => {
    const renamed = { 'a:first': x, 'b:conv': y, 'b:other': z };
    const { oneToOne } = await run([{ name: 'first', units: 6 }], layersB, renamed);
    expect(oneToOne.map((r) => [r.layerA, r.layerB])).toEqual([['first', 'conv']]);
  });

  it('gives the same results when B is processed in groups to fit a small memory budget, re-reading A per group', async () => {
    const whole = await run(layersA, layersB, data);
    const grouped = await run(layersA, layersB, data, { memoryBudgetBytes: 1 });
    expect(grouped.pairs).toEqual(whole.pairs);
    expect(grouped.oneToOne).toEqual(whole.oneToOne);
    expect(whole.loads.filter((l) => l === 'a:conv')).toHaveLength(2); // phase 1 once, one-to-one once
    expect(grouped.loads.filter((l) => l === 'a:conv')).toHaveLength(3); // once per group of B, one-to-one once
  });

  it('leaves SVCCA out for layers wider than the limit and says so', async () => {
    const { pairs, summary } = await run(layersA, layersB, data, { maxSvccaUnits: 5 });
    expect(pairs.map((p) => p.similarity.svcca === undefined)).toEqual([true, true]);
    expect(pairs.every((p) => p.similarity.cka !== undefined)).toBe(true);
    expect(summary.skipped.join()).toMatch(/SVCCA left out.*conv/);
  });

  it('refuses a probe set too small for the debiased estimator', async () => {
    const small = matrix(3, 2, Float64Array.from([1, 2, 3, 4, 5, 7]));
    await expect(run([{ name: 's', units: 2 }], [{ name: 's', units: 2 }], { 'a:s': small, 'b:s': small }, { images: 3 })).rejects.toThrow(MicroscopeError);
  });
});
