/**
 * `npm run bench -- [name …]`: runs the named benchmarks (every one when none is named), each in its own process so
 * one's memory and threads do not skew the next, and prints their JSON. Benchmarks live beside this file.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const available = readdirSync(__dirname)
  .filter((f) => f.endsWith('.ts') && f !== 'main.ts' && !f.endsWith('.spec.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
const requested = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const unknown = requested.filter((r) => !available.includes(r));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
let failed = false;
for (const name of requested.length ? requested : available) {
  const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, `${name}.ts`), ...flags], { stdio: 'inherit' });
  if (run.status !== 0) {
    console.error(`benchmark ${name} failed (exit ${run.status})`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
