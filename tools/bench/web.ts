/**
 * Dashboard benchmark: prints JSON with Chromium's first contentful paint (FCP) of a layer page of 512 units and of
 * a unit page, and the API's p50/p95 for the unit page's queries. The 512-unit layer is a generated model (one
 * 3×3 convolution with 512 channels) with its activations extracted over generated probe images; the unit page
 * API is measured on the demo study's data (skip it with --no-demo, which then uses the generated study). Each
 * FCP is a fresh browser context (no cache) after one warm-up visit. Budgets from the issue are printed beside
 * the numbers, never asserted. Run: `npx tsx tools/bench/web.ts [--runs 7] [--api-runs 60] [--no-demo]`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../apps/web/e2e/support/chromium';
import { startWebProcess } from '../../apps/web/e2e/support/web-process';
import { createWideStudy } from '../../apps/web/e2e/support/wide-study';
import { ensureDemoStudy } from '../start/demo';
import { ProductEnv, startProduct, type Product } from '../start/product';

const WIDE_UNITS = 512;
const PROBE_IMAGES = 128;
const BUDGET = { layerFcpMs: 1500, unitApiP95Ms: 150 };

interface Ref {
  study: string;
  model: string;
  version: string;
  layer: string;
}

async function main(): Promise<void> {
  // The JSON is the output; the product's info logs would be mixed into it.
  process.env.LOG_LEVEL ??= 'warn';
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, 'api-runs': { type: 'string', default: '60' }, 'no-demo': { type: 'boolean', default: false } } });
  const runs = Number(values.runs);
  const apiRuns = Number(values['api-runs']);
  const dir = await mkdtemp(path.join(tmpdir(), 'microscope-bench-web-'));
  const product = await startProduct(ProductEnv.parse({ MICROSCOPE_DATA_DIR: path.join(dir, 'data'), MICROSCOPE_PORT: '0' }));
  let browser: Browser | undefined;
  let web: Awaited<ReturnType<typeof startWebProcess>> | undefined;
  try {
    const setupStarted = Date.now();
    const wide = await createWideStudy(product, { name: 'bench', units: WIDE_UNITS, images: PROBE_IMAGES });
    const demo = values['no-demo'] ? null : await demoStudy(product);
    const setupMs = Date.now() - setupStarted;
    web = await startWebProcess(product.url);
    browser = await launchChromium();

    const layerUrl = `/studies/${wide.study}/${wide.model}/${wide.version}/${encodeURIComponent(wide.layer)}`;
    const unitRef = demo ?? wide;
    const unitUrl = `/studies/${unitRef.study}/${unitRef.model}/${unitRef.version}/${encodeURIComponent(unitRef.layer)}/3`;
    const layerPage = await paintTimes(browser, web.url + layerUrl, runs, '[data-pos]');
    const unitPage = await paintTimes(browser, web.url + unitUrl, runs, 'figure img');
    const unitApi = await unitApiTimes(product.url, unitRef, apiRuns);

    console.log(
      JSON.stringify(
        {
          benchmark: 'web',
          machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) },
          setupMs,
          dashboardBuildMs: web.buildMs,
          layerPage: { url: layerUrl, units: WIDE_UNITS, ...layerPage, budgetFcpMs: BUDGET.layerFcpMs },
          unitPage: { url: unitUrl, ...unitPage },
          unitApi: { data: demo ? 'demo study' : 'generated study', ...unitApi, budgetP95Ms: BUDGET.unitApiP95Ms },
        },
        null,
        2,
      ),
    );
  } finally {
    await browser?.close();
    await web?.close();
    await product.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The demo study with its extractions finished; the unit page is measured on its first model's widest layer. */
async function demoStudy(product: Product): Promise<Ref> {
  process.env.MICROSCOPE_DEMO_RENDERS = 'false'; // measure the pages, not the pages beside a rendering demo
  const jobs = await ensureDemoStudy(product);
  await waitFor(product, jobs);
  const study = await product.catalog.getStudy('demo');
  const version = (await product.catalog.listStudyVersions(study.id))[0];
  const model = (await product.catalog.listModels(study.id)).find((m) => m.id === version.modelId)!;
  const layers = await product.catalog.listLayers(version.id);
  const widest = layers.reduce((a, b) => (b.unitCount > a.unitCount ? b : a));
  return { study: study.name, model: model.name, version: version.label, layer: widest.name };
}

async function waitFor(product: Product, jobIds: string[]): Promise<void> {
  for (;;) {
    const jobs = await Promise.all(jobIds.map((id) => product.catalog.getJob(id)));
    const failed = jobs.find((j) => j.status === 'failed');
    if (failed) throw new Error(`job ${failed.id} failed: ${failed.message}`);
    if (jobs.every((j) => j.status === 'succeeded')) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** FCP, time to first byte and time until `selector` is on screen, each run in a fresh context (cold cache). */
async function paintTimes(browser: Browser, url: string, runs: number, selector: string) {
  const one = async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector(selector);
    // Runs in the page; typed loosely because this file is compiled without the DOM library.
    const t = await page.evaluate(() => {
      const perf = performance as unknown as {
        now(): number;
        getEntriesByName(name: string): { startTime: number }[];
        getEntriesByType(type: string): { responseStart: number; domContentLoadedEventEnd: number }[];
      };
      const nav = perf.getEntriesByType('navigation')[0];
      // `shown`: the load event has fired and the page's main content is in the DOM.
      return { fcp: perf.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN, ttfb: nav.responseStart, shown: perf.now(), domContentLoaded: nav.domContentLoadedEventEnd };
    });
    const tiles = await page.locator('[data-pos]').count();
    await context.close();
    return { ...t, tiles };
  };
  await one(); // Warm-up: the server's first render of a route compiles and caches.
  const samples: Awaited<ReturnType<typeof one>>[] = [];
  for (let i = 0; i < runs; i++) samples.push(await one());
  const stat = (key: 'fcp' | 'ttfb' | 'shown' | 'domContentLoaded') => summary(samples.map((s) => s[key]));
  return { runs, fcpMs: stat('fcp'), ttfbMs: stat('ttfb'), domContentLoadedMs: stat('domContentLoaded'), loadedAndShownMs: stat('shown'), tilesInDom: samples[0].tiles };
}

/** The unit page's three queries, alone and as the one batched request the page's server makes, on varied units. */
async function unitApiTimes(apiUrl: string, ref: Ref, runs: number) {
  const procedures = ['units.get', 'renders.list', 'studies.get'] as const;
  const inputFor = (procedure: (typeof procedures)[number], unit: number) =>
    procedure === 'studies.get' ? { study: ref.study } : procedure === 'renders.list' ? { ...ref, unit } : { ...ref, unit };
  const time = async (url: string) => {
    const started = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    return performance.now() - started;
  };
  const out: Record<string, ReturnType<typeof summary>> = {};
  for (const p of procedures) {
    await time(`${apiUrl}/trpc/${p}?input=${encodeURIComponent(JSON.stringify(inputFor(p, 0)))}`);
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) samples.push(await time(`${apiUrl}/trpc/${p}?input=${encodeURIComponent(JSON.stringify(inputFor(p, i % 8)))}`));
    out[p] = summary(samples);
  }
  const batched: number[] = [];
  for (let i = 0; i < runs; i++) {
    const inputs = Object.fromEntries(procedures.map((p, k) => [k, inputFor(p, i % 8)]));
    batched.push(await time(`${apiUrl}/trpc/${procedures.join(',')}?batch=1&input=${encodeURIComponent(JSON.stringify(inputs))}`));
  }
  out['page (batched)'] = summary(batched);
  return { runs, procedures: out };
}

function summary(xs: number[]) {
  const sorted = [...xs].filter(Number.isFinite).sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  const r = (x: number | undefined) => (x === undefined ? null : Math.round(x * 10) / 10);
  return { p50: r(at(0.5)), p95: r(at(0.95)), min: r(sorted[0]), max: r(sorted.at(-1)) };
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`bench web: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
