/**
 * What a fault left in the ClickHouse server, read directly from a test run's own database: activation rows counted
 * with and without FINAL, and the statistics a version ended up with.
 */
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { ClickHouseWarehouse, quoteIdentifier } from '@microscope/storage';

export interface LayerRowCounts {
  layer: string;
  /** Rows as readers see them: FINAL collapses rows with the same key (ReplacingMergeTree) to one. */
  final: number;
  /** Rows as stored: a batch stored twice (redelivered, or an insert retried) counts twice until a merge. */
  stored: number;
  /** Distinct (unit, image) keys, computed without relying on FINAL. */
  distinctKeys: number;
  /** Rows whose unit or image index lies outside the layer (never expected). */
  outOfRange: number;
}

/** unit_stats / unit_topk fields that must match between two runs (ids and times excluded). */
const STATS_FIELDS = 'layer, unit, pooling, count, mean, std, min, max, fraction_positive, histogram_edges, histogram_counts';
const TOPK_FIELDS = 'layer, unit, rank, image_index, value, argmax_y, argmax_x, grid_h, grid_w';

export class WarehouseChecks {
  readonly warehouse: ClickHouseWarehouse;

  constructor(
    private readonly url: string,
    readonly database: string,
  ) {
    this.warehouse = new ClickHouseWarehouse({ url, database });
  }

  async activationCounts(versionId: string, datasetId: string, layers: { name: string; units: number }[], images: number): Promise<LayerRowCounts[]> {
    const counts: LayerRowCounts[] = [];
    for (const layer of layers) {
      const where = 'version_id = {versionId:String} AND dataset_id = {datasetId:String} AND layer = {layer:String}';
      const keyParams = { versionId, datasetId, layer: layer.name };
      const [stored] = await this.warehouse.query<{ n: number; keys: number; outside: number }>(
        `SELECT toUInt64(count()) AS n, toUInt64(uniqExact(unit, image_index)) AS keys,
                toUInt64(countIf(unit >= {units:UInt32} OR image_index >= {images:UInt32})) AS outside
         FROM unit_activations WHERE ${where}`,
        { ...keyParams, units: layer.units, images },
      );
      const [final] = await this.warehouse.query<{ n: number }>(`SELECT toUInt64(count()) AS n FROM unit_activations FINAL WHERE ${where}`, keyParams);
      counts.push({ layer: layer.name, final: Number(final.n), stored: Number(stored.n), distinctKeys: Number(stored.keys), outOfRange: Number(stored.outside) });
    }
    return counts;
  }

  /** Rows of a version whose key is stored more than once (before any merge collapses them). */
  async storedDuplicates(versionId: string): Promise<number> {
    const [row] = await this.warehouse.query<{ n: number }>(
      'SELECT toUInt64(count() - uniqExact(dataset_id, layer, unit, image_index)) AS n FROM unit_activations WHERE version_id = {versionId:String}',
      { versionId },
    );
    return Number(row.n);
  }

  /** Merges every part now, so stored copies of one key collapse as FINAL would show them. */
  async mergeActivations(): Promise<void> {
    await this.warehouse.exec('OPTIMIZE TABLE unit_activations FINAL');
  }

  /** A version's unit statistics as readers see them, in key order, without ids and times. */
  statistics(versionId: string): Promise<Record<string, unknown>[]> {
    return this.warehouse.query(
      `SELECT ${STATS_FIELDS} FROM unit_stats FINAL WHERE version_id = {versionId:String} ORDER BY layer, unit, pooling`,
      { versionId },
    );
  }

  topK(versionId: string): Promise<Record<string, unknown>[]> {
    return this.warehouse.query(`SELECT ${TOPK_FIELDS} FROM unit_topk FINAL WHERE version_id = {versionId:String} ORDER BY layer, unit, rank`, { versionId });
  }

  /** The pooled activation matrix of a version as readers see it, in key order. */
  activations(versionId: string): Promise<{ layer: string; unit: number; image_index: number; mean: number; max: number; argmax_y: number; argmax_x: number }[]> {
    return this.warehouse.query(
      `SELECT layer, unit, image_index, mean, max, argmax_y, argmax_x FROM unit_activations FINAL
       WHERE version_id = {versionId:String} ORDER BY layer, unit, image_index`,
      { versionId },
    );
  }

  /** Seconds since the server started (to show that a restart did happen). */
  async serverUptime(): Promise<number> {
    const [row] = await this.warehouse.query<{ s: number }>('SELECT toUInt64(uptime()) AS s');
    return Number(row.s);
  }

  async close(): Promise<void> {
    await this.warehouse.close();
  }

  /**
   * Drops the run's database without waiting for the end: after a fault run ClickHouse 18.16 takes a minute or more
   * (it deletes thousands of small parts one by one), and it finishes a DROP whose client has hung up.
   */
  drop(): Promise<void> {
    return dropDatabasesQuietly(this.url, [this.database]);
  }
}

/** Databases of earlier fault runs (a DROP cut short by a server restart, a run killed before its cleanup). */
export async function leftoverFaultDatabases(url: string, except: string): Promise<string[]> {
  const warehouse = new ClickHouseWarehouse({ url, database: 'default' });
  try {
    const rows = await warehouse.query<{ name: string }>("SELECT name FROM system.databases WHERE substring(name, 1, 6) = 'fault_'");
    return rows.map((r) => r.name).filter((name) => name !== except);
  } finally {
    await warehouse.close();
  }
}

/** Sends DROP DATABASE for each and waits at most a few seconds for each answer; the server completes them anyway. */
export async function dropDatabasesQuietly(url: string, databases: string[]): Promise<void> {
  const client = createClient({ url, database: 'default', request_timeout: 5000, log: { level: ClickHouseLogLevel.OFF } });
  try {
    for (const database of databases) {
      await client.command({ query: `DROP DATABASE IF EXISTS ${quoteIdentifier(database)}` }).catch((e: unknown) => {
        if (!/timeout/i.test(String(e))) console.warn(`could not drop ${database}: ${String(e)}`);
      });
    }
  } finally {
    await client.close();
  }
}
