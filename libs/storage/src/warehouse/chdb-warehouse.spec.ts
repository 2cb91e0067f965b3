import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ChdbWarehouse } from './chdb-warehouse';
import { describeWarehouseContract } from './warehouse.contract';

// chDB holds one data directory per process: this file opens one and reopens the same one.
describeWarehouseContract('ChdbWarehouse', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'chdb-contract-'));
  let current = new ChdbWarehouse(dir);
  return {
    warehouse: current,
    reopen: async () => {
      await current.close();
      current = new ChdbWarehouse(dir);
      return current;
    },
    cleanup: async () => {
      await current.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

/** Concurrency: a point query must not wait behind a long scan (the API's reads behind analytics' bulk work). */
describe('ChdbWarehouse sessions', () => {
  const LONG_SCAN = 'SELECT max(sipHash64(number)) AS h FROM numbers(50000000)';
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'chdb-sessions-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const finishingOrder = async (sessions: number) => {
    const warehouse = new ChdbWarehouse(dir, { sessions });
    try {
      await warehouse.query('SELECT 1 AS warm'); // opens the first session before timing anything
      const order: string[] = [];
      const scan = warehouse.query(LONG_SCAN).then(() => order.push('scan'));
      const point = warehouse.query('SELECT 1 AS one').then(() => order.push('point'));
      await Promise.all([scan, point]);
      return order;
    } finally {
      await warehouse.close();
    }
  };

  it('answers a point query while a long scan runs on another session', async () => {
    expect(await finishingOrder(3)).toEqual(['point', 'scan']);
  });

  it('with a single session runs calls one after another', async () => {
    expect(await finishingOrder(1)).toEqual(['scan', 'point']);
  });

  it('refuses a session count that is not a positive integer', () => {
    expect(() => new ChdbWarehouse(dir, { sessions: 0 })).toThrow(/positive integer/);
  });
});
