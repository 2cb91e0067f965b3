/**
 * A small seeded PRNG (mulberry32) and a Fisher–Yates shuffle on it: training order must not depend on Math.random,
 * so the same seed reproduces the same checkpoints byte for byte.
 */
export type Random = () => number;

/** mulberry32: 32-bit state, uniform floats in [0, 1). Good enough for shuffling; not for cryptography. */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A new permutation of 0..n-1 (Fisher–Yates). */
export function shuffledIndices(n: number, random: Random): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  return order;
}
