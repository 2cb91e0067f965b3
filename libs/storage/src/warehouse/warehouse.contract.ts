import { randomUUID } from 'node:crypto';
import { isMicroscopeError } from '@microscope/contracts';
import { WAREHOUSE_TABLES, fromDateTimeText, toDateTimeText } from './schema';
import type { Row, Warehouse } from './warehouse';

export interface WarehouseHarness {
  warehouse: Warehouse;
  /** Closes whatever warehouse is current and removes the harness's data. */
  cleanup(): Promise<void>;
  /** For implementations with persistent data: close the current warehouse and open a new one on the same data. */
  reopen?(): Promise<Warehouse>;
}

export interface WarehouseContractOptions {
  timeoutMs?: number;
}

/**
 * The semantics every Warehouse implementation must have, as a jest suite. One warehouse serves the whole suite
 * (chDB allows one data directory per process); tests keep apart by using fresh ids, so the suite can also run
 * against a long-lived server.
 */
export function describeWarehouseContract(
  name: string,
  factory: () => Promise<WarehouseHarness>,
  options: WarehouseContractOptions = {},
): void {
  const timeoutMs = options.timeoutMs ?? 60_000;

  describe(`Warehouse contract: ${name}`, () => {
    let harness: WarehouseHarness;
    let warehouse: Warehouse;

    beforeAll(async () => {
      harness = await factory();
      warehouse = harness.warehouse;
      await warehouse.migrate();
    }, timeoutMs);

    afterAll(async () => {
      await harness?.cleanup();
    }, timeoutMs);

    it(
      'migrates idempotently and creates every table of the schema',
      async () => {
        await warehouse.migrate();
        await warehouse.migrate();
        const rows = await warehouse.query<{ name: string }>('SELECT name FROM system.tables WHERE database = currentDatabase()');
        const names = rows.map((r) => r.name);
        for (const table of WAREHOUSE_TABLES) expect(names).toContain(table.name);
      },
      timeoutMs,
    );

    it(
      'round-trips rows with arrays, enums, floats and timestamps',
      async () => {
        const versionId = randomUUID();
        const datasetId = randomUUID();
        const computedAt = '2024-05-01T12:34:56.000Z';
        const rows = [0, 1, 2].map((unit) => ({
          version_id: versionId,
          dataset_id: datasetId,
          layer: 'conv2d_1',
          unit,
          pooling: unit % 2 === 0 ? 'mean' : 'max',
          count: 100 + unit,
          mean: 0.125 * unit - 1,
          std: 1.5,
          min: -3.25,
          max: 1e6 + 0.5,
          fraction_positive: 0.75,
          histogram_edges: [-1, -0.5, 0, 0.5, 1],
          histogram_counts: [1, 0, 30, 4000000000],
          job_id: randomUUID(),
          computed_at: toDateTimeText(computedAt),
        }));
        await warehouse.insert('unit_stats', rows);
        const back = await warehouse.query(
          'SELECT * FROM unit_stats FINAL WHERE version_id = {v:String} AND dataset_id = {d:String} ORDER BY unit',
          { v: versionId, d: datasetId },
        );
        expect(back).toEqual(rows);
        expect(fromDateTimeText(back[0].computed_at as string)).toBe(computedAt);
      },
      timeoutMs,
    );

    it(
      'stores and finds text with quotes, backslashes, newlines, NUL, unicode and placeholder-like braces verbatim',
      async () => {
        const versionId = randomUUID();
        const nasty = [
          "it's",
          'say "hi"',
          'back\\slash',
          'trailing backslash\\',
          "\\'",
          'line\nbreak\r\ttab',
          'nul\u0000byte',
          'emoji 🔬 ünïcödé 日本語',
          '{x:String}',
          "'; DROP TABLE layers; --",
          '/* not a comment */ -- nor this',
          '`backtick`',
        ];
        await warehouse.insert(
          'layers',
          nasty.map((name, position) => ({ version_id: versionId, name, op: 'Conv2D', output_shape: [8, 8, 4], unit_count: 4, position })),
        );
        const all = await warehouse.query<{ name: string }>('SELECT name FROM layers FINAL WHERE version_id = {v:String} ORDER BY position', { v: versionId });
        expect(all.map((r) => r.name)).toEqual(nasty);
        for (const name of nasty) {
          const found = await warehouse.query<{ name: string; position: number }>(
            'SELECT name, position FROM layers FINAL WHERE version_id = {v:String} AND name = {name:String}',
            { v: versionId, name },
          );
          expect(found).toEqual([{ name, position: nasty.indexOf(name) }]);
        }
        expect(await warehouse.query('SELECT {s:String} AS s', { s: nasty.join('|') })).toEqual([{ s: nasty.join('|') }]);
      },
      timeoutMs,
    );

    it(
      'binds typed parameters (numbers, arrays, nullables, identifiers) and refuses bad ones',
      async () => {
        const versionId = randomUUID();
        await warehouse.insert(
          'unit_activations',
          [0, 1, 2, 3].map((unit) => ({ version_id: versionId, dataset_id: 'd', layer: 'l', unit, image_index: 7, mean: unit / 2, max: unit, argmax_y: 1, argmax_x: 2 })),
        );
        const units = await warehouse.query<{ unit: number }>(
          'SELECT unit FROM {table:Identifier} FINAL WHERE version_id = {v:String} AND has({units:Array(UInt32)}, unit) AND max >= {least:Float64} ORDER BY unit',
          { table: 'unit_activations', v: versionId, units: [1, 2, 3], least: 1.5 },
        );
        expect(units).toEqual([{ unit: 2 }, { unit: 3 }]);
        const values = await warehouse.query(
          'SELECT {n:Int32} AS n, {neg:Int64} AS neg, {f:Float64} AS f, {none:Nullable(String)} AS none, {xs:Array(String)} AS xs, {empty:Array(UInt32)} AS empty, {b:Bool} AS b',
          { n: 42, neg: -7, f: 0.25, none: null, xs: ['a', "b'c"], empty: [], b: true },
        );
        expect(values).toEqual([{ n: 42, neg: -7, f: 0.25, none: null, xs: ['a', "b'c"], empty: [], b: 1 }]);
        // Subtracting a negative parameter must not turn into a "--" comment.
        expect(await warehouse.query('SELECT 10 -{x:Int32} AS r', { x: -5 })).toEqual([{ r: 15 }]);
        const injection = await warehouse.query('SELECT count() AS c FROM unit_activations WHERE version_id = {v:String}', { v: "x' OR '1'='1" });
        expect(injection).toEqual([{ c: 0 }]);

        await expectInvalid(warehouse.query('SELECT {missing:String} AS m', {}));
        await expectInvalid(warehouse.query('SELECT {n:UInt8} AS n', { n: 256 }));
        await expectInvalid(warehouse.query('SELECT {n:Int32} AS n', { n: 1.5 }));
        await expectInvalid(warehouse.query('SELECT {f:Float64} AS f', { f: Number.NaN }));
        await expectInvalid(warehouse.query('SELECT {s:String} AS s', { s: 5 }));
        await expectInvalid(warehouse.query('SELECT 1 FROM {t:Identifier}', { t: 'layers; DROP TABLE layers' }));
        await expectInvalid(warehouse.query('SELECT 1 AS one', { unused: 1 }));
      },
      timeoutMs,
    );

    it(
      'returns 64-bit aggregates as JSON numbers',
      async () => {
        expect(await warehouse.query('SELECT count() AS c, sum(number) AS s, toUInt64(1) AS one FROM numbers(10)')).toEqual([{ c: 10, s: 45, one: 1 }]);
        const counted = await warehouse.query<{ c: unknown }>('SELECT count() AS c FROM layers WHERE version_id = {v:String}', { v: randomUUID() });
        expect(counted).toEqual([{ c: 0 }]);
        expect(typeof counted[0].c).toBe('number');
      },
      timeoutMs,
    );

    it(
      'dedupes a retried insert of the same rows under FINAL, and lets the newest computation win',
      async () => {
        const versionId = randomUUID();
        const activations = Array.from({ length: 50 }, (_, i) => ({
          version_id: versionId,
          dataset_id: 'd',
          layer: 'mixed3a',
          unit: i % 5,
          image_index: Math.floor(i / 5),
          mean: i / 10,
          max: i,
          argmax_y: 0,
          argmax_x: 0,
        }));
        await warehouse.insert('unit_activations', activations);
        await warehouse.insert('unit_activations', activations); // redelivered batch
        await warehouse.insert('unit_activations', activations.slice(10, 20));
        const counted = await warehouse.query('SELECT count() AS c, sum(max) AS s FROM unit_activations FINAL WHERE version_id = {v:String}', { v: versionId });
        expect(counted).toEqual([{ c: 50, s: (49 * 50) / 2 }]);

        const stats = (computedAt: string, mean: number): Row => ({
          version_id: versionId,
          dataset_id: 'd',
          layer: 'mixed3a',
          unit: 0,
          pooling: 'max',
          count: 10,
          mean,
          std: 0,
          min: 0,
          max: 1,
          fraction_positive: 1,
          histogram_edges: [0, 1],
          histogram_counts: [10],
          job_id: 'j',
          computed_at: toDateTimeText(computedAt),
        });
        await warehouse.insert('unit_stats', [stats('2024-01-02T00:00:00Z', 2)]);
        await warehouse.insert('unit_stats', [stats('2024-01-01T00:00:00Z', 1)]); // a stale message arriving late
        const newest = await warehouse.query('SELECT mean FROM unit_stats FINAL WHERE version_id = {v:String}', { v: versionId });
        expect(newest).toEqual([{ mean: 2 }]);
      },
      timeoutMs,
    );

    it(
      "reads a job's status as its latest event",
      async () => {
        const jobId = randomUUID();
        const events = [
          { seq: 0, status: 'queued', progress: 0, at: '2024-01-01T00:00:00Z' },
          { seq: 1, status: 'running', progress: 0.5, at: '2024-01-01T00:00:00Z' },
          { seq: 2, status: 'succeeded', progress: 1, at: '2024-01-01T00:00:01Z' },
        ].map((e) => ({ job_id: jobId, seq: e.seq, status: e.status, progress: e.progress, message: `step ${e.seq}`, occurred_at: toDateTimeText(e.at) }));
        await warehouse.insert('job_events', [events[2], events[0]]);
        await warehouse.insert('job_events', [events[1], events[2]]);
        const latest = await warehouse.query(
          'SELECT argMax(status, seq) AS status, max(progress) AS progress, count() AS n FROM (SELECT * FROM job_events FINAL WHERE job_id = {j:String})',
          { j: jobId },
        );
        expect(latest).toEqual([{ status: 'succeeded', progress: 1, n: 3 }]);
      },
      timeoutMs,
    );

    it(
      'runs statements without results (exec) and rejects bad SQL, unknown tables and unsafe table names',
      async () => {
        await warehouse.exec('OPTIMIZE TABLE {t:Identifier} FINAL', { t: 'layers' });
        await expect(warehouse.query('SELEC 1')).rejects.toThrow();
        await expect(warehouse.insert('no_such_table_here', [{ a: 1 }])).rejects.toThrow();
        await expectInvalid(warehouse.insert('layers; DROP TABLE layers', [{ a: 1 }]));
        await warehouse.insert('layers', []);
        expect(await warehouse.query('SELECT 1 AS one WHERE 0')).toEqual([]);
      },
      timeoutMs,
    );

    it(
      'keeps its data across a close and reopen (persistent implementations)',
      async () => {
        if (!harness.reopen) return; // not persistent: nothing to check
        const studyId = randomUUID();
        const at = toDateTimeText(new Date('2024-03-03T03:03:03Z'));
        await warehouse.insert('studies', [{ id: studyId, name: 'seeds', description: 'do seeds converge?', created_at: at, updated_at: at }]);
        warehouse = await harness.reopen();
        const back = await warehouse.query('SELECT id, name, description FROM studies FINAL WHERE id = {id:String}', { id: studyId });
        expect(back).toEqual([{ id: studyId, name: 'seeds', description: 'do seeds converge?' }]);
        await warehouse.migrate(); // idempotent on existing data too
        expect(await warehouse.query('SELECT count() AS c FROM studies FINAL WHERE id = {id:String}', { id: studyId })).toEqual([{ c: 1 }]);
      },
      timeoutMs,
    );
  });
}

async function expectInvalid(promise: Promise<unknown>): Promise<void> {
  let caught: unknown = null;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  if (!isMicroscopeError(caught)) throw new Error(`expected a MicroscopeError INVALID_INPUT, got ${String(caught)}`);
  expect(caught.code).toBe('INVALID_INPUT');
}
