import type { ModelVersion } from '@microscope/contracts';
import { Executor, importModel, type GraphIR } from '@microscope/engine';
import type { BlobStore } from '@microscope/storage';

/**
 * Imports a version's files from the blob store (`models/<contentHash>/…`) and keeps the executors of the
 * most recently used versions, since jobs for one version tend to arrive together.
 */
export class ModelCache {
  private readonly entries = new Map<string, Promise<{ ir: GraphIR; executor: Executor }>>();

  constructor(
    private readonly blobs: BlobStore,
    private readonly capacity = 4,
  ) {}

  get(version: ModelVersion): Promise<{ ir: GraphIR; executor: Executor }> {
    const hit = this.entries.get(version.contentHash);
    if (hit) {
      // Re-insert to mark as most recently used.
      this.entries.delete(version.contentHash);
      this.entries.set(version.contentHash, hit);
      return hit;
    }
    const loading = this.load(version);
    loading.catch(() => this.entries.delete(version.contentHash));
    this.entries.set(version.contentHash, loading);
    while (this.entries.size > this.capacity) {
      const [oldest, entry] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      void entry.then((e) => e.executor.dispose(), () => undefined);
    }
    return loading;
  }

  private async load(version: ModelVersion): Promise<{ ir: GraphIR; executor: Executor }> {
    const prefix = `models/${version.contentHash}/`;
    const ir = await importModel(version.format, {
      readText: async (name) => (await this.blobs.get(prefix + name)).toString('utf8'),
      readBinary: (name) => this.blobs.get(prefix + name),
    });
    return { ir, executor: new Executor(ir) };
  }

  dispose(): void {
    for (const entry of this.entries.values()) void entry.then((e) => e.executor.dispose(), () => undefined);
    this.entries.clear();
  }
}
