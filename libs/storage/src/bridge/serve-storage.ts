import { MicroscopeError } from '@microscope/contracts';
import type { Bus, IncomingMessage, Subscription } from '../bus/bus';
import type { Warehouse } from '../warehouse/warehouse';
import {
  BRIDGED_METHODS,
  deserializeError,
  serializeError,
  type BridgedSubscription,
  type BridgePort,
  type ToOwner,
  type ToRemote,
} from './bridge-protocol';

export interface StorageServer {
  /**
   * Ends the bridge: deliveries still waiting for the remote fail (the bus redelivers them to the group's next
   * consumer), the remote's subscriptions are closed and the port with them. The storage itself stays open.
   */
  close(reason?: string): Promise<void>;
}

/**
 * The owner's end of the storage bridge: answers a remote's warehouse and bus calls with the real ones, and runs
 * its subscriptions here, handing each message over the port and acknowledging it when the remote has handled it.
 */
export function serveStorage(port: BridgePort, storage: { warehouse: Warehouse; bus: Bus }): StorageServer {
  const subscriptions = new Map<number, Subscription>();
  const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let nextDelivery = 0;
  let closed = false;
  const send = (message: ToRemote) => {
    if (!closed) port.postMessage(message);
  };

  const deliver = (subscription: number, message: IncomingMessage): Promise<void> => {
    if (closed) return Promise.reject(new MicroscopeError('UNAVAILABLE', 'the storage bridge is closed'));
    const delivery = nextDelivery++;
    return new Promise<void>((resolve, reject) => {
      waiting.set(delivery, { resolve, reject });
      send({ kind: 'deliver', delivery, subscription, message });
    });
  };

  const bus = {
    ensureTopics: (topics: Parameters<Bus['ensureTopics']>[0]) => storage.bus.ensureTopics(topics),
    publish: (topic: Parameters<Bus['publish']>[0], messages: Parameters<Bus['publish']>[1]) => storage.bus.publish(topic, messages),
    drained: (topic: Parameters<Bus['drained']>[0], group: string) => storage.bus.drained(topic, group),
    subscribe: async (options: BridgedSubscription) => {
      const { id, ...rest } = options;
      subscriptions.set(id, await storage.bus.subscribe({ ...rest, handler: (message) => deliver(id, message) }));
    },
    unsubscribe: async (id: number) => {
      const subscription = subscriptions.get(id);
      subscriptions.delete(id);
      await subscription?.close();
    },
  };
  const targets = { warehouse: storage.warehouse, bus } as unknown as Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>>;

  const onMessage = (message: ToOwner) => {
    if (message.kind === 'handled') {
      const waiter = waiting.get(message.delivery);
      waiting.delete(message.delivery);
      if (message.error) waiter?.reject(deserializeError(message.error));
      else waiter?.resolve();
      return;
    }
    const { id, target, method, args } = message;
    const allowed = BRIDGED_METHODS[target]?.includes(method);
    const call = allowed
      ? Promise.resolve().then(() => targets[target][method](...args))
      : Promise.reject(new MicroscopeError('INVALID_INPUT', `the storage bridge does not offer ${target}.${method}`));
    call.then(
      (value) => send({ kind: 'result', id, value }),
      (error: unknown) => send({ kind: 'result', id, error: serializeError(error) }),
    );
  };
  port.on('message', onMessage);

  return {
    async close(reason = 'the storage bridge closed') {
      if (closed) return;
      closed = true;
      port.off('message', onMessage);
      for (const waiter of waiting.values()) waiter.reject(new MicroscopeError('UNAVAILABLE', reason));
      waiting.clear();
      await Promise.all([...subscriptions.values()].map((s) => s.close()));
      subscriptions.clear();
      port.close();
    },
  };
}
