import { InvalidArgumentError } from 'commander';
import { MultiBar, Presets, SingleBar } from 'cli-progress';
import { createApiClient, type ApiClient } from './api-client';
import { jobHasEnded } from '@microscope/contracts';

/** Shared pieces of the CLI's commands: output, argument parsing, progress bars, waiting for jobs. */

export const api = (): ApiClient => createApiClient();

export const print = (json: boolean, value: unknown, human: () => void) => (json ? console.log(JSON.stringify(value, null, 2)) : human());

export function versionRef(value: string): { model: string; version: string } {
  const match = /^([^@]+)@(.+)$/.exec(value);
  if (!match) throw new InvalidArgumentError('expected <model>@<version>, e.g. small-cnn@s1-e3');
  return { model: match[1], version: match[2] };
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

export function numberList(value: string): number[] {
  const list = value.split(',').map(Number);
  if (list.some((n) => !Number.isFinite(n))) throw new InvalidArgumentError('expected comma-separated numbers');
  return list;
}

export function progressBar(quiet: boolean, label: string, total: number): SingleBar | null {
  if (quiet || !process.stderr.isTTY) return null;
  const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total}`, stream: process.stderr }, Presets.shades_classic);
  bar.start(total, 0);
  return bar;
}

export async function waitForJobs(ids: string[], quiet: boolean) {
  const client = api();
  const bars = quiet || !process.stderr.isTTY ? null : new MultiBar({ format: '{id} [{bar}] {percentage}% {message}', stream: process.stderr, hideCursor: true }, Presets.shades_classic);
  const handles = new Map(ids.map((id) => [id, bars?.create(100, 0, { id: id.slice(0, 8), message: 'queued' })]));
  for (;;) {
    const jobs = await Promise.all(ids.map((jobId) => client.jobs.get.query({ jobId })));
    for (const job of jobs) handles.get(job.id)?.update(Math.round(job.progress * 100), { id: job.id.slice(0, 8), message: job.status === 'running' ? job.message : job.status });
    if (jobs.every(jobHasEnded)) {
      bars?.stop();
      return jobs;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

export const definedOnly = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
