import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { MicroscopeError } from '@microscope/contracts';
import { bindParams, quoteIdentifier } from './bind-params';
import { schemaStatements } from './schema';
import type { Row, SqlParams, Warehouse } from './warehouse';

export interface ClickHouseWarehouseOptions {
  /** The server's HTTP interface, e.g. "http://127.0.0.1:18123". */
  url: string;
  /** Created by `migrate()` if missing (default "microscope"). */
  database?: string;
  username?: string;
  password?: string;
  /** Per request (default 5 min: big inserts and similarity queries take a while on a small server). */
  requestTimeoutMs?: number;
  /** How long a call keeps retrying while the server cannot be reached (restarting, say); default 60 s. */
  retryForMs?: number;
  /** First wait between retries; doubles up to 5 s (default 100 ms). */
  retryDelayMs?: number;
  /** Told about each retry, for logs. */
  onRetry?: (details: { operation: string; attempt: number; delayMs: number; error: string }) => void;
}

/** Connection failures worth retrying: the request never reached the server or the connection died under it. */
const RETRIABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_SOCKET']);
const MAX_RETRY_DELAY_MS = 5000;

/**
 * Warehouse on a ClickHouse server over HTTP (@clickhouse/client), for ClickHouse 18.16 (Debian's, used in tests) and
 * 23+ (production). The same schema and SQL as the embedded engine: parameters are bound by `bindParams` as escaped
 * literals, since 18.16 has no server-side parameters; rows go in and out as JSONEachRow, with 64-bit integers as
 * JSON numbers (as chDB is configured).
 *
 * Every call is retried with backoff while the server cannot be reached (a restart), for up to `retryForMs`. Retrying
 * an insert whose first try did reach the server can store its rows twice: the schema's ReplacingMergeTree keys make
 * the copies one row for every reader (FINAL / argMax), so retried inserts are safe.
 */
export class ClickHouseWarehouse implements Warehouse {
  readonly kind = 'clickhouse';
  readonly database: string;
  private readonly client: ClickHouseClient;
  private readonly options: ClickHouseWarehouseOptions;
  private closed = false;

  constructor(options: ClickHouseWarehouseOptions) {
    this.options = options;
    this.database = options.database ?? 'microscope';
    quoteIdentifier(this.database); // a plain name, or INVALID_INPUT now rather than a confusing server error later
    this.client = this.makeClient(this.database);
  }

  async migrate(): Promise<void> {
    // The database must exist before a client bound to it can run anything, so create it from `default`.
    const bootstrap = this.makeClient('default');
    try {
      await this.withRetry('create database', () => bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(this.database)}` }));
    } finally {
      await bootstrap.close();
    }
    for (const statement of schemaStatements()) await this.exec(statement);
  }

  async exec(sql: string, params?: SqlParams): Promise<void> {
    const query = bindParams(sql, params);
    await this.withRetry('exec', () => this.client.command({ query }));
  }

  async query<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    // The client appends "FORMAT JSONEachRow" on its own line; a trailing ";" would end the statement before it.
    const query = bindParams(sql, params).replace(/[\s;]+$/, '');
    return this.withRetry('query', async () => {
      const result = await this.client.query({ query, format: 'JSONEachRow' });
      return result.json<T>();
    });
  }

  async insert(table: string, rows: Row[]): Promise<void> {
    const query = `INSERT INTO ${quoteIdentifier(table)} FORMAT JSONEachRow`; // refuses anything but a plain table name
    if (rows.length === 0) return;
    // Serialised once, here, and sent as one body: ~40% more rows/s than the client's per-row encoding, and a retry
    // re-sends the same bytes.
    const body = Buffer.from(rows.map((row) => JSON.stringify(row)).join('\n'));
    await this.withRetry('insert', async () => {
      const result = await this.client.exec({ query, values: Readable.from([body], { objectMode: false }) });
      for await (const chunk of result.stream) void chunk; // the (empty) response, read so the socket is reused
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
  }

  private makeClient(database: string): ClickHouseClient {
    let url: URL;
    try {
      url = new URL(this.options.url);
    } catch {
      throw new MicroscopeError('INVALID_INPUT', `ClickHouse URL must look like http://host:8123, got "${this.options.url}"`);
    }
    return createClient({
      url,
      database,
      username: this.options.username ?? 'default',
      password: this.options.password ?? '',
      request_timeout: this.options.requestTimeoutMs ?? 300_000,
      // Known to 18.16 and 23+; without it UInt64 results (count(), sum()) would arrive as strings.
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
      // Failures reach the caller as errors (and retries through onRetry); the client's own console lines would repeat them.
      log: { level: ClickHouseLogLevel.OFF },
    });
  }

  /** Runs `call`, retrying with backoff while the server cannot be reached; errors become MicroscopeErrors. */
  private async withRetry<R>(operation: string, call: () => Promise<R>): Promise<R> {
    const retryForMs = this.options.retryForMs ?? 60_000;
    const deadline = Date.now() + retryForMs;
    let delay = this.options.retryDelayMs ?? 100;
    for (let attempt = 1; ; attempt += 1) {
      if (this.closed) throw new MicroscopeError('UNAVAILABLE', 'the warehouse is closed');
      try {
        return await call();
      } catch (error) {
        if (!isConnectionFailure(error)) throw translateError(error);
        if (Date.now() + delay > deadline) {
          throw new MicroscopeError('UNAVAILABLE', `ClickHouse at ${this.options.url} unreachable for ${retryForMs} ms (${describe(error)}); is the server running?`, { cause: error });
        }
        this.options.onRetry?.({ operation, attempt, delayMs: delay, error: describe(error) });
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
      }
    }
  }
}

function isConnectionFailure(error: unknown): boolean {
  for (let current = error as { code?: unknown; cause?: unknown; message?: unknown } | null, depth = 0; current && depth < 4; depth += 1) {
    if (typeof current.code === 'string' && RETRIABLE_CODES.has(current.code)) return true;
    if (typeof current.message === 'string' && /socket hang up|other side closed/i.test(current.message)) return true;
    current = current.cause as typeof current;
  }
  return false;
}

/**
 * Server errors as MicroscopeErrors. 18.16 sends them as plain Errors ("Code: 60, e.displayText() = …"); the client
 * parses newer servers' into ClickHouseError with a numeric `code`. Mistakes in the query or the rows are the caller's
 * (INVALID_INPUT); the rest is INTERNAL.
 */
function translateError(error: unknown): unknown {
  if (error instanceof MicroscopeError) return error;
  const message = describe(error);
  const rawCode = (error as { code?: unknown } | null)?.code;
  const code = typeof rawCode === 'string' && /^\d+$/.test(rawCode) ? Number(rawCode) : Number(/Code: (\d+)/.exec(message)?.[1] ?? NaN);
  // 16 no such column, 27 cannot parse input, 46 unknown function, 47 unknown identifier, 53 type mismatch,
  // 60 unknown table, 62 syntax error, 117 incorrect data, 26/72/69 bad literal or argument, 43 illegal argument type.
  const invalid = new Set([16, 26, 27, 43, 46, 47, 53, 60, 62, 69, 72, 117]);
  if (code === 81) {
    return new MicroscopeError('UNAVAILABLE', `ClickHouse: ${firstLine(message)} (run the warehouse migration first)`, { cause: error });
  }
  return new MicroscopeError(invalid.has(code) ? 'INVALID_INPUT' : 'INTERNAL', `warehouse (clickhouse): ${firstLine(message)}`, { cause: error });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function firstLine(message: string): string {
  const line = message.split('\n')[0];
  return line.length > 1000 ? `${line.slice(0, 1000)}…` : line;
}
