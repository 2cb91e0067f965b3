import type { Logger } from './logger';

export interface RunningService {
  /** Where its HTTP server listens (API or health only). */
  url: string;
  stop(): Promise<void>;
}

/**
 * Runs one app as a process: starts it, logs where it listens, and on SIGINT/SIGTERM stops it (finishing the
 * message in hand, so nothing acknowledged is lost) before exiting. A failure to start exits non-zero.
 */
export function runService(name: string, log: Logger, start: () => Promise<RunningService>): void {
  start().then(
    (service) => {
      log.info({ url: service.url }, `${name} listening`);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, `${name} stopping`);
        service.stop().then(
          () => process.exit(0),
          (e: unknown) => {
            log.error({ err: e }, `${name} did not stop cleanly`);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    },
    (e: unknown) => {
      log.fatal({ err: e }, `${name} failed to start`);
      process.exit(1);
    },
  );
}
