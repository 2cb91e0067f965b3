import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { MicroscopeError } from '@microscope/contracts';
import { selectBackend } from './select-backend';

const root = path.resolve(__dirname, '../../../..');

/** Runs the child script under tsx; returns its JSON line, or fails if it has not exited on its own in 60 s. */
function runChild(threads: number, env: Record<string, string> = {}): { info: { name: string; threads: number; simd: boolean; reason: string }; checksum: number } {
  const result = spawnSync(path.join(root, 'node_modules/.bin/tsx'), [path.join(__dirname, 'test-support/threads-child.ts'), String(threads)], {
    cwd: root,
    env: { ...process.env, TSX_TSCONFIG_PATH: path.join(root, 'libs/engine/tsconfig.json'), MICROSCOPE_BACKEND: '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.signal) throw new Error(`the child did not exit on its own (killed by ${result.signal}); stderr: ${result.stderr}`);
  if (result.status !== 0) throw new Error(`the child failed (${result.status}): ${result.stderr}`);
  const line = result.stdout.trim().split('\n').pop()!;
  return JSON.parse(line);
}

describe('selectBackend', () => {
  const saved = process.env.MICROSCOPE_BACKEND;
  afterEach(() => {
    if (saved === undefined) delete process.env.MICROSCOPE_BACKEND;
    else process.env.MICROSCOPE_BACKEND = saved;
  });

  it('honours MICROSCOPE_BACKEND and logs the choice', async () => {
    process.env.MICROSCOPE_BACKEND = 'cpu';
    const logged: object[] = [];
    const info = await selectBackend({ prefer: 'wasm', logger: { info: (o) => logged.push(o) } });
    expect(info).toMatchObject({ name: 'cpu', threads: 1, simd: false });
    expect(info.reason).toMatch(/forced by MICROSCOPE_BACKEND/);
    expect(tf.getBackend()).toBe('cpu');
    expect(logged).toEqual([{ backend: info }]);
  });

  it('rejects an unknown MICROSCOPE_BACKEND', async () => {
    process.env.MICROSCOPE_BACKEND = 'tpu';
    await expect(selectBackend()).rejects.toThrow(MicroscopeError);
    await expect(selectBackend()).rejects.toThrow(/MICROSCOPE_BACKEND="tpu" is not one of tensorflow, wasm, cpu/);
  });

  it('falls back past missing native packages to WASM with SIMD, saying why', async () => {
    delete process.env.MICROSCOPE_BACKEND;
    const info = await selectBackend({ threads: 1 });
    // tfjs-node is an optional dependency; where it is installed it wins, which is also correct.
    if (info.name === 'tensorflow') return;
    expect(info).toMatchObject({ name: 'wasm', threads: 1, simd: true });
    expect(info.reason).toMatch(/tensorflow unavailable: .*tfjs-node/);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('runs WASM on two worker threads in Node, agrees with one thread, and lets the process exit', () => {
    const one = runChild(1, { MICROSCOPE_BACKEND: 'wasm' });
    const two = runChild(2, { MICROSCOPE_BACKEND: 'wasm' });
    expect(one.info).toMatchObject({ name: 'wasm', threads: 1, simd: true });
    expect(two.info).toMatchObject({ name: 'wasm', threads: 2, simd: true });
    expect(Math.abs(two.checksum - one.checksum)).toBeLessThan(1e-3 * Math.abs(one.checksum));
  });
});
