/**
 * Runs tasks one after another. The bus hands a worker jobs from several partitions at once; optimisations and
 * sweeps each use every core, so running them side by side only makes each slower and multiplies the memory.
 */
export class OneAtATime {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    // The next task waits for this one whether it succeeds or fails.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
