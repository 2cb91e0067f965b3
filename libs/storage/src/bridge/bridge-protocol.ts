import { InvalidMessageError, MicroscopeError, type ErrorCode } from '@microscope/contracts';
import type { MessagePort } from 'node:worker_threads';
import type { IncomingMessage } from '../bus/bus';

/**
 * The messages of the storage bridge: a thread that does not own the storage (the render thread of the
 * single-process product) calls the owner's warehouse and bus over a MessagePort, and the owner hands it the bus
 * messages of its subscriptions. Values cross by structured clone, so only plain data travels: rows, strings.
 */
export type BridgeTarget = 'warehouse' | 'bus';

/** The methods a remote may call; anything else is refused, so the port cannot reach beyond the interfaces. */
export const BRIDGED_METHODS: Record<BridgeTarget, readonly string[]> = {
  warehouse: ['migrate', 'exec', 'query', 'insert'],
  bus: ['ensureTopics', 'publish', 'drained', 'subscribe', 'unsubscribe'],
};

/** What the remote sends the owner. */
export type ToOwner =
  | { kind: 'call'; id: number; target: BridgeTarget; method: string; args: unknown[] }
  /** A delivered bus message was handled (no error: acknowledge it) or failed (redeliver it). */
  | { kind: 'handled'; delivery: number; error?: SerializedError };

/** What the owner sends the remote. */
export type ToRemote =
  | { kind: 'result'; id: number; value?: unknown; error?: SerializedError }
  | { kind: 'deliver'; delivery: number; subscription: number; message: IncomingMessage };

/** The subscribe call's argument: the subscription's options without the handler, which stays with the remote. */
export interface BridgedSubscription {
  id: number;
  topic: IncomingMessage['topic'];
  group: string;
  maxAttempts?: number;
  retryDelayMs?: number;
}

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

/** The part of a MessagePort both sides use (a test may pass either end of a MessageChannel). */
export type BridgePort = Pick<MessagePort, 'postMessage' | 'on' | 'off' | 'close'>;

export function serializeError(error: unknown): SerializedError {
  if (error instanceof MicroscopeError) return { name: error.name, message: error.message, code: error.code, stack: error.stack };
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}

/**
 * The error again on this side of the port: a MicroscopeError keeps its code, and an invalid message stays an
 * InvalidMessageError (buses dead-letter those at once instead of retrying), so callers still act on them.
 */
export function deserializeError(error: SerializedError): Error {
  const rebuilt =
    error.name === 'InvalidMessageError'
      ? new InvalidMessageError(error.message)
      : error.code
        ? new MicroscopeError(error.code as ErrorCode, error.message)
        : new Error(error.message);
  rebuilt.name = error.name;
  if (error.stack) rebuilt.stack = error.stack;
  return rebuilt;
}
