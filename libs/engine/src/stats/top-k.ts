/**
 * The k largest values of a stream, with their image indices: a bounded min-heap whose root is the worst entry kept.
 * O(n log k) time, O(k) memory. Order is total and deterministic: larger value first, then the lower image index,
 * so the result does not depend on the order in which values arrive (batches may come back in any order).
 */
import { MicroscopeError } from '@microscope/contracts';

export interface Ranked<T> {
  value: number;
  /** Image index in the probe dataset (unique per stream). */
  index: number;
  item: T;
}

/** True if a ranks before b: larger value, or equal value and lower index. */
function better<T>(a: Ranked<T>, b: Ranked<T>): boolean {
  return a.value > b.value || (a.value === b.value && a.index < b.index);
}

export class TopK<T = undefined> {
  private readonly heap: Ranked<T>[] = [];

  constructor(readonly k: number) {
    if (!Number.isInteger(k) || k < 0) throw new MicroscopeError('INVALID_INPUT', `k must be a non-negative integer, got ${k}`);
  }

  get size(): number {
    return this.heap.length;
  }

  /** Offers one value; kept if it ranks among the k best so far. NaN has no rank, so it is an error. */
  push(value: number, index: number, item: T): void {
    if (Number.isNaN(value)) throw new MicroscopeError('INVALID_INPUT', `value for image ${index} is NaN; top-k needs comparable values`);
    if (this.k === 0) return;
    const entry = { value, index, item };
    if (this.heap.length < this.k) {
      this.heap.push(entry);
      this.siftUp(this.heap.length - 1);
    } else if (better(entry, this.heap[0])) {
      this.heap[0] = entry;
      this.siftDown(0);
    }
  }

  /** Offers every entry another TopK kept (for combining per-batch or per-worker results). */
  merge(other: TopK<T>): this {
    for (const entry of other.heap) this.push(entry.value, entry.index, entry.item);
    return this;
  }

  /** The kept entries, best first. */
  sorted(): Ranked<T>[] {
    return [...this.heap].sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  }

  // Min-heap by rank: a parent is never better than its children, so the root is the worst kept entry.
  private siftUp(i: number): void {
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!better(heap[parent], heap[i])) break;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let worst = i;
      if (left < heap.length && better(heap[worst], heap[left])) worst = left;
      if (right < heap.length && better(heap[worst], heap[right])) worst = right;
      if (worst === i) return;
      [heap[worst], heap[i]] = [heap[i], heap[worst]];
      i = worst;
    }
  }
}

/** The k largest of `values` as { index, value }, best first (ties: lower index first). k > length returns all. */
export function topK(values: ArrayLike<number>, k: number): { index: number; value: number }[] {
  const top = new TopK(k);
  for (let i = 0; i < values.length; i++) top.push(values[i], i, undefined);
  return top.sorted().map(({ index, value }) => ({ index, value }));
}
