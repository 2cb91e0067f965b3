import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { isMicroscopeError, MicroscopeError, type TopicName } from '@microscope/contracts';
import { describeBusContract } from '../bus/bus.contract';
import { MemoryBus } from '../bus/memory-bus';
import { deferred, waitFor } from '../contract-helpers';
import { ChdbWarehouse } from '../warehouse/chdb-warehouse';
import { describeWarehouseContract } from '../warehouse/warehouse.contract';
import type { Bus } from '../bus/bus';
import type { Warehouse } from '../warehouse/warehouse';
import { connectStorage, type RemoteStorage } from './remote-storage';
import { serveStorage, type StorageServer } from './serve-storage';

/**
 * The storage bridge over a real MessageChannel (both ends in this thread; a worker thread gets one end). The
 * bridged bus and warehouse must keep their interfaces' contracts, and the bridge its own promises.
 */
function bridge(warehouse: Warehouse, bus: Bus): { remote: RemoteStorage; server: StorageServer; close(): Promise<void> } {
  const { port1, port2 } = new MessageChannel();
  const server = serveStorage(port1, { warehouse, bus });
  const remote = connectStorage(port2, { warehouse: warehouse.kind, bus: bus.kind });
  return {
    remote,
    server,
    close: async () => {
      await remote.close();
      await server.close();
    },
  };
}

/** Bus-only tests need no warehouse; the bridge never calls it unless the remote does. */
const noWarehouse = { kind: 'none' } as Warehouse;

describeBusContract('MemoryBus over the storage bridge', async () => {
  const bus = new MemoryBus({ partitions: 4 });
  const link = bridge(noWarehouse, bus);
  return {
    bus: link.remote.bus,
    cleanup: async () => {
      await link.close();
      await bus.close();
    },
  };
});

describeBusContract('MemoryBus with a journal over the storage bridge', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'bridge-bus-contract-'));
  let owner = new MemoryBus({ partitions: 3, journalDir: dir });
  let link = bridge(noWarehouse, owner);
  return {
    bus: link.remote.bus,
    // A crash of the owning process: the bridge and the bus go together, and a new pair opens the same journal.
    restart: async () => {
      await link.server.close('restarting');
      await owner.close();
      owner = new MemoryBus({ partitions: 3, journalDir: dir });
      link = bridge(noWarehouse, owner);
      return link.remote.bus;
    },
    cleanup: async () => {
      await link.close();
      await owner.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describeWarehouseContract('ChdbWarehouse over the storage bridge', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'bridge-chdb-contract-'));
  const warehouse = new ChdbWarehouse(dir);
  const bus = new MemoryBus();
  const link = bridge(warehouse, bus);
  return {
    warehouse: link.remote.warehouse,
    cleanup: async () => {
      await link.close();
      await bus.close();
      await warehouse.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('storage bridge', () => {
  const topic = 'microscope.test-bridge' as TopicName;
  let bus: MemoryBus;
  beforeEach(() => {
    bus = new MemoryBus({ partitions: 2 });
  });
  afterEach(() => bus.close());

  it('keeps the code of an owner-side MicroscopeError, so the remote can act on it', async () => {
    const failing = {
      kind: 'failing',
      query: async () => {
        throw new MicroscopeError('NOT_FOUND', 'no study named "x"');
      },
    } as unknown as Warehouse;
    const link = bridge(failing, bus);
    try {
      const error = await link.remote.warehouse.query('SELECT 1').catch((e: unknown) => e);
      expect(isMicroscopeError(error) && error.code).toBe('NOT_FOUND');
      expect((error as Error).message).toBe('no study named "x"');
    } finally {
      await link.close();
    }
  });

  it('refuses methods outside the Warehouse and Bus interfaces', async () => {
    const warehouse = { kind: 'w', query: async () => [], secret: async () => 'leaked' } as unknown as Warehouse;
    const { port1, port2 } = new MessageChannel();
    const server = serveStorage(port1, { warehouse, bus });
    const answer = new Promise((resolve) => port2.on('message', resolve));
    port2.postMessage({ kind: 'call', id: 0, target: 'warehouse', method: 'secret', args: [] });
    expect(await answer).toMatchObject({ kind: 'result', id: 0, error: { code: 'INVALID_INPUT' } });
    port2.close();
    await server.close();
  });

  it('fails a delivery in flight when it closes, and the group\'s next consumer gets the message', async () => {
    const link = bridge(noWarehouse, bus);
    const started = deferred();
    await link.remote.bus.subscribe({
      topic,
      group: 'g',
      retryDelayMs: 10,
      handler: async () => {
        started.resolve();
        await new Promise(() => undefined); // a remote that never answers (its thread died)
      },
    });
    await bus.publish(topic, [{ key: 'k', value: 'job' }]);
    await started.promise;
    await link.server.close('the render thread exited');
    const got: string[] = [];
    await bus.subscribe({ topic, group: 'g', handler: async (m) => void got.push(`${m.value}#${m.attempt}`) });
    await waitFor(() => got.length > 0, 5000, 'redelivery');
    expect(got).toEqual(['job#2']);
  });

  it('rejects calls after the remote closed', async () => {
    const link = bridge(noWarehouse, bus);
    await link.close();
    await expect(link.remote.bus.publish(topic, [])).rejects.toThrow(/closed/);
  });
});
