import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { MicroscopeError } from '@microscope/contracts';
import type { Session } from 'chdb';
import { bindParams, quoteIdentifier } from './bind-params';
import { schemaStatements } from './schema';
import type { Row, SqlParams, Warehouse } from './warehouse';

/**
 * The embedded warehouse: ClickHouse in-process through chDB, its data in `dataDir`.
 *
 * chDB binds one data directory per process and its library is large (~550 MB, ~1 s to load), so it is required
 * lazily on first use and a process should hold one ChdbWarehouse. The engine runs each query off the event loop,
 * but one at a time per session; so the warehouse holds a few sessions on the same directory (chDB lets them
 * coexist) and gives each call to an idle one, or else to the least busy. Without that, an API's point query waited
 * behind every bulk insert and statistics scan in the process (seconds while activations are stored). Parameters
 * are bound by `bindParams`, the same code path the ClickHouse 18.16 server needs, so both backends accept and
 * refuse the same queries.
 */
export class ChdbWarehouse implements Warehouse {
  readonly kind = 'chdb';
  readonly dataDir: string;
  private readonly lanes: Lane[];
  private closed = false;

  /** `sessions`: how many calls may run at once (default 3; writes use all but one, which stays free for reads). */
  constructor(dataDir: string, options: { sessions?: number } = {}) {
    this.dataDir = path.resolve(dataDir);
    const sessions = options.sessions ?? DEFAULT_SESSIONS;
    if (!Number.isInteger(sessions) || sessions < 1) throw new MicroscopeError('INVALID_INPUT', `sessions must be a positive integer, got ${sessions}`);
    this.lanes = Array.from({ length: sessions }, () => ({ session: null, queue: Promise.resolve(), pending: 0 }));
  }

  async migrate(): Promise<void> {
    for (const statement of schemaStatements()) await this.exec(statement);
  }

  async exec(sql: string, params?: SqlParams): Promise<void> {
    const bound = bindParams(sql, params);
    await this.serially('write', (session) => session.queryAsync(bound));
  }

  async query<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    const bound = bindParams(sql, params);
    const result = await this.serially('read', (session) => session.queryAsync(bound, { format: 'JSONEachRow' }));
    return parseJsonEachRow<T>(result.text());
  }

  async insert(table: string, rows: Row[]): Promise<void> {
    quoteIdentifier(table); // refuses anything but a plain table name
    if (rows.length === 0) return;
    const lines: string[] = [];
    await inSlices(rows.length, (from, to) => {
      for (let i = from; i < to; i++) lines.push(JSON.stringify(rows[i]));
    });
    const payload = Buffer.from(lines.join('\n'));
    await this.serially('write', (session) => session.insert({ table, values: payload, format: 'JSONEachRow' }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.lanes.map((lane) => lane.queue.catch(() => undefined)));
    for (const lane of this.lanes) {
      lane.session?.close();
      lane.session = null;
    }
  }

  /**
   * Runs one engine call on the first idle session it may use (else the one with the fewest calls waiting), after
   * the calls already queued there; translates engine errors into MicroscopeErrors. A caller that needs one call's effect
   * before the next awaits the first, as with a ClickHouse server, where calls are concurrent too.
   */
  private serially<R>(kind: 'read' | 'write', call: (session: Session) => Promise<R>): Promise<R> {
    // Writes (bulk inserts, DDL) leave the last session to reads, so a page's queries always find one free.
    const open = kind === 'write' && this.lanes.length > 1 ? this.lanes.slice(0, -1) : this.lanes;
    const lane = open.reduce((best, l) => (l.pending < best.pending ? l : best));
    lane.pending += 1;
    const run = lane.queue.then(async () => {
      if (this.closed) throw new MicroscopeError('UNAVAILABLE', 'the warehouse is closed');
      try {
        return await call(this.open(lane));
      } catch (error) {
        throw translateError(error);
      } finally {
        lane.pending -= 1;
      }
    });
    lane.queue = run.catch(() => undefined);
    return run;
  }

  private open(lane: Lane): Session {
    if (lane.session) return lane.session;
    mkdirSync(this.dataDir, { recursive: true });
    // Required here, not at the top: loading the library costs ~1 s and 550 MB of mapping, paid only by users.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const chdb = require('chdb') as typeof import('chdb');
    lane.session = new chdb.Session(this.dataDir, {
      connectionArgs: [
        // Load existing tables before the first query, so a reopened directory answers at once.
        '--async_load_databases=0',
        // 64-bit integers (count(), sum()) as JSON numbers, as the ClickHouse server backend is configured too.
        '--output_format_json_quote_64bit_integers=0',
      ],
    });
    return lane.session;
  }
}

const DEFAULT_SESSIONS = 3;

/** One session and the calls queued on it. */
interface Lane {
  session: Session | null;
  queue: Promise<unknown>;
  /** Calls queued or running here. */
  pending: number;
}

/** Rows per synchronous slice when (de)serialising: about 10 ms each, so large results never stall the event loop. */
const ROWS_PER_SLICE = 5000;

/** Calls `work` on [from, to) slices of `count` items, letting the event loop run between two slices. */
async function inSlices(count: number, work: (from: number, to: number) => void): Promise<void> {
  for (let from = 0; from < count; from += ROWS_PER_SLICE) {
    if (from > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    work(from, Math.min(count, from + ROWS_PER_SLICE));
  }
}

async function parseJsonEachRow<T>(text: string): Promise<T[]> {
  const lines = text.split('\n').filter((line) => line.length > 0);
  const rows: T[] = [];
  await inSlices(lines.length, (from, to) => {
    for (const row of JSON.parse(`[${lines.slice(from, to).join(',')}]`) as T[]) rows.push(row);
  });
  return rows;
}

/** chDB's typed errors carry a ClickHouse code; map the ones a caller can act on, keep the rest INTERNAL. */
function translateError(error: unknown): unknown {
  if (error instanceof MicroscopeError) return error;
  const clickhouseCode = (error as { clickhouseCode?: number } | null)?.clickhouseCode;
  const message = error instanceof Error ? error.message : String(error);
  // 60 UNKNOWN_TABLE, 62 SYNTAX_ERROR, 47 UNKNOWN_IDENTIFIER, 46 UNKNOWN_FUNCTION, 16 NO_SUCH_COLUMN_IN_TABLE,
  // 27/53/117 bad data or type mismatch: all mistakes in the query or rows, not the engine.
  const invalid = new Set([16, 27, 46, 47, 53, 60, 62, 117]);
  const code = clickhouseCode !== undefined && invalid.has(clickhouseCode) ? 'INVALID_INPUT' : 'INTERNAL';
  return new MicroscopeError(code, `warehouse (chdb): ${firstLine(message)}`, { cause: error });
}

function firstLine(message: string): string {
  const line = message.split('\n')[0];
  return line.length > 1000 ? `${line.slice(0, 1000)}…` : line;
}
