/**
 * API responsiveness while the product works: prints JSON with the latency of cheap queries (studies.list and
 * units.get, alternately) fired every 50 ms from a separate process while `npm start`'s single-process product
 * extracts activations, renders feature visualizations and compares versions, and the main thread's longest
 * event-loop stall in each phase. Requests are open-loop (fired on schedule whether or not the last one answered),
 * so a stall of S seconds shows as S / 50 ms slow answers, not one.
 *
 * Phases: idle (baseline), extraction (Fashion-MNIST probes through demo-zoo versions), large-extraction (an
 * InceptionV1-shaped 160 px network, whose forward passes are long), render (the demo's feature visualizations
 * of some units), compare (two versions, every metric). `--profile` also samples the main thread's CPU and lists,
 * per phase, the stretches without an idle sample longer than 200 ms and the functions they spent time in.
 *
 * Run: `npx tsx tools/bench/responsiveness.ts [--phases idle,extraction,large-extraction,render,compare]
 *       [--interval 50] [--images 2000] [--versions 3] [--units 24] [--profile]`
 */
import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Session } from 'node:inspector';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ActivationsJobParams, CompareJobParams, VisualizeJobParams, jobHasEnded, type JobView } from '@microscope/contracts';
import { encodePng } from '@microscope/imaging';
import { registerDataset, registerVersion } from '@microscope/ingest';
import { readZooManifest } from '../demo-zoo/manifest';
import { buildFashionProbeSet } from '../demo-zoo/probe';
import { DEMO_RENDER } from '../start/demo';
import { ProductEnv, startProduct, type Product } from '../start/product';
import { seeded, tfjsModelFiles } from '../testing/tiny-study';
import { inceptionV1 } from './networks/inception-v1';

const ZOO_DIR = path.join(__dirname, '..', 'demo-zoo');
const PHASES = ['idle', 'extraction', 'large-extraction', 'render', 'compare'] as const;
type Phase = (typeof PHASES)[number];
const LARGE_SIZE = 160;
const LARGE_IMAGES = 48;
/** A stall longer than this is what the issue calls blocking the API. */
const STALL_MS = 200;

interface Sample {
  t: number;
  q: string;
  ms: number;
  ok: boolean;
}

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'warn';
  process.env.MICROSCOPE_DEMO_RENDERS = 'false';
  const { values } = parseArgs({
    options: {
      phases: { type: 'string', default: PHASES.join(',') },
      interval: { type: 'string', default: '50' },
      images: { type: 'string', default: '2000' },
      versions: { type: 'string', default: '3' },
      units: { type: 'string', default: '24' },
      profile: { type: 'boolean', default: false },
    },
  });
  const phases = values.phases.split(',').map((p) => p.trim()) as Phase[];
  const unknown = phases.filter((p) => !PHASES.includes(p));
  if (unknown.length) throw new Error(`unknown phase(s) ${unknown.join(', ')}; phases are ${PHASES.join(', ')}`);
  const intervalMs = Number(values.interval);

  const dir = await mkdtemp(path.join(tmpdir(), 'microscope-bench-resp-'));
  const product = await startProduct(ProductEnv.parse({ MICROSCOPE_DATA_DIR: path.join(dir, 'data'), MICROSCOPE_PORT: '0' }));
  const profiler = values.profile ? await startProfiler() : null;
  try {
    const setupStarted = Date.now();
    const study = await setUp(product, Number(values.versions), Number(values.images));
    const setupMs = Date.now() - setupStarted;
    const unitInput = { study: study.name, model: study.versions[0].model, version: study.versions[0].label, layer: study.widestLayer, unit: 3 };
    const poller = startPoller(product.url, intervalMs, [
      { name: 'studies.list', path: '/trpc/studies.list' },
      { name: 'units.get', path: `/trpc/units.get?input=${encodeURIComponent(JSON.stringify(unitInput))}` },
    ]);
    await poller.ready;

    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const results: Record<string, unknown> = {};
    for (const phase of phases) {
      loop.reset();
      await profiler?.begin();
      const from = Date.now();
      const work = await runPhase(phase, product, study, Number(values.units));
      const to = Date.now();
      const stretches = await profiler?.end();
      results[phase] = {
        seconds: Math.round((to - from) / 100) / 10,
        work,
        api: latencySummary(poller.samples.filter((s) => s.t >= from && s.t < to)),
        mainThreadEventLoopDelayMs: { max: Math.round(loop.max / 1e6), p99: Math.round(loop.percentile(99) / 1e6), mean: Math.round(loop.mean / 1e6) },
        ...(stretches ? { longestBusyStretches: stretches } : {}),
      };
    }
    loop.disable();
    await poller.stop();
    console.log(
      JSON.stringify(
        {
          benchmark: 'responsiveness',
          machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) },
          backend: product.backend,
          pollIntervalMs: intervalMs,
          budget: { note: `no answer slower than about ${STALL_MS} ms while work runs` },
          setupMs,
          phases: results,
        },
        null,
        2,
      ),
    );
  } finally {
    await product.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

interface BenchStudy {
  name: string;
  studyId: string;
  datasetId: string;
  versions: { id: string; model: string; label: string }[];
  widestLayer: string;
  widestUnits: number;
}

/** A study with `versions` zoo versions and a Fashion-MNIST probe set; the first version's activations extracted. */
async function setUp(product: Product, versions: number, images: number): Promise<BenchStudy> {
  const { catalog, storage } = product;
  const deps = { catalog, blobs: storage.blobs };
  const study = await catalog.createStudy('responsiveness', 'API latency while the product works');
  const zoo = readZooManifest(ZOO_DIR);
  // Alternate architectures so a few versions cover both.
  const chosen: typeof zoo.versions = [];
  const byArch = new Map<string, typeof zoo.versions>();
  for (const v of zoo.versions) byArch.set(v.architecture, [...(byArch.get(v.architecture) ?? []), v]);
  const lists = [...byArch.values()];
  for (let i = 0; chosen.length < Math.min(versions, zoo.versions.length); i++) {
    const list = lists[i % lists.length];
    const next = list[Math.floor(i / lists.length)];
    if (next) chosen.push(next);
  }
  for (const entry of chosen) {
    const files = new Map<string, Buffer>();
    for (const file of entry.files) files.set(path.basename(file.path), await readFile(path.join(ZOO_DIR, file.path)));
    await registerVersion(deps, { study: study.name, model: entry.model, label: entry.label, architecture: entry.architecture, training: entry.training, preprocessing: entry.preprocessing }, files);
  }
  const probes = await buildFashionProbeSet(images);
  const dataset = await registerDataset(
    deps,
    { studyId: study.id, name: 'fashion', description: 'Fashion-MNIST test images' },
    probes.map((p, i) => ({ name: `${String(i).padStart(5, '0')}.png`, bytes: p.png, label: p.label })),
  );
  const registered = await catalog.listStudyVersions(study.id);
  const models = await catalog.listModels(study.id);
  const ordered = chosen.map((entry) => {
    const model = models.find((m) => m.name === entry.model)!;
    const version = registered.find((v) => v.modelId === model.id && v.label === entry.label)!;
    return { id: version.id, model: model.name, label: version.label };
  });
  await runJobs(product, study.id, [ActivationsJobParams.parse({ kind: 'activations', versionId: ordered[0].id, datasetId: dataset.id })]);
  const layers = await catalog.listLayers(ordered[0].id);
  const widest = layers.reduce((a, b) => (b.unitCount > a.unitCount ? b : a));
  return { name: study.name, studyId: study.id, datasetId: dataset.id, versions: ordered, widestLayer: widest.name, widestUnits: widest.unitCount };
}

async function runPhase(phase: Phase, product: Product, study: BenchStudy, units: number): Promise<string> {
  switch (phase) {
    case 'idle':
      await new Promise((r) => setTimeout(r, 5000));
      return 'nothing running';
    case 'extraction': {
      const rest = study.versions.slice(1);
      await runJobs(product, study.studyId, rest.map((v) => ActivationsJobParams.parse({ kind: 'activations', versionId: v.id, datasetId: study.datasetId })));
      return `activations of ${rest.length} zoo version(s) on the probe set`;
    }
    case 'large-extraction': {
      const { versionId, datasetId } = await registerLargeNetwork(product, study);
      await runJobs(product, study.studyId, [ActivationsJobParams.parse({ kind: 'activations', versionId, datasetId, batchSize: 8 })]);
      return `activations of an InceptionV1-shaped ${LARGE_SIZE} px network on ${LARGE_IMAGES} images, batches of 8`;
    }
    case 'render': {
      const unitList = Array.from({ length: Math.min(units, study.widestUnits) }, (_, u) => u);
      await runJobs(product, study.studyId, [VisualizeJobParams.parse({ kind: 'visualize', versionId: study.versions[0].id, layer: study.widestLayer, units: unitList, ...DEMO_RENDER })]);
      return `${unitList.length} units of ${study.widestLayer} at the demo's render settings (${DEMO_RENDER.steps} steps, ${DEMO_RENDER.size} px)`;
    }
    case 'compare': {
      if (study.versions.length < 2) return 'skipped: needs two versions (run the extraction phase with --versions 2 or more)';
      const [a, b] = study.versions;
      const extracted = await product.catalog.listJobs({ studyId: study.studyId });
      if (!extracted.some((j) => j.kind === 'activations' && j.params.versionId === b.id && j.status === 'succeeded')) return 'skipped: the second version has no activations (run the extraction phase first)';
      await runJobs(product, study.studyId, [CompareJobParams.parse({ kind: 'compare', versionId: a.id, otherVersionId: b.id, datasetId: study.datasetId })]);
      return `${a.model}@${a.label} vs ${b.model}@${b.label}`;
    }
  }
}

/** Registers the InceptionV1-shaped network (random weights) and a set of noise images at its input size. */
async function registerLargeNetwork(product: Product, study: BenchStudy): Promise<{ versionId: string; datasetId: string }> {
  const deps = { catalog: product.catalog, blobs: product.storage.blobs };
  const model = inceptionV1(LARGE_SIZE);
  try {
    await registerVersion(deps, { study: study.name, model: 'inception-shaped', label: 'random', training: {} }, await tfjsModelFiles(model));
  } finally {
    model.dispose();
    tf.disposeVariables();
  }
  const random = seeded(11);
  const images = [];
  for (let i = 0; i < LARGE_IMAGES; i++) {
    const pixels = new Uint8Array(LARGE_SIZE * LARGE_SIZE * 3).map(() => Math.floor(random() * 256));
    images.push({ name: `${String(i).padStart(4, '0')}.png`, bytes: await encodePng(pixels, LARGE_SIZE, LARGE_SIZE, 3) });
  }
  const dataset = await registerDataset(deps, { studyId: study.studyId, name: 'noise-large', description: 'seeded noise' }, images);
  const models = await product.catalog.listModels(study.studyId);
  const model2 = models.find((m) => m.name === 'inception-shaped')!;
  const version = (await product.catalog.listStudyVersions(study.studyId)).find((v) => v.modelId === model2.id)!;
  return { versionId: version.id, datasetId: dataset.id };
}

async function runJobs(product: Product, studyId: string, params: Parameters<Product['ingest']['jobs']['request']>[1][]): Promise<JobView[]> {
  const ids: string[] = [];
  for (const p of params) ids.push((await product.ingest.jobs.request(studyId, p)).job.id);
  for (;;) {
    const jobs = await Promise.all(ids.map((id) => product.catalog.getJob(id)));
    if (jobs.every(jobHasEnded)) {
      const failed = jobs.find((j) => j.status === 'failed');
      if (failed) throw new Error(`job ${failed.id} (${failed.kind}) failed: ${failed.message}`);
      return jobs;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Fires the queries round-robin every `intervalMs` from a child process (timers in this process would stall with
 * the product they measure) and collects one sample per answer.
 */
function startPoller(baseUrl: string, intervalMs: number, queries: { name: string; path: string }[]) {
  const script = `
    const http = require('node:http');
    const [base, interval, queries] = JSON.parse(process.argv[1]);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    let i = 0;
    const fire = () => {
      const q = queries[i++ % queries.length];
      const t = Date.now();
      const started = performance.now();
      const done = (ok) => process.stdout.write(JSON.stringify({ t, q: q.name, ms: performance.now() - started, ok }) + '\\n');
      http.get(base + q.path, { agent }, (res) => { res.resume(); res.on('end', () => done(res.statusCode === 200)); }).on('error', () => done(false));
    };
    process.stdout.write('ready\\n');
    setInterval(fire, interval);
    process.on('SIGTERM', () => setTimeout(() => process.exit(0), 2000));
  `;
  const child = spawn(process.execPath, ['-e', script, JSON.stringify([baseUrl, intervalMs, queries])], { stdio: ['ignore', 'pipe', 'inherit'] });
  const samples: Sample[] = [];
  let buffered = '';
  let onReady: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line === 'ready') onReady();
      else if (line) samples.push(JSON.parse(line) as Sample);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    samples,
    ready,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function latencySummary(samples: Sample[]) {
  const byQuery: Record<string, ReturnType<typeof stats>> = {};
  for (const q of new Set(samples.map((s) => s.q))) byQuery[q] = stats(samples.filter((s) => s.q === q).map((s) => s.ms));
  return { requests: samples.length, failed: samples.filter((s) => !s.ok).length, overStallMs: samples.filter((s) => s.ms > STALL_MS).length, all: stats(samples.map((s) => s.ms)), ...byQuery };
}

function stats(xs: number[]) {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  const r = (x: number | undefined) => (x === undefined ? null : Math.round(x));
  return { p50: r(at(0.5)), p95: r(at(0.95)), p99: r(at(0.99)), max: r(sorted.at(-1)) };
}

// ---- Profiling: where the main thread's long synchronous stretches go ----------------------------------------

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

async function startProfiler() {
  const session = new Session();
  session.connect();
  const post = <T = unknown>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 2000 });
  return {
    begin: () => post('Profiler.start'),
    end: async () => summarizeStretches((await post<{ profile: CpuProfile }>('Profiler.stop')).profile),
  };
}

/** The five longest runs of samples without an idle one, each with the repository frames it spent most time in. */
function summarizeStretches(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ours = (url: string) => /\/(apps|libs|tools)\//.test(url) && !url.includes('node_modules');
  /** The innermost frame of our own code on a sample's stack, else its top frame. */
  const frameOf = (id: number): string => {
    let top: string | undefined;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { functionName, url, lineNumber } = byId.get(at)!.callFrame;
      top ??= `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}`;
      if (ours(url)) return `${functionName || '(anonymous)'} ${url.replace(/^.*\/(apps|libs|tools)\//, '$1/')}:${lineNumber + 1}`;
    }
    return top ?? '?';
  };
  const stretches: { ms: number; frames: Map<string, number> }[] = [];
  let current: { ms: number; frames: Map<string, number> } | null = null;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const name = byId.get(id)!.callFrame.functionName;
    if (name === '(idle)') {
      if (current) stretches.push(current);
      current = null;
      return;
    }
    current ??= { ms: 0, frames: new Map() };
    current.ms += ms;
    const frame = frameOf(id);
    current.frames.set(frame, (current.frames.get(frame) ?? 0) + ms);
  });
  if (current) stretches.push(current);
  return stretches
    .filter((s) => s.ms > STALL_MS)
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 5)
    .map((s) => ({
      ms: Math.round(s.ms),
      top: [...s.frames.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6)
        .map(([frame, ms]) => `${Math.round(ms)} ms ${frame}`),
    }));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`bench responsiveness: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
