/**
 * SQL parameters. In SQL text a parameter is written `{name:Type}` (ClickHouse's syntax); implementations bind
 * it safely (server-side where supported, else as a literal escaped by `bindParams`), never by pasting raw input.
 */
export type SqlValue = string | number | boolean | null | SqlValue[];
export type SqlParams = Record<string, SqlValue>;

export type Row = Record<string, unknown>;

/**
 * The analytical store: ClickHouse SQL (the subset both ClickHouse 18.16 and 23+ accept; see schema.ts).
 * Tables are created by `migrate()` from the one schema in schema.ts.
 */
export interface Warehouse {
  readonly kind: string;
  /** Creates every table that does not exist yet. Idempotent. */
  migrate(): Promise<void>;
  /** Runs a statement that returns no rows (DDL, INSERT … SELECT, OPTIMIZE). */
  exec(sql: string, params?: SqlParams): Promise<void>;
  /** Runs a SELECT and returns its rows as objects (JSONEachRow semantics: UInt64 as string is avoided by schema). */
  query<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]>;
  /**
   * Inserts rows into a table. Tables whose engine is ReplacingMergeTree dedupe on their sorting key, so a retried
   * insert of the same rows changes nothing once readers use FINAL / argMax as the queries in this repo do.
   */
  insert(table: string, rows: Row[]): Promise<void>;
  close(): Promise<void>;
}
