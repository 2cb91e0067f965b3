import { InvalidArgumentError, type Command } from 'commander';
import { api, nonNegativeInt, print, versionRef, waitForJobs } from '../cli-helpers';

/**
 * Comparison commands: `compare` (two versions, or every pair of a study), `matches` (a unit's best matches in
 * other versions) and `trajectory` (a unit through a model's checkpoints). Each requests the comparison jobs it
 * needs (idempotent: finished work is reused), waits for them, then prints what analytics stored.
 */
export function registerCompareCommands(program: Command): void {
  program
    .command('compare <study> [versionA] [versionB]')
    .description(
      'compare two versions (<model>@<version> each): layer × layer similarity and unit matches; ' +
        'without versions, every pair of the study that is not compared yet',
    )
    .option('--metric <name>', 'layer similarity to show: cka, dcka or svcca (default: all in --json, cka otherwise)', metricName)
    .option('--dataset <name>', 'probe dataset (default: the study\'s first; for a whole study: every one)')
    .option('--layers <list>', 'layers of A to compare (comma-separated; default all)', nameList)
    .option('--other-layers <list>', 'layers of B to compare (comma-separated; default all)', nameList)
    .option('--threshold <r>', 'count units whose best match correlates above this', correlation, 0.9)
    .option('--force', 'recompute even if done')
    .option('--no-wait', 'return once queued')
    .option('--json', 'print JSON')
    .action(async (study: string, refA: string | undefined, refB: string | undefined, opts: CompareOptions) => {
      if (refA && !refB) throw new InvalidArgumentError('give two versions (<model>@<version> <model>@<version>), or none for the whole study');
      if (!refA || !refB) return compareStudy(study, opts);
      return comparePair(study, versionRef(refA), versionRef(refB), opts);
    });

  program
    .command('matches <study> <version> <layer> <unit>')
    .description('a unit\'s best matching units in the other versions it was compared with (<model>@<version>)')
    .option('--in <version>', 'only this model, or <model>@<version>')
    .option('-k, --top <k>', 'matches per version', positiveInt, 5)
    .option('--dataset <name>')
    .option('--json', 'print JSON')
    .action(async (study: string, ref: string, layer: string, unit: string, opts: { in?: string; top: number; dataset?: string; json?: boolean }) => {
      const { model, version } = versionRef(ref);
      const other = opts.in ? (opts.in.includes('@') ? versionRef(opts.in) : { model: opts.in, version: undefined }) : undefined;
      const result = await api().compare.unitMatches.query({
        study,
        model,
        version,
        layer,
        unit: nonNegativeInt(unit),
        dataset: opts.dataset,
        otherModel: other?.model,
        otherVersion: other?.version,
        k: opts.top,
      });
      print(!!opts.json, result, () => {
        if (!result.matches.length) console.log(`no comparisons of ${ref} yet: run "microscope compare ${study} ${ref} <model>@<version>" or "microscope compare ${study}"`);
        for (const m of result.matches) {
          const best = m.best.map((b) => `${b.layer}#${b.unit} ${b.correlation.toFixed(3)}`).join('  ');
          const oneToOne = m.oneToOne.map((o) => `${o.layer}#${o.unit} ${o.correlation.toFixed(3)}`).join(', ');
          console.log(`${`${m.model}@${m.version}`.padEnd(28)} ${best}${oneToOne ? `   one-to-one: ${oneToOne}` : ''}`);
        }
      });
    });

  program
    .command('trajectory <study> <model> <layer> <unit>')
    .description('a unit followed through the model\'s versions by best matches, and the layer\'s similarity to the last version')
    .option('--version <label>', 'the version the unit index refers to (default: the last)')
    .option('--metric <name>', 'layer similarity for the curve: cka, dcka or svcca', metricName, 'cka')
    .option('--threshold <r>', 'links at or above this correlation count as the same unit', correlation, 0.5)
    .option('--dataset <name>')
    .option('--no-request', 'only read what is stored; do not request missing comparisons')
    .option('--json', 'print JSON')
    .action(async (study: string, model: string, layer: string, unit: string, opts: TrajectoryOptions) => {
      if (opts.request) {
        const batch = await api().jobs.requestChainComparisons.mutate({ study, model, dataset: opts.dataset });
        for (const s of batch.skipped) console.error(`skipped ${s.model}@${s.version}: ${s.reason}`);
        await waitForUnfinished(batch.requested.map((r) => r.job), !!opts.json);
      }
      const result = await api().compare.trajectory.query({
        study,
        model,
        layer,
        unit: nonNegativeInt(unit),
        version: opts.version,
        dataset: opts.dataset,
        metric: opts.metric,
        threshold: opts.threshold,
      });
      print(!!opts.json, result, () => {
        console.log(`${model} ${layer} unit ${result.unit} of ${result.anchor} on ${result.dataset}`);
        console.log(`version\tunit\tlink r\tmutual\tdirect r\t${result.metric} to ${result.chain.at(-1)?.version}`);
        for (const p of result.chain) {
          const direct = p.directFromAnchor ? `#${p.directFromAnchor.unit} ${p.directFromAnchor.correlation.toFixed(3)}` : '—';
          console.log(`${p.version}\t${p.unit ?? '—'}\t${fixed(p.link)}\t${p.reciprocal === null ? '—' : p.reciprocal ? 'yes' : 'no'}\t${direct}\t${fixed(p.similarityToFinal)}`);
        }
        console.log(
          `stability ${fixed(result.stability)} (weakest link ${fixed(result.weakestLink)}, mutual ${result.reciprocalFraction === null ? '—' : `${Math.round(result.reciprocalFraction * 100)}%`}); ` +
            `the same unit (links ≥ ${result.threshold}) from ${result.stableFrom} to ${result.stableTo}`,
        );
        for (const m of result.missing) console.log(`not compared yet: ${m.from} and ${m.to}`);
      });
    });
}

interface CompareOptions {
  metric?: 'cka' | 'dcka' | 'svcca';
  dataset?: string;
  layers?: string[];
  otherLayers?: string[];
  threshold: number;
  force?: boolean;
  wait: boolean;
  json?: boolean;
}

interface TrajectoryOptions {
  version?: string;
  metric: 'cka' | 'dcka' | 'svcca';
  threshold: number;
  dataset?: string;
  request: boolean;
  json?: boolean;
}

async function comparePair(study: string, a: { model: string; version: string }, b: { model: string; version: string }, opts: CompareOptions) {
  const requested = await api().jobs.requestCompare.mutate({
    study,
    model: a.model,
    version: a.version,
    otherModel: b.model,
    otherVersion: b.version,
    dataset: opts.dataset,
    layers: opts.layers,
    otherLayers: opts.otherLayers,
    force: !!opts.force,
  });
  const [job] = opts.wait ? await waitForUnfinished([requested.job], !!opts.json) : [requested.job];
  if (job.status === 'failed') {
    process.exitCode = 1;
    return print(!!opts.json, { job }, () => console.log(`comparison failed: ${job.message}`));
  }
  if (job.status !== 'succeeded') return print(!!opts.json, { job }, () => console.log(`${job.id}\t${job.status}`));
  const result = await api().compare.layers.query({
    study,
    model: a.model,
    version: a.version,
    otherModel: b.model,
    otherVersion: b.version,
    dataset: opts.dataset,
    metric: opts.metric,
    threshold: opts.threshold,
  });
  print(!!opts.json, { job, ...result }, () => {
    const metric = opts.metric ?? 'cka';
    const values = result.metrics[metric];
    console.log(`${metric} of ${a.model}@${a.version} (rows) vs ${b.model}@${b.version} (columns) on ${result.dataset}`);
    const width = Math.max(6, ...result.b.layers.map((l) => l.name.length));
    const nameWidth = Math.max(...result.a.layers.map((l) => l.name.length));
    console.log(`${''.padEnd(nameWidth)}  ${result.b.layers.map((l) => l.name.padStart(width)).join(' ')}`);
    result.a.layers.forEach((l, i) => console.log(`${l.name.padEnd(nameWidth)}  ${result.b.layers.map((_, j) => fixed(values?.[i][j] ?? null).padStart(width)).join(' ')}`));
    console.log(`\nunits whose best match in ${b.model}@${b.version} has correlation > ${result.threshold}:`);
    for (const s of result.bestMatches) {
      const same = s.sameLayer ? `; in ${s.layer} of B: ${s.sameLayer.above}/${s.sameLayer.units}, mean ${s.sameLayer.meanBest.toFixed(3)}` : '';
      console.log(`${s.layer.padEnd(nameWidth)}  ${s.above}/${s.units} (mean best ${s.meanBest.toFixed(3)}${same})`);
    }
  });
}

async function compareStudy(study: string, opts: CompareOptions) {
  const batch = await api().jobs.requestStudyComparisons.mutate({ study, dataset: opts.dataset, force: !!opts.force });
  for (const s of batch.skipped) console.error(`skipped ${s.model}@${s.version}: ${s.reason}`);
  const jobs = opts.wait ? await waitForUnfinished(batch.requested.map((r) => r.job), !!opts.json) : batch.requested.map((r) => r.job);
  const created = batch.requested.filter((r) => r.created).length;
  print(!!opts.json, { requested: jobs, created, skipped: batch.skipped }, () => {
    console.log(`${batch.requested.length} pairs: ${created} newly requested, ${batch.requested.length - created} already covered`);
    for (const j of jobs.filter((j) => j.status === 'failed')) console.log(`failed ${j.id}: ${j.message}`);
  });
  if (jobs.some((j) => j.status === 'failed')) process.exitCode = 1;
}

/** Waits for the jobs that have not ended yet; returns every job in its latest state, in the order given. */
async function waitForUnfinished<J extends { id: string; status: string }>(jobs: J[], quiet: boolean) {
  const open = jobs.filter((j) => j.status !== 'succeeded' && j.status !== 'failed').map((j) => j.id);
  const latest = new Map((open.length ? await waitForJobs(open, quiet) : []).map((j) => [j.id, j]));
  return jobs.map((j) => latest.get(j.id) ?? j);
}

const fixed = (value: number | null | undefined) => (value === null || value === undefined ? '—' : value.toFixed(3));

function metricName(value: string): 'cka' | 'dcka' | 'svcca' {
  if (value !== 'cka' && value !== 'dcka' && value !== 'svcca') throw new InvalidArgumentError('expected cka, dcka or svcca');
  return value;
}

function nameList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function correlation(value: string): number {
  const r = Number(value);
  if (!(r >= -1 && r <= 1)) throw new InvalidArgumentError('expected a correlation between -1 and 1');
  return r;
}
