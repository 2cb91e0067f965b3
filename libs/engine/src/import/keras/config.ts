import { MicroscopeError } from '@microscope/contracts';
import type { KerasLayer } from './topology';

/** Typed reads of a Keras layer config; a bad value names the layer and the key. */
export class LayerConfig {
  constructor(private readonly layer: KerasLayer) {}

  private bad(key: string, expected: string): MicroscopeError {
    return new MicroscopeError(
      'INVALID_MODEL',
      `layer "${this.layer.name}" (${this.layer.className}): config "${key}" should be ${expected}, got ${JSON.stringify(this.layer.config[key])}`,
    );
  }

  raw(key: string): unknown {
    return this.layer.config[key];
  }

  number(key: string, fallback?: number): number {
    const v = this.layer.config[key];
    if ((v === undefined || v === null) && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw this.bad(key, 'a number');
    return v;
  }

  optionalNumber(key: string): number | null {
    const v = this.layer.config[key];
    if (v === undefined || v === null) return null;
    return this.number(key);
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.layer.config[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') throw this.bad(key, 'true or false');
    return v;
  }

  string(key: string, fallback: string): string {
    const v = this.layer.config[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string') throw this.bad(key, 'a string');
    return v;
  }

  /** An integer or a pair of integers, as kernel_size, strides and pool_size are written. */
  pair(key: string, fallback?: [number, number]): [number, number] {
    const v = this.layer.config[key];
    if ((v === undefined || v === null) && fallback) return fallback;
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return [v, v];
    if (Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x) && x > 0)) return [v[0], v[1]];
    if (Array.isArray(v) && v.length === 1 && Number.isInteger(v[0]) && v[0] > 0) return [v[0], v[0]];
    throw this.bad(key, 'a positive integer or a pair of them');
  }

  /** Per-side amounts as ZeroPadding2D / Cropping2D write them: n, [h, w] or [[top, bottom], [left, right]]. */
  sides(key: string): [number, number, number, number] {
    const v = this.layer.config[key];
    const ok = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
    if (ok(v)) return [v, v, v, v];
    if (Array.isArray(v) && v.length === 2) {
      if (ok(v[0]) && ok(v[1])) return [v[0], v[0], v[1], v[1]];
      const [a, b] = v as unknown[];
      if (Array.isArray(a) && Array.isArray(b) && a.length === 2 && b.length === 2 && [...a, ...b].every(ok)) {
        return [a[0], a[1], b[0], b[1]];
      }
    }
    throw this.bad(key, 'n, [h, w] or [[top, bottom], [left, right]]');
  }
}
