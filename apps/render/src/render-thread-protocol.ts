import type { BackendInfo } from '@microscope/engine';
import type { StorageConfig } from '@microscope/storage';
import type { MessagePort } from 'node:worker_threads';

/** What the render thread is started with (its workerData). */
export interface RenderThreadData {
  /** Marks the workerData as ours, so the entry module does nothing when imported anywhere else. */
  role: 'microscope-render-thread';
  /** The storage bridge's remote end: the owner thread's warehouse and bus. */
  port: MessagePort;
  /** The blob store is opened in the thread itself from these settings (files or S3: both are safe to share). */
  storage: StorageConfig;
  /** The owner's backends, reported as the bridged warehouse's and bus's kind. */
  kinds: { warehouse: string; bus: string };
  logLevel: string;
  maxAttempts?: number;
}

/** Thread → owner. */
export type FromRenderThread = { type: 'ready'; backend: BackendInfo } | { type: 'stopped' } | { type: 'failed'; message: string; stack?: string };

/** Owner → thread. */
export type ToRenderThread = { type: 'stop' };
