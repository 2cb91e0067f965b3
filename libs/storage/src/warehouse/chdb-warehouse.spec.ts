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
