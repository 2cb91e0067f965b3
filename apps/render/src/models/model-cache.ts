import { AsyncLocalStorage } from 'node:async_hooks';
import type { ModelVersion } from '@microscope/contracts';
import { Executor, importModel, importOnnxDetailed, type GraphIR, type ModelFiles, type ModelImportOptions, type OnnxImport } from '@microscope/engine';
import type { BlobStore } from '@microscope/storage';

/** A version ready to run: its graph, the tfjs executor, and for ONNX versions what onnxruntime needs. */
export interface LoadedModel {
  ir: GraphIR;
  executor: Executor;
  /** ONNX versions only: the decoded file, for the onnxruntime forward path (dataset extraction). */
  onnx?: OnnxImport;
}

interface Entry {
  loading: Promise<LoadedModel>;
  /** Jobs (`hold` calls) that got this model and have not finished. */
  users: number;
  /** Out of the cache; disposed once its last user finishes. */
  evicted: boolean;
}

/**
 * Imports a version's files from the blob store (`models/<contentHash>/…`) and keeps the executors of the
 * most recently used versions, since jobs for one version tend to arrive together. The worker runs jobs of several
 * versions at once (one per bus partition), so a version pushed out of the cache may still be running: work run
 * through `hold` keeps every model it gets until it ends, and an evicted one is disposed only then.
 */
export class ModelCache {
  private readonly entries = new Map<string, Entry>();
  /** The models the current job (the async context of a `hold`) has taken. */
  private readonly held = new AsyncLocalStorage<Set<Entry>>();

  constructor(
    blobs: BlobStore,
    private readonly capacity = 4,
    /** How a version is loaded (tests replace it). */
    private readonly load: (version: ModelVersion) => Promise<LoadedModel> = (version) => loadFromBlobs(blobs, version),
  ) {}

  /** Runs `work`; every model it gets stays usable (not disposed by eviction) until `work` settles. */
  async hold<T>(work: () => Promise<T>): Promise<T> {
    const taken = new Set<Entry>();
    try {
      return await this.held.run(taken, work);
    } finally {
      for (const entry of taken) {
        entry.users -= 1;
        if (entry.evicted && entry.users === 0) disposeEntry(entry);
      }
    }
  }

  get(version: ModelVersion): Promise<LoadedModel> {
    const key = cacheKey(version);
    let entry = this.entries.get(key);
    if (entry) {
      // Re-insert to mark as most recently used.
      this.entries.delete(key);
    } else {
      const created: Entry = { loading: this.load(version), users: 0, evicted: false };
      created.loading.catch(() => {
        if (this.entries.get(key) === created) this.entries.delete(key);
      });
      entry = created;
    }
    this.entries.set(key, entry);
    const taken = this.held.getStore();
    if (taken && !taken.has(entry)) {
      taken.add(entry);
      entry.users += 1;
    }
    while (this.entries.size > this.capacity) {
      const [oldest, evicted] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      evicted.evicted = true;
      if (evicted.users === 0) disposeEntry(evicted);
    }
    return entry.loading;
  }

  /** Disposes every cached model (the worker has stopped: no job is running). */
  dispose(): void {
    for (const entry of this.entries.values()) {
      entry.evicted = true;
      disposeEntry(entry);
    }
    this.entries.clear();
  }
}

function disposeEntry(entry: Entry): void {
  void entry.loading.then((m) => m.executor.dispose(), () => undefined);
}

async function loadFromBlobs(blobs: BlobStore, version: ModelVersion): Promise<LoadedModel> {
  const prefix = `models/${version.contentHash}/`;
  const files: ModelFiles = {
    readText: async (name) => (await blobs.get(prefix + name)).toString('utf8'),
    readBinary: (name) => blobs.get(prefix + name),
  };
  // The size the version was registered at: fills input dimensions the files leave open, as ingest did.
  const options: ModelImportOptions = { inputShape: [version.input.height, version.input.width, version.input.channels] };
  if (version.format === 'onnx') {
    const onnx = await importOnnxDetailed(files, options);
    return { ir: onnx.ir, executor: new Executor(onnx.ir), onnx };
  }
  const ir = await importModel(version.format, files, options);
  return { ir, executor: new Executor(ir) };
}

/** Content hash and input size: two versions of the same files registered at different open sizes differ. */
const cacheKey = (v: ModelVersion): string => `${v.contentHash}:${v.input.height}x${v.input.width}x${v.input.channels}`;
