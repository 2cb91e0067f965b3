import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs, one JSON line per event (pino). LOG_LEVEL sets the level; tests default to "warn"
 * so their output stays readable.
 */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? (process.env.JEST_WORKER_ID ? 'warn' : 'info')): Logger {
  return pino({ name, level, base: { app: name } });
}
