import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { isMicroscopeError } from '@microscope/contracts';
import { ClickHouseWarehouse } from './clickhouse-warehouse';
import { describeWarehouseContract } from './warehouse.contract';

// Runs against a real ClickHouse server: `tools/services/clickhouse.sh start` and
// MICROSCOPE_TEST_CLICKHOUSE_URL=http://127.0.0.1:18123 (.ci/run sets it). Each run uses its own database.
const url = process.env.MICROSCOPE_TEST_CLICKHOUSE_URL;
// Restarts the shared server: opt in, and run alone (other suites using ClickHouse meanwhile would see it go away).
const restartServices = process.env.MICROSCOPE_TEST_RESTART_SERVICES === '1';
const clickhouseScript = path.resolve(__dirname, '../../../../tools/services/clickhouse.sh');

if (!url) {
  describe('ClickHouseWarehouse', () => {
    it.skip('needs a ClickHouse server: run tools/services/clickhouse.sh start and set MICROSCOPE_TEST_CLICKHOUSE_URL=http://127.0.0.1:18123', () => undefined);
  });
} else {
  const newDatabase = () => `microscope_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const dropDatabase = async (database: string) => {
    const admin = new ClickHouseWarehouse({ url, database: 'default' });
    await admin.exec('DROP DATABASE IF EXISTS {db:Identifier}', { db: database });
    await admin.close();
  };

  describeWarehouseContract('ClickHouseWarehouse', async () => {
    const database = newDatabase();
    let current = new ClickHouseWarehouse({ url, database });
    return {
      warehouse: current,
      reopen: async () => {
        await current.close();
        current = new ClickHouseWarehouse({ url, database });
        return current;
      },
      cleanup: async () => {
        await current.close();
        await dropDatabase(database);
      },
    };
  });

  describe('ClickHouseWarehouse against an unreliable connection', () => {
    const database = newDatabase();
    const target = new URL(url);

    beforeAll(async () => {
      const setup = new ClickHouseWarehouse({ url, database });
      await setup.migrate();
      await setup.close();
    });
    afterAll(() => dropDatabase(database));

    it('retries while the server is unreachable and succeeds once it is back', async () => {
      const port = await freePort();
      const retries: string[] = [];
      const warehouse = new ClickHouseWarehouse({ url: `http://127.0.0.1:${port}`, database, retryDelayMs: 50, onRetry: (r) => retries.push(r.error) });
      // Nothing listens yet: the first tries are refused. Then a proxy to the real server appears on that port.
      let proxy: net.Server | null = null;
      const opening = new Promise<void>((resolve) => setTimeout(() => (proxy = forward(port, target, resolve)), 400));
      try {
        const rows = Array.from({ length: 100 }, (_, i) => ({ version_id: 'v', dataset_id: 'd', layer: 'l', unit: i, image_index: 0, mean: i, max: i, argmax_y: 0, argmax_x: 0 }));
        await warehouse.insert('unit_activations', rows);
        expect(retries.length).toBeGreaterThan(0);
        expect(retries.join(' ')).toMatch(/ECONNREFUSED/);
        expect(await warehouse.query('SELECT count() AS c FROM unit_activations FINAL')).toEqual([{ c: 100 }]);
      } finally {
        await opening;
        await warehouse.close();
        await new Promise((resolve) => proxy!.close(resolve));
      }
    });

    it('retries a request whose connection is cut, without duplicating rows for readers', async () => {
      const port = await freePort();
      let cut = 0;
      // The first two connections are reset once the request has been received; later ones pass through.
      const proxy = await new Promise<net.Server>((resolve) => {
        const server = forward(port, target, () => resolve(server), (client) => {
          if (cut >= 2) return false;
          cut += 1;
          client.once('data', () => client.resetAndDestroy());
          return true;
        });
      });
      const retries: string[] = [];
      const warehouse = new ClickHouseWarehouse({ url: `http://127.0.0.1:${port}`, database, retryDelayMs: 20, onRetry: (r) => retries.push(r.error) });
      try {
        const rows = Array.from({ length: 10 }, (_, i) => ({ version_id: 'cut', dataset_id: 'd', layer: 'l', unit: i, image_index: 0, mean: i, max: i, argmax_y: 0, argmax_x: 0 }));
        await warehouse.insert('unit_activations', rows);
        await warehouse.insert('unit_activations', rows); // a redelivered batch on top
        expect(retries).toHaveLength(2);
        expect(await warehouse.query("SELECT count() AS c FROM unit_activations FINAL WHERE version_id = 'cut'")).toEqual([{ c: 10 }]);
      } finally {
        await warehouse.close();
        await new Promise((resolve) => proxy.close(resolve));
      }
    });

    it('gives up with UNAVAILABLE and an actionable message when the server stays away', async () => {
      const port = await freePort();
      const warehouse = new ClickHouseWarehouse({ url: `http://127.0.0.1:${port}`, database, retryForMs: 300, retryDelayMs: 50 });
      const failure = await warehouse.query('SELECT 1 AS one').catch((e: unknown) => e);
      expect(isMicroscopeError(failure) && failure.code).toBe('UNAVAILABLE');
      expect(String((failure as Error).message)).toMatch(/unreachable.*is the server running/);
      await warehouse.close();
    });

    it('reports SQL mistakes as INVALID_INPUT at once, without retrying', async () => {
      const retries: unknown[] = [];
      const warehouse = new ClickHouseWarehouse({ url, database, onRetry: (r) => retries.push(r) });
      for (const sql of ['SELEC 1', 'SELECT no_such_column FROM layers', 'SELECT * FROM no_such_table']) {
        const failure = await warehouse.query(sql).catch((e: unknown) => e);
        expect(isMicroscopeError(failure) && failure.code).toBe('INVALID_INPUT');
      }
      expect(retries).toEqual([]);
      await warehouse.close();
    });
  });

  (restartServices ? describe : describe.skip)('ClickHouseWarehouse across a server restart (MICROSCOPE_TEST_RESTART_SERVICES=1)', () => {
    it('retries inserts while the server restarts: no row lost, none duplicated for readers', async () => {
      const database = newDatabase();
      const retries: string[] = [];
      const warehouse = new ClickHouseWarehouse({ url, database, retryDelayMs: 100, onRetry: (r) => retries.push(r.error) });
      try {
        await warehouse.migrate();
        // Keeps inserting until the restart is over (the server serves open connections for a while after SIGTERM),
        // then a few batches more.
        const batchRows = 2000;
        let restartDone = false;
        let restarted: Promise<unknown> | null = null;
        let batches = 0;
        for (let after = 0; after < 5; batches += 1) {
          const b = batches;
          const rows = Array.from({ length: batchRows }, (_, i) => ({ version_id: 'v', dataset_id: 'd', layer: 'l', unit: i % 100, image_index: b * 20 + Math.floor(i / 100), mean: i, max: b, argmax_y: 0, argmax_x: 0 }));
          await warehouse.insert('unit_activations', rows);
          if (b === 5) restarted = promisify(execFile)(clickhouseScript, ['restart']).finally(() => (restartDone = true));
          if (restartDone) after += 1;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await restarted;
        expect(retries.length).toBeGreaterThan(0); // the restart was noticed and ridden out
        const [counted] = await warehouse.query<{ c: number; images: number }>('SELECT count() AS c, uniqExact(image_index) AS images FROM unit_activations FINAL');
        expect(counted).toEqual({ c: batches * batchRows, images: batches * 20 });
      } finally {
        await warehouse.exec('DROP DATABASE IF EXISTS {db:Identifier}', { db: database }).catch(() => undefined);
        await warehouse.close();
      }
    }, 120_000);
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** A TCP forwarder on `port` to the real server; `intercept` may take over a connection (return true) to break it. */
function forward(port: number, target: URL, listening: () => void, intercept?: (client: net.Socket) => boolean): net.Server {
  const server = net.createServer((client) => {
    if (intercept?.(client)) return;
    const upstream = net.connect(Number(target.port), target.hostname);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return server.listen(port, '127.0.0.1', listening);
}
