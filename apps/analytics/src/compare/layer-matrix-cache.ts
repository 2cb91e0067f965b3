import type { Matrix } from '@microscope/engine';

/**
 * Least-recently-used activation matrices, bounded by bytes. Stored activations of a (version, dataset, layer)
 * never change (a version is immutable and extraction is deterministic), so a study-wide comparison, which meets
 * every version once per pair it belongs to, can reuse them across jobs instead of re-reading the warehouse.
 * A matrix larger than the whole budget is loaded but not kept.
 */
export class LayerMatrixCache {
  private readonly entries = new Map<string, Matrix>();
  private bytes = 0;

  constructor(readonly budgetBytes: number) {}

  async get(key: string, load: () => Promise<Matrix>): Promise<Matrix> {
    const hit = this.entries.get(key);
    if (hit) {
      // Re-insert: a Map iterates in insertion order, so the first key is always the least recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const loaded = await load();
    const size = loaded.data.byteLength;
    if (size > this.budgetBytes) return loaded;
    while (this.bytes + size > this.budgetBytes) this.evictOldest();
    this.entries.set(key, loaded);
    this.bytes += size;
    return loaded;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private evictOldest(): void {
    const [oldest] = this.entries.keys();
    const matrix = this.entries.get(oldest)!;
    this.entries.delete(oldest);
    this.bytes -= matrix.data.byteLength;
  }
}
