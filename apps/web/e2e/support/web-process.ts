import { spawn } from 'node:child_process';
import path from 'node:path';

const WEB_ENTRY = path.join(__dirname, '..', '..', '..', '..', 'tools', 'start', 'web.ts');

export interface WebProcess {
  url: string;
  /** The build time the dashboard reported, when it had to build first. */
  buildMs: number | null;
  close(): Promise<void>;
}

/**
 * The dashboard in a child process (tools/start/web.ts run on its own). Jest's module sandbox cannot host Next's
 * server (it loads its config with a dynamic import), so tests and benchmarks start it beside themselves.
 */
export function startWebProcess(apiUrl: string, timeoutMs = 6 * 60_000): Promise<WebProcess> {
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), WEB_ENTRY, '--api', apiUrl, '--port', '0'], {
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let buildMs: number | null = null;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the dashboard did not start within ${timeoutMs / 1000} s:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      const built = /Dashboard built in ([\d.]+) s/.exec(output);
      if (built) buildMs = Number(built[1]) * 1000;
      const ready = /Microscope dashboard at (http:\/\/\S+)/.exec(output);
      if (ready) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve({
          url: ready[1],
          buildMs,
          close: async () => {
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the dashboard exited with code ${code} before it was ready:\n${output}`));
    });
  });
}
