/**
 * `npm run start:distributed`: every app as its own process — ingest, analytics and two render workers — against
 * the real servers of tools/services (start them first: tools/services/all.sh up), configured only by environment
 * variables, as they would run as Kubernetes Deployments; and the dashboard in front of ingest and analytics
 * (MICROSCOPE_WEB=false leaves it out). Ctrl-C stops them all.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startWeb, type WebServer } from './web';

const root = path.join(__dirname, '..', '..');
const basePort = Number(process.env.MICROSCOPE_BASE_PORT ?? 4300);

/** The servers' variables, as tools/services/env.sh prints them (without the test-only ones). */
function servicesEnv(): Record<string, string> {
  const text = execFileSync(path.join(root, 'tools/services/env.sh'), { encoding: 'utf8' });
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^export (MICROSCOPE_(?!TEST_)\w+)=(.*)$/.exec(line.trim());
    if (match) vars[match[1]] = match[2];
  }
  return vars;
}

const apps = [
  { name: 'ingest', entry: 'apps/ingest/src/main.ts', port: basePort + 1 },
  { name: 'analytics', entry: 'apps/analytics/src/main.ts', port: basePort + 2 },
  { name: 'render-1', entry: 'apps/render/src/main.ts', port: basePort + 3 },
  { name: 'render-2', entry: 'apps/render/src/main.ts', port: basePort + 4 },
];

async function waitHealthy(url: string, name: string): Promise<void> {
  for (let i = 0; i < 240; i++) {
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${name} did not become healthy at ${url}`);
}

async function main(): Promise<void> {
  const env = { ...process.env, ...servicesEnv() };
  const children: ChildProcess[] = [];
  let web: WebServer | undefined;
  const stopAll = () => {
    const exited = children.filter((c) => c.exitCode === null).map((c) => new Promise((resolve) => c.once('exit', resolve)));
    children.forEach((c) => c.kill('SIGTERM'));
    // Next's server keeps handles of its own: exit once the apps and the dashboard have stopped.
    void Promise.all([...exited, web?.close()]).finally(() => process.exit(0));
  };
  process.on('SIGINT', stopAll);
  process.on('SIGTERM', stopAll);
  for (const app of apps) {
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), path.join(root, app.entry)], {
      env: { ...env, MICROSCOPE_PORT: String(app.port), TSX_TSCONFIG_PATH: path.join(root, 'tsconfig.json') },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('exit', (code) => console.log(`${app.name} exited (${code})`));
    children.push(child);
  }
  await Promise.all(apps.map((a) => waitHealthy(`http://127.0.0.1:${a.port}`, a.name)));
  console.log(`Microscope (distributed): ingest API http://127.0.0.1:${basePort + 1}, analytics API http://127.0.0.1:${basePort + 2}`);
  console.log(`CLI: MICROSCOPE_API_URL=http://127.0.0.1:${basePort + 1} MICROSCOPE_ANALYTICS_URL=http://127.0.0.1:${basePort + 2} npx microscope …`);
  if (process.env.MICROSCOPE_WEB === 'false') return;
  // Its proxy sends each tRPC call to the service that answers it, splitting batches that name both.
  web = await startWeb({
    apiUrl: `http://127.0.0.1:${basePort + 1}`,
    analyticsUrl: `http://127.0.0.1:${basePort + 2}`,
    port: Number(process.env.MICROSCOPE_WEB_PORT ?? 3000),
  });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
