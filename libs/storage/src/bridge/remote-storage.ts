import { MicroscopeError, type TopicName } from '@microscope/contracts';
import type { Bus, IncomingMessage, OutgoingMessage, SubscribeOptions, Subscription } from '../bus/bus';
import type { Row, SqlParams, Warehouse } from '../warehouse/warehouse';
import { deserializeError, serializeError, type BridgedSubscription, type BridgePort, type BridgeTarget, type ToOwner, type ToRemote } from './bridge-protocol';

export interface RemoteStorage {
  warehouse: Warehouse;
  bus: Bus;
  /** Fails the calls still waiting for an answer and closes the port (the owner's storage stays open). */
  close(): Promise<void>;
}

/**
 * The remote end of the storage bridge (see serveStorage): a Warehouse and a Bus that call the owner's over the
 * port. Closing them closes only what this side opened (its subscriptions), never the owner's storage.
 * `kinds` are the owner's backends, reported as this side's `kind`.
 */
export function connectStorage(port: BridgePort, kinds: { warehouse: string; bus: string }): RemoteStorage {
  const calls = new Map<number, { resolve: (value: unknown) => void; reject: (e: Error) => void }>();
  const handlers = new Map<number, SubscribeOptions['handler']>();
  let nextCall = 0;
  let nextSubscription = 0;
  let closed = false;

  const call = <T>(target: BridgeTarget, method: string, ...args: unknown[]): Promise<T> => {
    if (closed) return Promise.reject(new MicroscopeError('UNAVAILABLE', 'the storage bridge is closed'));
    const id = nextCall++;
    return new Promise<T>((resolve, reject) => {
      calls.set(id, { resolve: resolve as (value: unknown) => void, reject });
      port.postMessage({ kind: 'call', id, target, method, args } satisfies ToOwner);
    });
  };

  const handle = async (delivery: number, subscription: number, message: IncomingMessage) => {
    const handler = handlers.get(subscription);
    let answer: ToOwner = { kind: 'handled', delivery };
    try {
      if (!handler) throw new MicroscopeError('UNAVAILABLE', 'the subscription was closed');
      await handler(message);
    } catch (error) {
      answer = { kind: 'handled', delivery, error: serializeError(error) };
    }
    if (!closed) port.postMessage(answer);
  };

  port.on('message', (message: ToRemote) => {
    if (message.kind === 'deliver') {
      void handle(message.delivery, message.subscription, message.message);
      return;
    }
    const waiter = calls.get(message.id);
    calls.delete(message.id);
    if (message.error) waiter?.reject(deserializeError(message.error));
    else waiter?.resolve(message.value);
  });

  const warehouse: Warehouse = {
    kind: kinds.warehouse,
    migrate: () => call('warehouse', 'migrate'),
    exec: (sql: string, params?: SqlParams) => call('warehouse', 'exec', sql, params),
    query: <T extends Row = Row>(sql: string, params?: SqlParams) => call<T[]>('warehouse', 'query', sql, params),
    insert: (table: string, rows: Row[]) => call('warehouse', 'insert', table, rows),
    close: async () => undefined,
  };

  const opened = new Set<Subscription>();
  const bus: Bus = {
    kind: kinds.bus,
    ensureTopics: (topics: TopicName[]) => call('bus', 'ensureTopics', topics),
    publish: (topic: TopicName, messages: OutgoingMessage[]) => call('bus', 'publish', topic, messages),
    drained: (topic: TopicName, group: string) => call<boolean>('bus', 'drained', topic, group),
    async subscribe(options: SubscribeOptions): Promise<Subscription> {
      // The handler is registered before the owner subscribes: its first delivery may overtake the call's answer.
      const id = nextSubscription++;
      handlers.set(id, options.handler);
      const bridged: BridgedSubscription = { id, topic: options.topic, group: options.group, maxAttempts: options.maxAttempts, retryDelayMs: options.retryDelayMs };
      try {
        await call('bus', 'subscribe', bridged);
      } catch (error) {
        handlers.delete(id);
        throw error;
      }
      let closing: Promise<void> | undefined;
      const subscription: Subscription = {
        // The owner closes its subscription, which waits for deliveries in flight here; then the handler goes.
        close: () =>
          (closing ??= call('bus', 'unsubscribe', id)
            .catch(() => undefined)
            .then(() => {
              handlers.delete(id);
              opened.delete(subscription);
            })),
      };
      opened.add(subscription);
      return subscription;
    },
    close: async () => {
      await Promise.all([...opened].map((s) => s.close()));
    },
  };

  return {
    warehouse,
    bus,
    async close() {
      if (closed) return;
      await bus.close();
      closed = true;
      for (const waiter of calls.values()) waiter.reject(new MicroscopeError('UNAVAILABLE', 'the storage bridge is closed'));
      calls.clear();
      port.close();
    },
  };
}
