import { existsSync } from 'node:fs';
import path from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import { MicroscopeError } from '@microscope/contracts';
import type { BackendInfo } from '@microscope/engine';
import type { Logger } from '@microscope/platform';
import { serveStorage, type Bus, type StorageConfig, type StorageServer, type Warehouse } from '@microscope/storage';
import type { FromRenderThread, RenderThreadData, ToRenderThread } from './render-thread-protocol';

export interface RenderThreadOptions {
  /** The owner's warehouse and bus, served to the thread over the storage bridge. */
  warehouse: Warehouse;
  bus: Bus;
  /** Settings the thread opens its own blob store from. */
  storage: StorageConfig;
  log: Logger;
  /** Deliveries of one job before it is declared failed (the render worker's default otherwise). */
  maxAttempts?: number;
  /** Wait before restarting a thread that died; doubles on each failure up to 30 s (default 1 s). */
  restartDelayMs?: number;
}

export interface RenderThread {
  /** The tensor backend the render thread selected. */
  readonly backend: BackendInfo;
  /** Stops the render worker (a render stops between two steps and resumes on the next start), then the thread. */
  stop(): Promise<void>;
}

interface Running {
  worker: Worker;
  server: StorageServer;
  backend: BackendInfo;
  stopped: Promise<void>;
}

const MAX_RESTART_DELAY_MS = 30_000;

/**
 * The render worker on its own thread, for the single-process product: model work is long synchronous stretches
 * (a forward pass of a large batch, an optimisation step), which on the API's event loop stalled every request for
 * their length. The thread selects its own tensor backend and uses this thread's warehouse and bus through the
 * storage bridge (the embedded ones cannot be opened twice in a process). A thread that dies is restarted; the job
 * it held is redelivered by the bus. Resolves once the thread is consuming jobs.
 */
export async function startRenderThread(options: RenderThreadOptions): Promise<RenderThread> {
  const log = options.log;
  let stopping = false;
  let restartDelay = options.restartDelayMs ?? 1000;
  let restartTimer: NodeJS.Timeout | undefined;
  let current: Running | undefined;

  const launch = (): Promise<Running> => {
    const { port1, port2 } = new MessageChannel();
    const server = serveStorage(port1, { warehouse: options.warehouse, bus: options.bus });
    const data: RenderThreadData = {
      role: 'microscope-render-thread',
      port: port2,
      storage: options.storage,
      kinds: { warehouse: options.warehouse.kind, bus: options.bus.kind },
      logLevel: log.level,
      maxAttempts: options.maxAttempts,
    };
    const worker = spawnRenderThread(data, port2);
    let markStopped!: () => void;
    const stopped = new Promise<void>((resolve) => (markStopped = resolve));
    return new Promise<Running>((resolve, reject) => {
      let ready = false;
      worker.on('message', (message: FromRenderThread) => {
        if (message.type === 'ready') {
          ready = true;
          const running = { worker, server, backend: message.backend, stopped };
          resolve(running);
        } else if (message.type === 'stopped') {
          markStopped();
        } else if (message.type === 'failed') {
          log.error({ err: { message: message.message, stack: message.stack } }, 'the render thread failed');
          if (!ready) reject(new MicroscopeError('UNAVAILABLE', `the render thread could not start: ${message.message} (MICROSCOPE_RENDER_THREAD=false runs render on the API's thread instead)`));
          void worker.terminate();
        }
      });
      worker.on('error', (e) => {
        log.error({ err: e }, 'the render thread crashed');
        if (!ready) reject(new MicroscopeError('UNAVAILABLE', `the render thread could not start: ${e.message}`));
      });
      worker.once('exit', (code) => {
        markStopped();
        // Jobs it was running fail over to the bus's redelivery: the bridge rejects their deliveries.
        void server.close('the render thread exited');
        if (!ready) return reject(new MicroscopeError('UNAVAILABLE', `the render thread exited (code ${code}) before it was ready`));
        if (stopping || current?.worker !== worker) return;
        current = undefined;
        log.error({ code, restartInMs: restartDelay }, 'the render thread exited; restarting it');
        scheduleRestart();
      });
    });
  };

  const scheduleRestart = () => {
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (stopping) return;
      launch().then(
        (running) => {
          if (stopping) return void stopThread(running);
          current = running;
          restartDelay = options.restartDelayMs ?? 1000;
          log.info('the render thread is back');
        },
        (e: unknown) => {
          log.error({ err: e, restartInMs: restartDelay }, 'the render thread did not restart; trying again');
          restartDelay = Math.min(MAX_RESTART_DELAY_MS, restartDelay * 2);
          scheduleRestart();
        },
      );
    }, restartDelay);
  };

  current = await launch();
  const backend = current.backend;
  return {
    backend,
    async stop() {
      stopping = true;
      clearTimeout(restartTimer);
      if (current) await stopThread(current);
      current = undefined;
    },
  };
}

async function stopThread(running: Running): Promise<void> {
  running.worker.postMessage({ type: 'stop' } satisfies ToRenderThread);
  await running.stopped;
  await running.server.close('the render thread stopped');
  // The WASM backend's own threads would keep it alive.
  await running.worker.terminate();
}

/**
 * Starts render-thread.ts in a worker thread. From TypeScript sources (tsx, ts-jest) the thread registers tsx itself
 * with the repository's tsconfig (path aliases) rather than inheriting the parent's loader flags, which ts-jest
 * does not have; compiled, it runs the .js beside this file.
 */
function spawnRenderThread(data: RenderThreadData, port: RenderThreadData['port']): Worker {
  const fromSource = __filename.endsWith('.ts');
  const entry = path.join(__dirname, `render-thread${fromSource ? '.ts' : '.js'}`);
  if (!fromSource) return new Worker(entry, { workerData: data, transferList: [port] });
  const tsconfig = process.env.TSX_TSCONFIG_PATH ?? path.join(__dirname, '..', '..', '..', 'tsconfig.json');
  if (!existsSync(tsconfig)) throw new MicroscopeError('UNAVAILABLE', `the render thread needs the repository's tsconfig at ${tsconfig} (or TSX_TSCONFIG_PATH)`);
  const bootstrap = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register();\nrequire(${JSON.stringify(entry)});`;
  return new Worker(bootstrap, { eval: true, workerData: data, transferList: [port], execArgv: [], env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig } });
}
