import { fromDateTimeText, type Row } from '@microscope/storage';

/** Reads a JSON column written by this catalog; the column is ours, so a parse failure is a bug worth surfacing. */
export const fromJson = <T>(value: unknown): T => JSON.parse(String(value)) as T;

/** ClickHouse DateTime text (UTC) → ISO-8601, the form the contracts use. */
export const toIso = (value: unknown): string => fromDateTimeText(String(value));

export const num = (row: Row, key: string): number => Number(row[key]);
export const str = (row: Row, key: string): string => String(row[key]);

/** Now, to the second: the warehouse stores DateTime, so what a create call returns equals what a read returns. */
export const catalogNow = (): string => new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
