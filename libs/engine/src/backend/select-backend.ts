import * as tf from '@tensorflow/tfjs';
import { MicroscopeError } from '@microscope/contracts';
import * as os from 'node:os';
import * as path from 'node:path';
import { initializedBackend, VERIFIED_WASM_VERSION, withWasmThreads } from './wasm-threads';

/**
 * Chooses the fastest TF.js backend this machine offers, in the design's order: tfjs-node-gpu (CUDA), tfjs-node,
 * WASM with SIMD (multithreaded where possible), pure-JS cpu. The native packages are optional dependencies and
 * are only required here, inside try blocks.
 */

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  threads: number;
  simd: boolean;
  /** Why this backend, and what was skipped on the way (for the API and the logs). */
  reason: string;
}

export interface SelectBackendOptions {
  /** Try this one first; MICROSCOPE_BACKEND overrides it and then nothing else is tried. */
  prefer?: BackendName;
  /** WASM threads (default: MICROSCOPE_WASM_THREADS, else the logical core count). 1 = no worker threads. */
  threads?: number;
  /** pino-style logger; the choice is logged once at info level. */
  logger?: { info(obj: object, msg?: string): void };
}

const ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];
const isBackendName = (v: string): v is BackendName => (ORDER as readonly string[]).includes(v);

type Attempt = { ok: true; info: Omit<BackendInfo, 'reason'>; note: string } | { ok: false; why: string };

let current: BackendInfo | undefined;

/** The backend chosen by the last selectBackend call in this process. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendInfo> {
  const forcedRaw = process.env.MICROSCOPE_BACKEND?.trim().toLowerCase() || undefined;
  if (forcedRaw !== undefined && !isBackendName(forcedRaw)) {
    throw new MicroscopeError('INVALID_INPUT', `MICROSCOPE_BACKEND="${forcedRaw}" is not one of ${ORDER.join(', ')}`);
  }
  const forced: BackendName | undefined = forcedRaw;
  const order: BackendName[] = forced ? [forced] : options.prefer ? [options.prefer, ...ORDER.filter((b) => b !== options.prefer)] : [...ORDER];
  const skipped: string[] = [];
  for (const name of order) {
    const attempt = await tryBackend(name, options);
    if (attempt.ok) {
      const why = forced ? `forced by MICROSCOPE_BACKEND` : options.prefer === name ? 'preferred' : 'first available';
      const reason = [why, attempt.note, ...skipped].filter(Boolean).join('; ');
      current = { ...attempt.info, reason };
      options.logger?.info({ backend: current }, `tfjs backend: ${current.name}`);
      return current;
    }
    skipped.push(`${name} unavailable: ${attempt.why}`);
  }
  throw new MicroscopeError('UNAVAILABLE', `no TF.js backend could be started (${skipped.join('; ')})`);
}

async function tryBackend(name: BackendName, options: SelectBackendOptions): Promise<Attempt> {
  switch (name) {
    case 'tensorflow':
      return tryNative();
    case 'wasm':
      return tryWasm(options);
    case 'cpu':
      return (await tf.setBackend('cpu'))
        ? { ok: true, info: { name: 'cpu', threads: 1, simd: false }, note: 'pure JavaScript' }
        : { ok: false, why: 'tf.setBackend("cpu") failed' };
  }
}

/** tfjs-node-gpu, then tfjs-node: both register the backend "tensorflow" when required. */
async function tryNative(): Promise<Attempt> {
  const failures: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      // A variable module id: these optional packages are absent on most machines and must not be resolved eagerly.
      const id: string = pkg;
      require(id);
      if (await tf.setBackend('tensorflow')) {
        return { ok: true, info: { name: 'tensorflow', threads: os.cpus().length, simd: false }, note: `native TensorFlow via ${pkg}` };
      }
      failures.push(`${pkg} loaded but its backend did not start`);
    } catch (e) {
      failures.push(`${pkg}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return { ok: false, why: failures.join('; ') };
}

function requestedThreads(options: SelectBackendOptions): number {
  const env = process.env.MICROSCOPE_WASM_THREADS;
  const n = options.threads ?? (env ? Number(env) : os.cpus().length);
  if (!Number.isInteger(n) || n < 1) throw new MicroscopeError('INVALID_INPUT', `WASM thread count must be a positive integer, got ${env ?? n}`);
  return n;
}

interface WasmModule {
  setWasmPaths(prefix: string): void;
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
  version_wasm: string;
}

async function tryWasm(options: SelectBackendOptions): Promise<Attempt> {
  let wasm: WasmModule;
  try {
    wasm = require('@tensorflow/tfjs-backend-wasm') as WasmModule;
  } catch (e) {
    return { ok: false, why: `@tensorflow/tfjs-backend-wasm: ${(e as Error).message.split('\n')[0]}` };
  }
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  if (initializedBackend('wasm')) {
    // Initialised earlier in this process: its thread pool is fixed now.
    if (!(await tf.setBackend('wasm'))) return { ok: false, why: 'tf.setBackend("wasm") failed' };
    return { ok: true, info: { name: 'wasm', threads: wasm.getThreadsCount(), simd }, note: 'already initialised' };
  }
  // The .wasm binaries load from the package folder as plain files.
  wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
  const threads = requestedThreads(options);
  const blockers = [
    threads < 2 && 'one thread requested',
    !simd && 'no WASM SIMD',
    typeof SharedArrayBuffer === 'undefined' && 'no SharedArrayBuffer',
    wasm.version_wasm !== VERIFIED_WASM_VERSION && `threads are verified for ${VERIFIED_WASM_VERSION} only, found ${wasm.version_wasm}`,
  ].filter((b): b is string => typeof b === 'string');
  let started = false;
  if (blockers.length === 0) {
    wasm.setThreadsCount(threads);
    await withWasmThreads(threads, wasm.version_wasm, async () => {
      started = await tf.setBackend('wasm');
    });
    if (!started) blockers.push('the threaded module did not initialise');
  }
  if (!started) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    started = await tf.setBackend('wasm');
  }
  if (!started) return { ok: false, why: 'the WASM module did not initialise' };
  const actual = wasm.getThreadsCount();
  const note = `${simd ? 'SIMD' : 'no SIMD'}, ${actual} thread${actual === 1 ? '' : 's'}${blockers.length ? ` (single-threaded: ${blockers.join(', ')})` : ''}`;
  return { ok: true, info: { name: 'wasm', threads: actual, simd }, note };
}
