/**
 * The render worker's own thread (started by startRenderThread): forward passes and optimisation steps run here, so
 * the API's event loop in the owner thread never waits for them. Warehouse and bus are the owner's, reached over
 * the storage bridge; the blob store is opened here. Does nothing unless started as the render thread.
 */
import { setPriority } from 'node:os';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Catalog } from '@microscope/catalog';
import { selectBackend } from '@microscope/engine';
import { createLogger } from '@microscope/platform';
import { connectStorage, storageBackends } from '@microscope/storage';
import { createRenderWorker } from './render-worker';
import type { FromRenderThread, RenderThreadData, ToRenderThread } from './render-thread-protocol';

/**
 * The render thread's nice value. On Linux a nice value belongs to a thread, and threads it starts inherit it (the
 * WASM backend's pool is started below), so model work yields the cores to the API's thread when both want them.
 */
const RENDER_NICE = 10;

async function runRenderThread(data: RenderThreadData, owner: NonNullable<typeof parentPort>): Promise<void> {
  const send = (message: FromRenderThread) => owner.postMessage(message);
  const log = createLogger('microscope', data.logLevel).child({ app: 'render' });
  try {
    setPriority(RENDER_NICE); // pid 0: this thread only
  } catch (e) {
    log.warn({ err: e }, 'could not lower the render thread\'s priority; it competes with the API for the cores');
  }
  const backend = await selectBackend({ logger: log });
  const remote = connectStorage(data.port, data.kinds);
  const blobs = storageBackends.blob[data.storage.MICROSCOPE_BLOB](data.storage);
  const worker = createRenderWorker({ catalog: new Catalog(remote.warehouse), blobs, bus: remote.bus, warehouse: remote.warehouse, log, maxAttempts: data.maxAttempts });
  await worker.start();
  owner.on('message', (message: ToRenderThread) => {
    if (message.type !== 'stop') return;
    // Stopping aborts a render between two steps; its job stays unacknowledged and resumes on the next start.
    void (async () => {
      await worker.stop();
      await remote.close();
      await blobs.close();
      send({ type: 'stopped' });
    })();
  });
  send({ type: 'ready', backend });
}

const data = workerData as RenderThreadData | undefined;
if (!isMainThread && parentPort && data?.role === 'microscope-render-thread') {
  const owner = parentPort;
  runRenderThread(data, owner).catch((e: unknown) => {
    owner.postMessage({ type: 'failed', message: (e as Error).message ?? String(e), stack: (e as Error).stack } satisfies FromRenderThread);
  });
}
