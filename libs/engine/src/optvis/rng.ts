/**
 * A small seeded pseudo-random generator (mulberry32) so renders are reproducible: every random choice the engine
 * makes (initial parameters, transform draws) comes from one of these, never from Math.random or TF.js seeds.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = hashSeed(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** One element of a non-empty list, uniformly. */
  pick<T>(values: readonly T[]): T {
    return values[this.int(values.length)];
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** `n` draws from N(0, sd²). */
  normals(n: number, sd: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = sd * this.normal();
    return out;
  }
}

/** Mixes any number (including negatives and fractions) into a 32-bit state, so nearby seeds diverge at once. */
function hashSeed(seed: number): number {
  let h = Math.floor(seed * 2654435761) ^ 0x9e3779b9;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** A seed derived from a parent seed and a label, for independent streams (init vs. transforms, item i). */
export function deriveSeed(seed: number, ...labels: number[]): number {
  let h = hashSeed(seed);
  for (const label of labels) h = hashSeed(h ^ hashSeed(label + 0x51ed270b));
  return h;
}
