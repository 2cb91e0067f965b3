/**
 * Throughput of the real servers through our storage implementations, as JSON:
 *   activation rows/s into ClickHouse for each insert format tried, and messages/s through Kafka.
 * Usage (servers up, e.g. tools/services/all.sh up):
 *   eval "$(tools/services/env.sh)"; npx tsx tools/services/throughput.ts [--rows 1000000] [--messages 20000] [--only kafka|clickhouse]
 * tools/bench can import `measureClickHouseInserts` and `measureKafka` instead of running this file.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { TopicName } from '@microscope/contracts';
import { KafkaBus } from '../../libs/storage/src/bus/kafka-bus';
import { ClickHouseWarehouse } from '../../libs/storage/src/warehouse/clickhouse-warehouse';

type ActivationRow = {
  version_id: string;
  dataset_id: string;
  layer: string;
  unit: number;
  image_index: number;
  mean: number;
  max: number;
  argmax_y: number;
  argmax_x: number;
};

export interface InsertResult {
  format: string;
  rows: number;
  batchRows: number;
  seconds: number;
  rowsPerSecond: number;
}

/** Rows of one extraction batch: `images` probe images × `units` channels of one layer, image-major. */
function activationBatch(versionId: string, batch: number, images: number, units: number): ActivationRow[] {
  const rows: ActivationRow[] = [];
  for (let i = 0; i < images; i += 1) {
    const image = batch * images + i;
    for (let unit = 0; unit < units; unit += 1) {
      const v = Math.sin(image * 31 + unit);
      rows.push({ version_id: versionId, dataset_id: 'bench', layer: 'mixed4a', unit, image_index: image, mean: v, max: v * 2, argmax_y: unit % 14, argmax_x: image % 14 });
    }
  }
  return rows;
}

const tsvEscape = (s: string) => s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
const toTsv = (rows: ActivationRow[]) =>
  rows
    .map((r) => `${tsvEscape(r.version_id)}\t${tsvEscape(r.dataset_id)}\t${tsvEscape(r.layer)}\t${r.unit}\t${r.image_index}\t${r.mean}\t${r.max}\t${r.argmax_y}\t${r.argmax_x}\n`)
    .join('');
const csvQuote = (s: string) => `"${s.replace(/"/g, '""')}"`;
const toCsv = (rows: ActivationRow[]) =>
  rows.map((r) => `${csvQuote(r.version_id)},${csvQuote(r.dataset_id)},${csvQuote(r.layer)},${r.unit},${r.image_index},${r.mean},${r.max},${r.argmax_y},${r.argmax_x}\n`).join('');

/** RowBinary: strings as LEB128 length + bytes, numbers little-endian, in column order. */
function toRowBinary(rows: ActivationRow[]): Buffer {
  const parts: Buffer[] = [];
  const str = (s: string) => {
    const bytes = Buffer.from(s);
    const len: number[] = [];
    let n = bytes.length;
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n) b |= 0x80;
      len.push(b);
    } while (n);
    parts.push(Buffer.from(len), bytes);
  };
  for (const r of rows) {
    str(r.version_id);
    str(r.dataset_id);
    str(r.layer);
    const fixed = Buffer.allocUnsafe(20);
    fixed.writeUInt32LE(r.unit, 0);
    fixed.writeUInt32LE(r.image_index, 4);
    fixed.writeFloatLE(r.mean, 8);
    fixed.writeFloatLE(r.max, 12);
    fixed.writeUInt16LE(r.argmax_y, 16);
    fixed.writeUInt16LE(r.argmax_x, 18);
    parts.push(fixed);
  }
  return Buffer.concat(parts);
}

/** Sends an already-encoded body as `INSERT … FORMAT <format>` and waits for the server to finish. */
async function rawInsert(client: ClickHouseClient, format: string, body: Buffer): Promise<void> {
  const result = await client.exec({ query: `INSERT INTO unit_activations FORMAT ${format}`, values: Readable.from([body], { objectMode: false }) });
  for await (const _ of result.stream) void _; // drain the (empty) response so the socket is reused
}

/**
 * Inserts `totalRows` activation rows in batches of `images × units` through each format, timing generation plus
 * serialisation plus the insert (what a consumer of activation batches pays). Runs in a throwaway database.
 */
export async function measureClickHouseInserts(url: string, totalRows = 1_000_000, images = 32, units = 512): Promise<InsertResult[]> {
  const database = `microscope_bench_${randomUUID().replace(/-/g, '').slice(0, 8)}`;
  const warehouse = new ClickHouseWarehouse({ url, database });
  await warehouse.migrate();
  const client = createClient({ url, database });
  const batchRows = images * units;
  const batches = Math.ceil(totalRows / batchRows);
  const versionId = randomUUID();
  const formats: Array<[string, (rows: ActivationRow[]) => Promise<unknown>]> = [
    ['Warehouse.insert (JSONEachRow, the product path)', (rows) => warehouse.insert('unit_activations', rows)],
    // Serialised here and sent raw (client.exec), to separate the client's per-row encoding from the server's parsing.
    ['JSONEachRow text (client.exec)', (rows) => rawInsert(client, 'JSONEachRow', Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n')))],
    ['TabSeparated stream', (rows) => client.insert({ table: 'unit_activations', format: 'TabSeparated', values: Readable.from([toTsv(rows)], { objectMode: false }) })],
    ['CSV stream', (rows) => client.insert({ table: 'unit_activations', format: 'CSV', values: Readable.from([toCsv(rows)], { objectMode: false }) })],
    ['RowBinary (client.exec)', (rows) => rawInsert(client, 'RowBinary', toRowBinary(rows))],
  ];
  const results: InsertResult[] = [];
  try {
    for (const [format, insert] of formats) {
      await warehouse.exec('TRUNCATE TABLE unit_activations');
      const started = process.hrtime.bigint();
      for (let b = 0; b < batches; b += 1) await insert(activationBatch(versionId, b, images, units));
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const [{ c }] = await warehouse.query<{ c: number }>('SELECT count() AS c FROM unit_activations');
      if (c !== batches * batchRows) throw new Error(`${format}: expected ${batches * batchRows} rows, found ${c}`);
      results.push({ format, rows: c, batchRows, seconds: round(seconds), rowsPerSecond: Math.round(c / seconds) });
    }
  } finally {
    await warehouse.exec('DROP DATABASE IF EXISTS {db:Identifier}', { db: database });
    await client.close();
    await warehouse.close();
  }
  return results;
}

export interface BusResult {
  messages: number;
  valueBytes: number;
  compress: boolean;
  publishSeconds: number;
  publishPerSecond: number;
  /** From the first publish until the group has handled and committed every message. */
  endToEndSeconds: number;
  endToEndPerSecond: number;
}

/** Publishes `count` messages of `valueBytes` each (in publish calls of `perPublish`) and consumes them with one subscription. */
export async function measureKafka(brokers: string[], count: number, valueBytes: number, compress: boolean, perPublish = 100): Promise<BusResult> {
  const bus = new KafkaBus({ brokers, compress, clientId: 'microscope-throughput' });
  const topic = `microscope.bench-${randomUUID().slice(0, 8)}` as TopicName;
  const group = `bench-${randomUUID().slice(0, 8)}`;
  try {
    await bus.ensureTopics([topic]);
    let handled = 0;
    let allHandled!: () => void;
    const done = new Promise<void>((resolve) => (allHandled = resolve));
    await bus.subscribe({
      topic,
      group,
      handler: async () => {
        handled += 1;
        if (handled === count) allHandled();
      },
    });
    // JSON-like text (digits and separators), so compression sees what activation batches look like.
    const value = (i: number) => `{"i":${i},"v":[${Array.from({ length: valueBytes / 8 }, (_, k) => ((i * 7919 + k * 104729) % 100000) / 1000).join(',')}]}`.slice(0, valueBytes);
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i += perPublish) {
      const messages = Array.from({ length: Math.min(perPublish, count - i) }, (_, k) => ({ key: `version-${(i + k) % 8}`, value: value(i + k) }));
      await bus.publish(topic, messages);
    }
    const published = Number(process.hrtime.bigint() - started) / 1e9;
    await done;
    while (!(await bus.drained(topic, group))) await new Promise((resolve) => setTimeout(resolve, 20));
    const total = Number(process.hrtime.bigint() - started) / 1e9;
    return {
      messages: count,
      valueBytes,
      compress,
      publishSeconds: round(published),
      publishPerSecond: Math.round(count / published),
      endToEndSeconds: round(total),
      endToEndPerSecond: Math.round(count / total),
    };
  } finally {
    await bus.close();
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;

async function main(): Promise<void> {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const out: Record<string, unknown> = {};
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
  const clickhouse = only === 'kafka' ? undefined : process.env.MICROSCOPE_CLICKHOUSE_URL;
  const kafka = only === 'clickhouse' ? undefined : process.env.MICROSCOPE_KAFKA_BROKERS;
  if (clickhouse) out.clickhouseInserts = await measureClickHouseInserts(clickhouse, arg('rows', 1_000_000));
  if (kafka) {
    const brokers = kafka.split(',');
    const messages = arg('messages', 20_000);
    out.kafka = [
      await measureKafka(brokers, messages, 200, false),
      await measureKafka(brokers, messages, 200, true),
      await measureKafka(brokers, Math.ceil(messages / 20), 100_000, false, 10),
      await measureKafka(brokers, Math.ceil(messages / 20), 100_000, true, 10),
    ];
  }
  if (!clickhouse && !kafka) throw new Error('set MICROSCOPE_CLICKHOUSE_URL and/or MICROSCOPE_KAFKA_BROKERS (eval "$(tools/services/env.sh)")');
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
