/**
 * Similarity benchmark: prints JSON with the seconds for the all-pairs correlation of two 1,024-unit layers over
 * 10,000 probe images, linear CKA and SVCCA between them, the linear + debiased CKA matrix between all layers of
 * two 4-layer "versions", and the machine's matrix-multiply rate measured with the very same product code — once
 * per product engine (float64 JavaScript; float32 on the tfjs WASM backend). Also the one-to-one (Hungarian)
 * matching of the two layers, which does not depend on the engine. Run: `npx tsx tools/bench/similarity.ts
 * [--images N] [--units N] [--engines float64,tfjs-wasm]`. Times are printed, never asserted.
 */
import { cpus, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  columnsOf,
  float64CrossProduct,
  hungarianMatch,
  layerSimilarityMatrix,
  linearCKA,
  matrix,
  pearsonCorrelation,
  svcca,
  tfjsCrossProduct,
  topMatches,
  type CrossProduct,
  type Matrix,
} from '../../libs/engine/src/similarity';

export interface SimilarityBenchOptions {
  images: number;
  units: number;
  engines: EngineName[];
}

type EngineName = 'float64' | 'tfjs-wasm';

/** Gaussian activations; Y's unit j is X's unit perm(j) plus noise, so matching has a known answer. */
function syntheticLayers(images: number, units: number): { x: Matrix; y: Matrix; permutation: Int32Array } {
  let state = 12345;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const x = new Float32Array(images * units).map(normal);
  const permutation = Int32Array.from({ length: units }, (_, i) => i);
  for (let i = units - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    [permutation[i], permutation[j]] = [permutation[j], permutation[i]];
  }
  const y = new Float32Array(images * units);
  for (let r = 0; r < images; r++) for (let j = 0; j < units; j++) y[r * units + j] = x[r * units + permutation[j]] + 0.5 * normal();
  return { x: matrix(images, units, x), y: matrix(images, units, y), permutation };
}

/**
 * Wall-clock seconds, and the CPU seconds this process used meanwhile: on a shared machine the wall clock includes
 * waiting for a core, while CPU time (all work here is single-threaded) is what the code itself costs.
 */
function seconds<T>(work: () => T): { value: T; seconds: number; cpuSeconds: number } {
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  const value = work();
  const cpu = process.cpuUsage(cpuStart);
  return { value, seconds: Number(process.hrtime.bigint() - start) / 1e9, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

const round = (v: number, digits = 3) => Number(v.toFixed(digits));

async function engine(name: EngineName): Promise<{ multiply: CrossProduct; description: string }> {
  if (name === 'float64') return { multiply: float64CrossProduct, description: 'float64, plain JavaScript, 1 thread' };
  await tf.setBackend('wasm');
  await tf.ready();
  return { multiply: tfjsCrossProduct, description: `float32, tfjs ${tf.version_core} backend '${tf.getBackend()}' (XNNPACK)` };
}

export async function runSimilarityBench(options: SimilarityBenchOptions): Promise<Record<string, unknown>> {
  const { images, units } = options;
  const loadBefore = loadavg()[0];
  const { x, y, permutation } = syntheticLayers(images, units);
  // Four layers per "version", widths ending at the headline size; A's are slices of x, B's of y.
  const widths = [units / 8, units / 4, units / 2, units].map(Math.round);
  const pick = (m: Matrix, columns: number[]) => {
    const out = new Float32Array(images * columns.length);
    for (let r = 0; r < images; r++) columns.forEach((c, i) => (out[r * columns.length + i] = m.data[r * m.cols + c]));
    return matrix(images, columns.length, out);
  };
  const slice = (m: Matrix, width: number) => {
    const out = new Float32Array(images * width);
    for (let r = 0; r < images; r++) out.set(m.data.subarray(r * m.cols, r * m.cols + width), r * width);
    return matrix(images, width, out);
  };
  // Layer i of A is x's first widths[i] units; layer i of B holds the (noisy, shuffled) copies of those units.
  const versionA = widths.map((w) => slice(x, w));
  const versionB = widths.map((w) => pick(y, Array.from(permutation.keys()).filter((j) => permutation[j] < w)));

  const productFlops = 2 * images * units * units;
  const results: Record<string, unknown> = {};
  let reference: { correlation: Float64Array; cka: number; svcca: number } | null = null;
  for (const name of options.engines) {
    const { multiply, description } = await engine(name);
    multiply(columnsOf(slice(x, 64)), columnsOf(slice(y, 64))); // warm the JIT / backend
    const product = seconds(() => multiply(columnsOf(x), columnsOf(y)));
    const correlation = seconds(() => pearsonCorrelation(x, y, { crossProduct: multiply }));
    const matches = topMatches(correlation.value, 5);
    let recovered = 0;
    for (let j = 0; j < units; j++) if (matches.yToX.indices[j * 5] === permutation[j]) recovered++;
    const assignment = seconds(() => hungarianMatch(correlation.value.matrix!));
    let assigned = 0;
    for (let j = 0; j < units; j++) if (assignment.value.colToRow[j] === permutation[j]) assigned++;
    const cka = seconds(() => linearCKA(x, y, { crossProduct: multiply }));
    const table = seconds(() =>
      layerSimilarityMatrix(versionA, versionB, { crossProduct: multiply, metrics: ['linearCKA', 'debiasedCKA'] }),
    );
    const canonical = seconds(() => svcca(x, y, { crossProduct: multiply }));
    const gflops = (flops: number, s: number) => round(flops / s / 1e9, 2);
    const matmulRate = productFlops / product.seconds / 1e9;
    const matmulCpuRate = productFlops / product.cpuSeconds / 1e9;
    // Linear CKA in feature space: XᵀY plus the two self products, computed as upper triangles with the float64
    // kernel (half the work each) and whole with tfjs.
    const ckaFlops = productFlops * (name === 'float64' ? 2 : 3);
    const entry: Record<string, unknown> = {
      engine: description,
      matmulGflops: round(matmulRate, 2),
      matmulGflopsPerCpuSecond: round(matmulCpuRate, 2),
      matmulSeconds: round(product.seconds),
      correlationSeconds: round(correlation.seconds),
      correlationCpuSeconds: round(correlation.cpuSeconds),
      correlationGflops: gflops(productFlops, correlation.seconds),
      correlationShareOfMatmulRate: round(productFlops / correlation.cpuSeconds / 1e9 / matmulCpuRate, 2),
      hungarianSeconds: round(assignment.seconds),
      hungarianCpuSeconds: round(assignment.cpuSeconds),
      linearCkaSeconds: round(cka.seconds),
      linearCkaCpuSeconds: round(cka.cpuSeconds),
      linearCkaGflops: gflops(ckaFlops, cka.seconds),
      linearCkaShareOfMatmulRate: round(ckaFlops / cka.cpuSeconds / 1e9 / matmulCpuRate, 2),
      ckaMatrix4x4Seconds: round(table.seconds),
      ckaMatrix4x4CpuSeconds: round(table.cpuSeconds),
      ckaMatrixSpace: table.value.space,
      ckaMatrixDiagonal: [0, 1, 2, 3].map((i) => round(table.value.linearCKA!.data[i * 4 + i], 4)),
      debiasedCkaMatrixDiagonal: [0, 1, 2, 3].map((i) => round(table.value.debiasedCKA!.data[i * 4 + i], 4)),
      svccaSeconds: round(canonical.seconds),
      svccaCpuSeconds: round(canonical.cpuSeconds),
      svccaKept: [canonical.value.keptX, canonical.value.keptY],
      linearCKA: round(cka.value, 6),
      svcca: round(canonical.value.mean, 6),
      plantedBestMatchesRecovered: `${recovered}/${units}`,
      plantedOneToOneMatchesRecovered: `${assigned}/${units}`,
    };
    const values = correlation.value.matrix!.data as Float64Array;
    if (reference) {
      entry.svccaDifferenceFromFloat64 = Number(Math.abs(canonical.value.mean - reference.svcca).toExponential(2));
      let worst = 0;
      for (let i = 0; i < values.length; i++) worst = Math.max(worst, Math.abs(values[i] - reference.correlation[i]));
      entry.maxCorrelationDifferenceFromFloat64 = Number(worst.toExponential(2));
      entry.ckaDifferenceFromFloat64 = Number(Math.abs(cka.value - reference.cka).toExponential(2));
    } else if (name === 'float64') {
      reference = { correlation: values, cka: cka.value, svcca: canonical.value.mean };
    }
    results[name] = entry;
  }
  // The planted layers above are the easy case for matching (every unit's best match is free); uniform random
  // scores are a harder one.
  const randomScores = matrix(units, units, new Float64Array(units * units).map((_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1));
  const randomAssignment = seconds(() => hungarianMatch(randomScores));
  return {
    benchmark: 'similarity',
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      logicalCores: cpus().length,
      node: process.version,
      // Above the core count, other processes competed for the CPU: trust the *CpuSeconds and *PerCpuSecond fields.
      loadAverage1m: { before: round(loadBefore, 2), after: round(loadavg()[0], 2) },
    },
    probeImages: images,
    unitsPerLayer: units,
    layerMatrixWidths: widths,
    correlationFlops: productFlops,
    hungarianRandomScores: { seconds: round(randomAssignment.seconds), cpuSeconds: round(randomAssignment.cpuSeconds) },
    engines: results,
  };
}

function parseArgs(argv: string[]): SimilarityBenchOptions {
  const options: SimilarityBenchOptions = { images: 10_000, units: 1024, engines: ['float64', 'tfjs-wasm'] };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--images') options.images = Number(value);
    else if (flag === '--units') options.units = Number(value);
    else if (flag === '--engines') options.engines = value.split(',') as EngineName[];
    else throw new Error(`unknown option ${flag}; use --images N --units N --engines float64,tfjs-wasm`);
  }
  return options;
}

if (require.main === module) {
  runSimilarityBench(parseArgs(process.argv.slice(2)))
    .then((report) => {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      process.exit(0);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    });
}
