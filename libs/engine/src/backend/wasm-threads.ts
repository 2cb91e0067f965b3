import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
// The module object itself (not an interop copy), so patching os.cpus is seen by the emscripten loader.
import os = require('node:os');
import * as path from 'node:path';

/**
 * Multithreaded TF.js WASM in Node. TF.js 4.22 turns threads off under Node because the emscripten loader hands
 * worker_threads `blob:` URLs (ERR_WORKER_PATH). This module makes it work (ENGINE-NOTES "Threads in Node"):
 *  1. while the backend initialises, Blob and URL.createObjectURL are wrapped so the two scripts TF.js builds in
 *     memory (the pthread worker and the module factory it imports) are written to files and their paths used;
 *  2. XNNPACK sizes its pool as min(requested, logical cores / 2), so os.cpus() reports 2 × threads meanwhile;
 *  3. afterwards the workers are unref'd so they do not keep a finished Node process alive.
 * The factory script references the bundle's module-level names; the prelude below recreates them. That is tied
 * to the bundle layout of the version it was checked against, hence VERIFIED_VERSION.
 */

export const VERIFIED_WASM_VERSION = '4.22.0';

const FACTORY_MARKER = 'var WasmBackendModuleThreadedSimd';
const FACTORY_PRELUDE =
  "var require$$0 = require('fs'), require$$1 = require('path'), require$$3 = require('perf_hooks'), " +
  "require$$4 = require('os'), commonjsGlobal = globalThis;\n";

interface PThreadPool {
  runningWorkers: Array<{ unref(): void }>;
  unusedWorkers: Array<{ unref(): void }>;
}

/** Writes a file atomically so concurrent processes never read a half-written script. */
function writeStable(file: string, content: string): void {
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === content) return;
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/**
 * Runs `init` (which must initialise the WASM backend) with the patches in place, then undoes them and unrefs
 * the worker threads.
 */
export async function withWasmThreads(threads: number, version: string, init: () => Promise<void>): Promise<void> {
  const dir = path.join(os.tmpdir(), `microscope-tfjs-wasm-${version}`);
  fs.mkdirSync(dir, { recursive: true });
  const factoryPath = path.join(dir, 'factory.js');
  const workerPath = path.join(dir, 'worker.js');

  const OriginalBlob = globalThis.Blob;
  const originalCreateObjectURL = URL.createObjectURL;
  const originalCpus = os.cpus;
  const texts = new WeakMap<Blob, string>();

  class RecordingBlob extends OriginalBlob {
    constructor(parts: ConstructorParameters<typeof Blob>[0] = [], options?: ConstructorParameters<typeof Blob>[1]) {
      super(parts, options);
      if (parts && parts.every((p) => typeof p === 'string')) {
        const text = (parts as string[]).join('');
        texts.set(this, text);
        // The factory is handed to workers as a Blob; written now so the worker script can point at it.
        if (text.startsWith(FACTORY_MARKER)) writeStable(factoryPath, FACTORY_PRELUDE + text);
      }
    }
  }

  globalThis.Blob = RecordingBlob as typeof Blob;
  URL.createObjectURL = (obj: Blob): string => {
    const text = texts.get(obj);
    if (text === undefined || text.startsWith(FACTORY_MARKER)) return originalCreateObjectURL(obj);
    // The worker script: inside the worker, the factory Blob it receives resolves to the file written above.
    const redirect = `URL.createObjectURL = () => ${JSON.stringify(factoryPath)}; URL.revokeObjectURL = () => {};\n`;
    writeStable(workerPath, redirect + text);
    return workerPath;
  };
  const cpus = originalCpus();
  os.cpus = () => Array.from({ length: Math.max(2 * threads, cpus.length) }, (_, i) => cpus[i % cpus.length]);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  try {
    await init();
  } finally {
    globalThis.Blob = OriginalBlob;
    URL.createObjectURL = originalCreateObjectURL;
    os.cpus = originalCpus;
  }
  unrefWorkers();
}

/** Lets Node exit while XNNPACK's worker threads wait for work. */
export function unrefWorkers(): void {
  const backend = initializedBackend('wasm') as { wasm?: { PThread?: PThreadPool } } | undefined;
  const pool = backend?.wasm?.PThread;
  if (!pool) return;
  for (const w of [...pool.runningWorkers, ...pool.unusedWorkers]) w.unref();
}

/** A backend that has finished initialising, without starting one (tf.findBackend would). */
export function initializedBackend(name: string): unknown {
  return (tf.engine() as unknown as { registry: Record<string, unknown> }).registry[name];
}
