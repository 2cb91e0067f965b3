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
 * lazily on first use and a process should hold one ChdbWarehouse. Calls are serialised: the engine runs each query
 * off the event loop, one at a time per session. Parameters are bound by `bindParams`, the same code path the
 * ClickHouse 18.16 server needs, so both backends accept and refuse the same queries.
 */
export class ChdbWarehouse implements Warehouse {
  readonly kind = 'chdb';
  readonly dataDir: string;
  private session: Session | null = null;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string) {
    this.dataDir = path.resolve(dataDir);
  }

  async migrate(): Promise<void> {
    for (const statement of schemaStatements()) await this.exec(statement);
  }

  async exec(sql: string, params?: SqlParams): Promise<void> {
    const bound = bindParams(sql, params);
    await this.serially((session) => session.queryAsync(bound));
  }

  async query<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    const bound = bindParams(sql, params);
    const result = await this.serially((session) => session.queryAsync(bound, { format: 'JSONEachRow' }));
    return parseJsonEachRow<T>(result.text());
  }

  async insert(table: string, rows: Row[]): Promise<void> {
    quoteIdentifier(table); // refuses anything but a plain table name
    if (rows.length === 0) return;
    const payload = Buffer.from(rows.map((row) => JSON.stringify(row)).join('\n'));
    await this.serially((session) => session.insert({ table, values: payload, format: 'JSONEachRow' }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    this.session?.close();
    this.session = null;
  }

  /** Runs one engine call after every earlier one settles, translating engine errors into MicroscopeErrors. */
  private serially<R>(call: (session: Session) => Promise<R>): Promise<R> {
    const run = this.queue.then(async () => {
      if (this.closed) throw new MicroscopeError('UNAVAILABLE', 'the warehouse is closed');
      try {
        return await call(this.open());
      } catch (error) {
        throw translateError(error);
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private open(): Session {
    if (this.session) return this.session;
    mkdirSync(this.dataDir, { recursive: true });
    // Required here, not at the top: loading the library costs ~1 s and 550 MB of mapping, paid only by users.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const chdb = require('chdb') as typeof import('chdb');
    this.session = new chdb.Session(this.dataDir, {
      connectionArgs: [
        // Load existing tables before the first query, so a reopened directory answers at once.
        '--async_load_databases=0',
        // 64-bit integers (count(), sum()) as JSON numbers, as the ClickHouse server backend is configured too.
        '--output_format_json_quote_64bit_integers=0',
      ],
    });
    return this.session;
  }
}

function parseJsonEachRow<T>(text: string): T[] {
  const lines = text.split('\n').filter((line) => line.length > 0);
  return lines.length === 0 ? [] : (JSON.parse(`[${lines.join(',')}]`) as T[]);
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
