import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../backend/select-backend';

/**
 * Test support: single-threaded WASM (the fastest backend here; no worker threads inside jest) or the cpu backend,
 * whose gradient kernels are complete.
 */
export async function useBackend(name: 'wasm' | 'cpu'): Promise<void> {
  if (name === 'cpu') {
    await tf.setBackend('cpu');
  } else {
    const saved = process.env.MICROSCOPE_BACKEND;
    process.env.MICROSCOPE_BACKEND = 'wasm';
    try {
      await selectBackend({ threads: 1 });
    } finally {
      if (saved === undefined) delete process.env.MICROSCOPE_BACKEND;
      else process.env.MICROSCOPE_BACKEND = saved;
    }
  }
  if (tf.getBackend() !== name) throw new Error(`could not switch to the ${name} backend`);
}

/** Largest absolute difference, and the largest magnitude of `expected` (for relative tolerances). */
export function maxAbsDiff(actual: tf.Tensor, expected: tf.Tensor): { diff: number; scale: number } {
  if (actual.shape.join() !== expected.shape.join()) throw new Error(`shapes differ: [${actual.shape}] vs [${expected.shape}]`);
  const a = actual.dataSync();
  const e = expected.dataSync();
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - e[i]));
    scale = Math.max(scale, Math.abs(e[i]));
  }
  if (Number.isNaN(diff)) throw new Error('NaN in comparison');
  return { diff, scale };
}

/** Expects |actual - expected| <= tol * max(1, max|expected|) everywhere. */
export function expectClose(actual: tf.Tensor, expected: tf.Tensor, tol = 1e-5, label = ''): void {
  const { diff, scale } = maxAbsDiff(actual, expected);
  if (!(diff <= tol * Math.max(1, scale))) {
    throw new Error(`${label}: max |difference| ${diff} exceeds ${tol} × max(1, ${scale})`);
  }
}
