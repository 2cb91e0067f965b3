/**
 * One Microscope app (apps/<app>/src/main.ts) as a real child process, the way tools/start/distributed.ts runs it:
 * configured only by environment variables, its JSON log lines kept (and written to a file) so tests can wait for them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './servers';

export type AppKind = 'ingest' | 'analytics' | 'render';

export interface LogLine {
  msg?: string;
  level?: number;
  [key: string]: unknown;
}

export class AppProcess {
  readonly lines: LogLine[] = [];
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  readonly exited: Promise<number | string>;
  url = '';
  private readonly child: ChildProcess;
  private readonly logFile: WriteStream;
  private readonly waiters = new Set<() => void>();
  private ended = false;

  constructor(
    readonly name: string,
    readonly kind: AppKind,
    env: Record<string, string | undefined>,
    readonly logPath: string,
  ) {
    this.logFile = createWriteStream(logPath, { flags: 'a' });
    // The app runs in this very process (tsx as a loader, not its CLI, which would put a second process in between
    // and leave the app running when a test kills the one it started).
    const loader = pathToFileURL(require.resolve('tsx')).href;
    this.child = spawn(process.execPath, ['--import', loader, path.join(REPO_ROOT, 'apps', kind, 'src/main.ts')], {
      cwd: REPO_ROOT,
      // NODE_ENV as a deployment has it (jest sets "test"; next's types make it a required key).
      env: { ...env, NODE_ENV: 'production', TSX_TSCONFIG_PATH: path.join(REPO_ROOT, 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (text) => this.onLine(text));
    }
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.ended = true;
        this.logFile.end(`-- exited: ${code ?? signal}\n`);
        resolve(code ?? signal ?? 'unknown');
        this.wake();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.ended;
  }

  /** Resolves once the app logs "<app> listening" (its API and /health are up), with its URL. */
  async ready(timeoutMs: number): Promise<string> {
    const line = await this.waitForLog((l) => l.msg === `${this.kind} listening`, timeoutMs, 'to start listening');
    this.url = String(line.url);
    const health = await fetch(`${this.url}/health`);
    if (!health.ok) throw new Error(`${this.name}: /health answered ${health.status}`);
    return this.url;
  }

  /** Resolves with the first log line (already seen or still to come) that matches. */
  async waitForLog(match: (line: LogLine) => boolean, timeoutMs: number, what: string): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (this.ended) throw new Error(`${this.name} exited before it logged ${what}; its log: ${this.logPath}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not log ${what} within ${timeoutMs} ms; its log: ${this.logPath}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends a signal and waits for the process to end; SIGKILL after `graceMs` if it has not. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 30_000): Promise<number | string> {
    if (this.ended) return this.exited;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  private onLine(text: string): void {
    this.logFile.write(`${text}\n`);
    if (!text.startsWith('{')) return;
    try {
      this.lines.push(JSON.parse(text) as LogLine);
    } catch {
      return;
    }
    this.wake();
  }

  private wake(): void {
    const waiting = [...this.waiters];
    this.waiters.clear();
    waiting.forEach((w) => w());
  }
}
