import { InvalidArgumentError, type Command } from 'commander';
import type { JobView } from '@microscope/contracts';
import { apiUrl } from '../api-client';
import { api, nonNegativeInt, print, versionRef, waitForJobs } from '../cli-helpers';

/**
 * Rendering commands: `render` (feature visualizations of a layer's units), `dream` (DeepDream of a layer),
 * `caricature` (of one probe image at a layer) and `tuning` (tuning curves of a layer's units). Each requests its
 * job (idempotent: a finished job is returned, finished pictures are never redone), shows its progress, then
 * prints where the results are: the pictures' addresses (<api>/blobs/<key>, keys the request returned), or each
 * unit's tuning peaks.
 */

const OBJECTIVES = ['channel', 'neuron', 'negative', 'diversity'] as const;
type Objective = (typeof OBJECTIVES)[number];
const FAMILIES = ['grating', 'colour', 'curve', 'edge'] as const;
type Family = (typeof FAMILIES)[number];

interface OptimisationOptions {
  steps?: number;
  size?: number;
  lr?: number;
  seed?: number;
  force?: boolean;
  wait: boolean;
  json?: boolean;
}

/** "0-31,40,45-47" → [0, …, 31, 40, 45, 46, 47]. */
export function unitList(value: string): number[] {
  const units = new Set<number>();
  for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!range) throw new InvalidArgumentError(`"${part}" is not a unit or a range like 0-31`);
    const [from, to] = [Number(range[1]), Number(range[2] ?? range[1])];
    if (to < from) throw new InvalidArgumentError(`the range ${part} runs backwards`);
    if (to - from > 100_000) throw new InvalidArgumentError(`the range ${part} is too large`);
    for (let u = from; u <= to; u++) units.add(u);
  }
  if (!units.size) throw new InvalidArgumentError('no units given');
  return [...units].sort((a, b) => a - b);
}

const positiveInt = (value: string): number => {
  const n = nonNegativeInt(value);
  if (n === 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
};
const positiveNumber = (value: string): number => {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('expected a positive number');
  return n;
};
const oneOf =
  <T extends string>(choices: readonly T[], what: string) =>
  (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`${what} must be one of ${choices.join(', ')}`);
    return value as T;
  };
const familyList = (value: string): Family[] => value.split(',').map((f) => oneOf(FAMILIES, 'a stimulus family')(f.trim()));

/** The optimisation options every picture-making command takes; defaults are Lucid's (512 steps, 128 px, 0.05). */
function withOptimisation(command: Command): Command {
  return command
    .option('--steps <n>', 'optimisation steps (default 512)', positiveInt)
    .option('--size <px>', 'image size in pixels (default 128)', positiveInt)
    .option('--lr <rate>', 'Adam learning rate (default 0.05)', positiveNumber)
    .option('--seed <n>', 'random seed (default 0)', nonNegativeInt)
    .option('--force', 'run a new job even if one with these settings exists (stored pictures are still reused)')
    .option('--no-wait', 'return once queued')
    .option('--json', 'print JSON');
}

const optimisation = (opts: OptimisationOptions) => ({ steps: opts.steps, size: opts.size, learningRate: opts.lr, seed: opts.seed, force: !!opts.force });

/** Waits for the job (with a progress bar on a terminal) unless --no-wait; fails the command if the job failed. */
async function finish(job: JobView, opts: { wait: boolean; json?: boolean }): Promise<JobView> {
  const [final] = opts.wait ? await waitForJobs([job.id], !!opts.json) : [job];
  if (final.status === 'failed') process.exitCode = 1;
  return final;
}

const blobUrl = (key: string): string => `${apiUrl()}/blobs/${key}`;

export function registerRenderCommands(program: Command): void {
  withOptimisation(
    program
      .command('render <study> <version> <layer>')
      .description('feature visualizations of a layer\'s units (<model>@<version>), stored as PNGs')
      .option('--units <list>', 'units to render, e.g. 0-31,40 (default: every unit of the layer)', unitList)
      .option('--objective <name>', `${OBJECTIVES.join(' | ')} (default channel)`, oneOf(OBJECTIVES, 'the objective'))
      .option('--units-per-batch <n>', 'images optimised together (default 32)', positiveInt),
  ).action(async (study: string, ref: string, layer: string, opts: OptimisationOptions & { units?: number[]; objective?: Objective; unitsPerBatch?: number }) => {
    const { model, version } = versionRef(ref);
    const { job, created, renders } = await api().jobs.requestRender.mutate({
      study,
      model,
      version,
      layer,
      units: opts.units,
      objective: opts.objective,
      unitsPerBatch: opts.unitsPerBatch,
      ...optimisation(opts),
    });
    const final = await finish(job, opts);
    const pictures = renders.map((r) => ({ ...r, url: blobUrl(r.key) }));
    print(!!opts.json, { job: final, created, renders: pictures }, () => {
      console.log(`${final.id}\t${final.status}\t${final.message}`);
      if (final.status === 'succeeded') for (const r of pictures) console.log(`${r.unit}\t${r.url}`);
    });
  });

  withOptimisation(program.command('dream <study> <version> <layer>').description('DeepDream of a whole layer (<model>@<version>)')).action(
    async (study: string, ref: string, layer: string, opts: OptimisationOptions) => {
      const { model, version } = versionRef(ref);
      const { job, created, key } = await api().jobs.requestDream.mutate({ study, model, version, layer, ...optimisation(opts) });
      const final = await finish(job, opts);
      print(!!opts.json, { job: final, created, picture: { key, url: blobUrl(key) } }, () =>
        console.log(`${final.id}\t${final.status}\t${final.status === 'succeeded' ? blobUrl(key) : final.message}`),
      );
    },
  );

  withOptimisation(
    program.command('caricature <study> <version> <layer> <dataset> <image>').description('a caricature of probe image <image> (its index in <dataset>) at a layer'),
  ).action(async (study: string, ref: string, layer: string, dataset: string, image: string, opts: OptimisationOptions) => {
    const { model, version } = versionRef(ref);
    const { job, created, key } = await api().jobs.requestCaricature.mutate({ study, model, version, layer, dataset, imageIndex: nonNegativeInt(image), ...optimisation(opts) });
    const final = await finish(job, opts);
    print(!!opts.json, { job: final, created, picture: { key, url: blobUrl(key) } }, () =>
      console.log(`${final.id}\t${final.status}\t${final.status === 'succeeded' ? blobUrl(key) : final.message}`),
    );
  });

  program
    .command('tuning <study> <version> <layer>')
    .description('tuning curves of every unit of a layer (<model>@<version>) to synthetic stimuli, and each unit\'s peaks')
    .option('--families <list>', `stimulus families, comma-separated: ${FAMILIES.join(', ')} (default all)`, familyList)
    .option('--units <list>', 'units to print (default all; the job covers every unit)', unitList)
    .option('--force', 'recompute even if done')
    .option('--no-wait', 'return once queued')
    .option('--json', 'print JSON (with the full curves)')
    .action(async (study: string, ref: string, layer: string, opts: { families?: Family[]; units?: number[]; force?: boolean; wait: boolean; json?: boolean }) => {
      const { model, version } = versionRef(ref);
      const { job, created } = await api().jobs.requestTuning.mutate({ study, model, version, layer, families: opts.families, force: !!opts.force });
      const final = await finish(job, opts);
      let units: Awaited<ReturnType<ReturnType<typeof api>['tuning']['forUnit']['query']>>[] = [];
      if (final.status === 'succeeded') {
        const detail = await api().versions.get.query({ study, model, version });
        const count = detail.layers.find((l) => l.name === layer)?.unitCount ?? 0;
        const chosen = opts.units ?? Array.from({ length: count }, (_, u) => u);
        units = await Promise.all(chosen.filter((u) => u < count).map((unit) => api().tuning.forUnit.query({ study, model, version, layer, unit })));
      }
      print(!!opts.json, { job: final, created, units }, () => {
        console.log(`${final.id}\t${final.status}\t${final.message}`);
        for (const u of units) {
          // Per family, the strongest point over all its rows (e.g. the best orientation at the best frequency).
          const peaks = [...new Set(u.curves.map((c) => c.stimulus))].map((stimulus) => {
            const best = u.curves.filter((c) => c.stimulus === stimulus).reduce((a, b) => ((b.peak?.response ?? -Infinity) > (a.peak?.response ?? -Infinity) ? b : a));
            const fixed = Object.entries(best.fixed).map(([k, v]) => `${k} ${+v.toFixed(4)}`);
            return `${stimulus}: ${best.parameter} ${best.peak ? +best.peak.x.toFixed(2) : '?'}${fixed.length ? ` (${fixed.join(', ')})` : ''} → ${best.peak?.response.toFixed(3) ?? '?'}`;
          });
          console.log(`${u.unit}\t${peaks.join('\t')}`);
        }
      });
    });
}
