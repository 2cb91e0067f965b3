import { MicroscopeError } from '@microscope/contracts';
import { float64CrossProduct } from './float64-cross-product';
import { assertFinite, columnMeans, matrix, type Matrix } from './matrix';
import { rowsOf, type CrossProduct } from './operand';
import { dot } from './vector-math';

/**
 * Minibatch CKA (Nguyen et al. 2021): the unbiased HSIC (Song et al. 2012) is averaged over minibatches of probe
 * images, then CKA = mean HSIC(X, Y) / sqrt(mean HSIC(X, X) · mean HSIC(Y, Y)). Memory is one batch at a time,
 * so probe sets of any size work. Each batch costs one m × m Gram matrix per layer and m² per layer pair, so a
 * whole layer × layer matrix is as cheap as a single pair. Batches should all have the same size (as in the
 * paper); the mean is unweighted.
 */
export class MinibatchCKA {
  private readonly cross: Float64Array;
  private readonly selfA: Float64Array;
  private readonly selfB: Float64Array;
  private batchCount = 0;

  constructor(
    readonly layersA: number,
    readonly layersB: number,
    private readonly multiply: CrossProduct = float64CrossProduct,
  ) {
    this.cross = new Float64Array(layersA * layersB);
    this.selfA = new Float64Array(layersA);
    this.selfB = new Float64Array(layersB);
  }

  get batches(): number {
    return this.batchCount;
  }

  /** One minibatch: the activations of every layer of A and of B on the same m ≥ 4 probe images. */
  add(batchA: readonly Matrix[], batchB: readonly Matrix[]): void {
    if (batchA.length !== this.layersA || batchB.length !== this.layersB) {
      throw new MicroscopeError(
        'INVALID_INPUT',
        `expected ${this.layersA} + ${this.layersB} layers per batch, got ${batchA.length} + ${batchB.length}`,
      );
    }
    const m = (batchA[0] ?? batchB[0])?.rows ?? 0;
    for (const layer of [...batchA, ...batchB]) {
      if (layer.rows !== m) throw new MicroscopeError('INVALID_INPUT', 'every layer of a batch must cover the same probe images');
      assertFinite(layer, 'the batch activations');
    }
    if (m < 4) throw new MicroscopeError('INVALID_INPUT', `a minibatch needs at least 4 probe images, got ${m}`);
    const normaliser = m * (m - 3);
    const centredA = batchA.map((layer) => uCentredGram(layer, this.multiply));
    const centredB = batchB.map((layer) => uCentredGram(layer, this.multiply));
    centredA.forEach((a, i) => {
      this.selfA[i] += dot(a, a) / normaliser;
      centredB.forEach((b, j) => {
        this.cross[i * this.layersB + j] += dot(a, b) / normaliser;
      });
    });
    centredB.forEach((b, j) => {
      this.selfB[j] += dot(b, b) / normaliser;
    });
    this.batchCount++;
  }

  /** layersA × layersB CKA values (0 where a layer had no variance). */
  result(): Matrix {
    if (this.batchCount === 0) throw new MicroscopeError('INVALID_INPUT', 'minibatch CKA has seen no batches');
    const values = new Float64Array(this.layersA * this.layersB);
    for (let i = 0; i < this.layersA; i++) {
      for (let j = 0; j < this.layersB; j++) {
        const denominator = this.selfA[i] * this.selfB[j];
        values[i * this.layersB + j] = denominator > 0 ? this.cross[i * this.layersB + j] / Math.sqrt(denominator) : 0;
      }
    }
    return matrix(this.layersA, this.layersB, values);
  }
}

export interface MinibatchOptions {
  /** Probe images per batch (default 256). A remainder under 4 images joins the previous batch. */
  batchSize?: number;
  crossProduct?: CrossProduct;
}

/** Minibatch CKA of two layers held in memory, split into consecutive batches of probe images. */
export function minibatchCKA(x: Matrix, y: Matrix, options: MinibatchOptions = {}): number {
  if (x.rows !== y.rows) {
    throw new MicroscopeError('INVALID_INPUT', `activation matrices must cover the same probe images: ${x.rows} vs ${y.rows}`);
  }
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 4) {
    throw new MicroscopeError('INVALID_INPUT', `batchSize must be an integer of at least 4, got ${batchSize}`);
  }
  const accumulator = new MinibatchCKA(1, 1, options.crossProduct);
  for (const [start, end] of batchRanges(x.rows, batchSize)) {
    accumulator.add([rowSlice(x, start, end)], [rowSlice(y, start, end)]);
  }
  return accumulator.result().data[0];
}

/** Consecutive [start, end) ranges of the given size; a tail too small for the estimator joins the last range. */
export function batchRanges(total: number, batchSize: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let start = 0; start < total; start += batchSize) ranges.push([start, Math.min(total, start + batchSize)]);
  const last = ranges[ranges.length - 1];
  if (ranges.length > 1 && last[1] - last[0] < 4) {
    ranges.pop();
    ranges[ranges.length - 1][1] = total;
  }
  return ranges;
}

function rowSlice(x: Matrix, start: number, end: number): Matrix {
  return matrix(end - start, x.cols, x.data.subarray(start * x.cols, end * x.cols));
}

/**
 * The U-centred Gram matrix of a batch (Székely & Rizzo 2014): with K̃ = K with its diagonal zeroed,
 * Ũᵢⱼ = K̃ᵢⱼ − rᵢ/(m−2) − rⱼ/(m−2) + Σr/((m−1)(m−2)) off the diagonal, 0 on it, where r are K̃'s row sums.
 * ⟨Ũ_K, Ũ_L⟩ / (m(m−3)) is then exactly Song et al.'s unbiased HSIC. The batch is centred first: the estimator
 * does not change, but the Gram entries stay small, which keeps the cancellation harmless.
 */
function uCentredGram(layer: Matrix, multiply: CrossProduct): Float64Array {
  const m = layer.rows;
  const centred = rowsOf(layer, { shift: columnMeans(layer) });
  const gram = multiply(centred, centred, { symmetric: true });
  for (let i = 0; i < m; i++) gram[i * m + i] = 0;
  const rowSums = new Float64Array(m);
  let total = 0;
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += gram[i * m + j];
    rowSums[i] = s / (m - 2);
    total += s;
  }
  const grand = total / ((m - 1) * (m - 2));
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) gram[i * m + j] += grand - rowSums[i] - rowSums[j];
    gram[i * m + i] = 0;
  }
  return gram;
}
