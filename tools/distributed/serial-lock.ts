/**
 * A lock across processes (a directory created atomically), so the fault specs run one at a time even when jest runs
 * spec files in parallel workers: they restart shared servers and share the apps' consumer groups.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const LOCK_DIR = path.join(os.tmpdir(), 'microscope-distributed-faults.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits until the lock is free (or its holder has died), takes it, and returns the function that releases it. */
export async function acquireSerialLock(timeoutMs: number): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(LOCK_DIR);
      await writeFile(path.join(LOCK_DIR, 'pid'), String(process.pid));
      return () => rm(LOCK_DIR, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number(await readFile(path.join(LOCK_DIR, 'pid'), 'utf8').catch(() => 'NaN'));
    // No pid yet means the holder is between mkdir and writeFile; a dead pid means a crashed run left it behind.
    if (Number.isInteger(holder) && !alive(holder)) {
      await rm(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another fault spec (pid ${holder}) held ${LOCK_DIR} for longer than ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
