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

/**
 * Imports a version's files from the blob store (`models/<contentHash>/…`) and keeps the executors of the
 * most recently used versions, since jobs for one version tend to arrive together.
 */
export class ModelCache {
  private readonly entries = new Map<string, Promise<LoadedModel>>();

  constructor(
    private readonly blobs: BlobStore,
    private readonly capacity = 4,
  ) {}

  get(version: ModelVersion): Promise<LoadedModel> {
    const key = cacheKey(version);
    const hit = this.entries.get(key);
    if (hit) {
      // Re-insert to mark as most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const loading = this.load(version);
    loading.catch(() => this.entries.delete(key));
    this.entries.set(key, loading);
    while (this.entries.size > this.capacity) {
      const [oldest, entry] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      void entry.then((e) => e.executor.dispose(), () => undefined);
    }
    return loading;
  }

  private async load(version: ModelVersion): Promise<LoadedModel> {
    const prefix = `models/${version.contentHash}/`;
    const files: ModelFiles = {
      readText: async (name) => (await this.blobs.get(prefix + name)).toString('utf8'),
      readBinary: (name) => this.blobs.get(prefix + name),
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

  dispose(): void {
    for (const entry of this.entries.values()) void entry.then((e) => e.executor.dispose(), () => undefined);
    this.entries.clear();
  }
}

/** Content hash and input size: two versions of the same files registered at different open sizes differ. */
const cacheKey = (v: ModelVersion): string => `${v.contentHash}:${v.input.height}x${v.input.width}x${v.input.channels}`;
