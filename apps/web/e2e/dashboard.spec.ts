import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/chromium';
import { firstSucceeded, startStack, twoSucceededOnOneDataset, versionNames, type Stack } from './support/stack';
import { createWideStudy } from './support/wide-study';

/**
 * The dashboard end to end: the product with the demo study on a fresh data directory, the dashboard in front of
 * it, Debian's Chromium driving it. Screenshots of every page go to test-artifacts/web/.
 */
const ARTIFACTS = path.join(__dirname, '..', '..', '..', 'test-artifacts', 'web');

let stack: Stack;
let browser: Browser;
let page: Page;
/** The first demo version whose extraction has finished, and its first layer. */
let readyVersion: Promise<{ model: string; version: string; layer: string; units: number }>;
/** The first two demo versions extracted on the same probe set, as `model@version`, and A's first layer. */
let readyPair: Promise<{ a: string; b: string; model: string; version: string; layer: string }>;
const problems: string[] = [];

async function shot(name: string, fullPage = true) {
  // From the top, so the sticky header is where a reader sees it.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage });
}

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  stack = await startStack({ demo: true });
  readyVersion = firstSucceeded(stack.product, stack.demoJobs).then(async (job) => {
    const names = await versionNames(stack.product, job.params.versionId);
    const layers = await stack.product.catalog.listLayers(job.params.versionId);
    return { ...names, layer: layers[0].name, units: layers[0].unitCount };
  });
  readyVersion.catch(() => undefined);
  readyPair = twoSucceededOnOneDataset(stack.product, stack.demoJobs).then(async ([first, second]) => {
    const [a, b] = await Promise.all([versionNames(stack.product, first.params.versionId), versionNames(stack.product, second.params.versionId)]);
    const layers = await stack.product.catalog.listLayers(first.params.versionId);
    return { a: `${a.model}@${a.version}`, b: `${b.model}@${b.version}`, ...a, layer: layers[0].name };
  });
  readyPair.catch(() => undefined);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
  // Two shared cores: the product extracts the demo's activations in this same process while pages render, and a
  // fresh Next server's first request of each route is slow. Generous limits; the bench measures speed.
  page.setDefaultTimeout(60_000);
  page.setDefaultNavigationTimeout(120_000);
  await fetch(stack.web.url);
  // Any script error or failed request on any page fails the run at the end.
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // Console errors include React's hydration mismatches; refused requests (4xx) are the upload test's point.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 500) problems.push(`${r.status()} from ${r.url()}`);
  });
}, 15 * 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

test('the studies list leads to the demo study, whose table follows its jobs live', async () => {
  await page.goto(stack.web.url);
  await page.getByRole('heading', { name: 'Studies', exact: true }).waitFor();
  await page.getByRole('link', { name: 'demo', exact: true }).click();
  await page.waitForURL('**/studies/demo');
  await page.getByRole('heading', { name: 'Models × versions' }).waitFor();
  const versionLinks = page.locator('table a[href^="/studies/demo/"]');
  const demo = await stack.product.catalog.getStudy('demo');
  expect(await versionLinks.count()).toBe((await stack.product.catalog.listStudyVersions(demo.id)).length);
  await shot('study-while-extracting');

  // The page was loaded while the demo's extractions were queued or running; it must show the first success
  // without a reload.
  await readyVersion;
  await page.locator('text=succeeded').first().waitFor({ timeout: 20_000 });
  await shot('study');
});

test('a model version shows its input, source, training metadata and layers', async () => {
  const ready = await readyVersion;
  await page.goto(`${stack.web.url}/studies/demo`);
  await page.locator(`a[href="/studies/demo/${ready.model}/${ready.version}"]`).first().click();
  await page.getByRole('heading', { name: 'Layers' }).waitFor();
  await page.getByText('28 × 28 × 1 (H × W × C)').waitFor();
  await page.getByText('Microscope demo zoo', { exact: false }).first().waitFor();
  const rows = page.locator('table tbody tr');
  expect(await rows.count()).toBeGreaterThanOrEqual(2);
  // Statistics arrive with the finished extraction: the first layer's "Active" cell holds a percentage.
  await page.locator('table tbody tr').first().locator('td', { hasText: '%' }).first().waitFor({ timeout: 20_000 });
  await shot('version');
});

test('a layer grid has a tile per unit, sorts by a statistic and moves by keyboard', async () => {
  const ready = await readyVersion;
  await page.goto(`${stack.web.url}/studies/demo/${ready.model}/${ready.version}`);
  await page.getByRole('link', { name: ready.layer, exact: true }).click();
  await page.getByRole('heading', { name: 'Units', exact: true }).waitFor();
  const tiles = page.locator('[data-pos]');
  await expect(tiles.count()).resolves.toBe(ready.units);
  await page.getByLabel('Sort by').selectOption('max');
  await page.waitForURL(/sort=max/);
  const maxima = await tiles.evaluateAll((els) => els.map((el) => Number(/max (−?[\d.e+−]+)/.exec(el.getAttribute('title') ?? '')?.[1]?.replace('−', '-'))));
  expect(maxima.every((v) => Number.isFinite(v))).toBe(true);
  for (let i = 1; i < maxima.length; i++) expect(maxima[i - 1]).toBeGreaterThanOrEqual(maxima[i]);
  await shot('layer');

  await tiles.first().focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.evaluate(() => document.activeElement?.getAttribute('data-pos'))).resolves.toBe('1');
  await page.keyboard.press('Enter');
  await page.waitForURL(new RegExp(`/studies/demo/${ready.model}/${ready.version}/${ready.layer}/\\d+`));
});

test('a unit page shows its top dataset examples with the peak marked, and both histograms', async () => {
  const ready = await readyVersion;
  await page.goto(`${stack.web.url}/studies/demo/${ready.model}/${ready.version}/${ready.layer}/1`);
  await page.getByRole('heading', { name: 'Dataset examples' }).waitFor();
  const examples = page.locator('figure img');
  await examples.first().waitFor();
  expect(await examples.count()).toBeGreaterThanOrEqual(1);
  // Images come through the dashboard's origin from the blob store, and load.
  await page.waitForFunction(() => [...document.querySelectorAll('figure img')].every((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0));
  expect(await page.locator('[title^="maximum at row"]').count()).toBe(await examples.count());
  await page.locator('.recharts-surface').nth(1).waitFor();
  expect(await page.getByText('max-pooled').count()).toBeGreaterThanOrEqual(2);
  // What is not computed yet says so, with the command that computes it.
  await page.getByText('No tuning curves for this unit yet.').waitFor();
  await shot('unit');
});

test('the blob route answers with an ETag and a year of caching', async () => {
  const src = await page.locator('figure img').first().getAttribute('src');
  const response = await fetch(`${stack.web.url}${src}`);
  expect(response.status).toBe(200);
  expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]+"$/);
  expect(response.headers.get('cache-control')).toContain('immutable');
  const again = await fetch(`${stack.web.url}${src}`, { headers: { 'if-none-match': response.headers.get('etag')! } });
  expect(again.status).toBe(304);
});

test('the compare page requests a comparison, shows the heatmap, and a cell opens the unit matching table', async () => {
  const { a, b } = await readyPair;
  await page.goto(`${stack.web.url}/studies/demo/-/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`);
  await expect(page.getByLabel('Version A (rows)').inputValue()).resolves.toBe(a);
  await expect(page.getByLabel('Version B (columns)').inputValue()).resolves.toBe(b);
  const grid = page.getByRole('grid', { name: /similarity/ });
  await grid.waitFor();
  // Not computed yet: the page says so and offers to compute it; the grid already lays out the layers.
  await page.getByText('Layer similarity for this pair is not computed yet', { exact: false }).waitFor();
  expect(await grid.locator('button[data-cell]:not([aria-disabled])').count()).toBe(0);
  await shot('compare-not-computed');
  await page.getByRole('button', { name: /^Compare these two versions/ }).click();
  // The job's progress shows live, and the heatmap fills in when it ends, without a reload.
  const computed = grid.locator('button[data-cell]:not([aria-disabled])');
  await computed.first().waitFor({ timeout: 5 * 60_000 });
  expect(await computed.count()).toBe(await grid.locator('button[data-cell]').count());
  expect(await computed.first().getAttribute('aria-label')).toMatch(/ × .+: −?\d/);
  await shot('compare');

  // Keyboard: one tab stop, arrows move between cells, Enter opens the pair's unit matches.
  await grid.locator('button[data-cell][tabindex="0"]').focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  await expect(page.evaluate(() => document.activeElement?.getAttribute('data-cell'))).resolves.toBe('1:1');
  await page.keyboard.press('Enter');
  await page.waitForURL(/layer=.+&other=/);
  const table = page.getByRole('table', { name: /^Unit matches of / });
  await table.waitFor();
  const rows = table.locator('tbody tr');
  expect(await rows.count()).toBeGreaterThan(0);
  // Each row: the unit of A and its best match in B side by side, each a link to its unit page, and r.
  const firstRow = rows.first();
  expect(await firstRow.locator(`a[href^="/studies/demo/${a.split('@')[0]}/"]`).count()).toBeGreaterThanOrEqual(1);
  expect(await firstRow.locator(`a[href^="/studies/demo/${b.split('@')[0]}/"]`).count()).toBeGreaterThanOrEqual(1);
  expect(await firstRow.locator('[title^="r = "]').count()).toBe(1);
  await shot('compare-matches');

  // Another metric reads the same pair's other matrix; a click on a cell chooses it too.
  await page.getByLabel('Metric').selectOption('svcca');
  await page.waitForURL(/metric=svcca/);
  await page.getByText('SVCCA on', { exact: false }).waitFor();
  await computed.first().click();
  await page.waitForURL(/layer=.+&other=.+/);
  await table.waitFor();

  // The whole study at once: every extracted version's layers, the compared pair filled in.
  await page.getByRole('button', { name: 'Whole study' }).click();
  await page.waitForURL(/scope=study/);
  const matrix = page.getByRole('grid', { name: 'rows × columns similarity' });
  await matrix.waitFor();
  expect(await matrix.locator('button[data-cell]:not([aria-disabled])').count()).toBeGreaterThan(0);
  await shot('compare-study');
});

test('a unit page shows its best matches in the compared version, and tuning curves requested from the page', async () => {
  const { b, model, version, layer } = await readyPair;
  await page.goto(`${stack.web.url}/studies/demo/${model}/${version}/${layer}/0`);
  const matches = page.getByRole('list', { name: 'Best matches of unit 0' });
  await matches.waitFor();
  await matches.getByRole('heading', { name: b }).waitFor();
  const matchLinks = matches.locator('a[data-match]');
  expect(await matchLinks.count()).toBeGreaterThanOrEqual(1);
  expect(await matchLinks.first().getAttribute('href')).toMatch(new RegExp(`^/studies/demo/${b.replace('@', '/')}/`));
  expect(await matchLinks.first().textContent()).toMatch(/#\d+.*\d/);

  // No tuning curves yet: the page offers to compute them, follows the job and draws them when it ends.
  await page.getByText('No tuning curves for this unit yet.').waitFor();
  await page.getByRole('button', { name: /^Compute tuning curves/ }).click();
  await page.locator('[data-job-status]').first().waitFor();
  await page.locator('figure[data-tuning]').first().waitFor({ timeout: 5 * 60_000 });
  const families = await page.locator('figure[data-tuning]').evaluateAll((els) => els.map((el) => el.getAttribute('data-tuning')));
  expect(families).toEqual(['edge', 'grating', 'curve', 'colour']);
  await page.locator('figure[data-tuning="grating"] .recharts-line').first().waitFor();
  // A line per spatial frequency, and the peak named in words.
  expect(await page.locator('figure[data-tuning="grating"] .recharts-line').count()).toBe(4);
  expect(await page.locator('figure[data-tuning="grating"] figcaption').textContent()).toMatch(/strongest response .+ at orientation \d/);
  await page.getByRole('heading', { name: 'Across versions' }).waitFor();
  await shot('unit-compared');
});

test('a broken model upload shows the server’s errors next to their fields', async () => {
  await page.goto(`${stack.web.url}/studies/demo/-/upload`);
  await page.getByLabel('Model', { exact: true }).fill('broken');
  await page.getByLabel('Version label').fill('not a label!');
  await page.getByLabel('Model files').setInputFiles({ name: 'model.json', mimeType: 'application/json', buffer: Buffer.from('{"modelTopology": ') });
  await page.getByRole('button', { name: 'Upload and register' }).click();
  const labelError = page.locator('[data-field-error="label"]');
  await labelError.waitFor();
  expect(await labelError.textContent()).toMatch(/letters, digits/);
  await expect(page.getByLabel('Version label').getAttribute('aria-invalid')).resolves.toBe('true');

  await page.getByLabel('Version label').fill('v1');
  await page.getByRole('button', { name: 'Upload and register' }).click();
  const filesError = page.locator('[data-field-error="files"]');
  await filesError.waitFor();
  expect(await filesError.textContent()).toMatch(/model\.json is not valid JSON/);
  expect(await page.locator('[data-field-error="label"]').count()).toBe(0);
  await shot('upload-error');
  // Nothing was registered.
  const study = await stack.product.catalog.getStudy('demo');
  expect((await stack.product.catalog.listModels(study.id)).map((m) => m.name)).not.toContain('broken');
});

test('the dark theme can be chosen and survives a reload', async () => {
  const ready = await readyVersion;
  await page.goto(`${stack.web.url}/studies/demo/${ready.model}/${ready.version}/${ready.layer}?sort=max`);
  await page.getByLabel('Dark').check();
  await expect(page.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe('dark');
  await page.reload();
  await page.getByRole('heading', { name: 'Units', exact: true }).waitFor();
  await expect(page.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe('dark');
  await shot('layer-dark');
});

test('a layer of 1,024 units keeps only the rows near the screen in the page and scrolls to its last unit', async () => {
  const wide = await createWideStudy(stack.product, { name: 'wide', units: 1024, images: 48 });
  const url = `${stack.web.url}/studies/${wide.study}/${wide.model}/${wide.version}/${wide.layer}`;
  await page.goto(`${url}?sort=std&pooling=mean`);
  await page.getByRole('heading', { name: 'Units', exact: true }).waitFor();
  // The permalink's order is the page's order.
  await expect(page.getByLabel('Sort by').inputValue()).resolves.toBe('std');
  await expect(page.getByLabel('mean-pooled').isChecked()).resolves.toBe(true);
  const inDom = await page.locator('[data-pos]').count();
  expect(inDom).toBeGreaterThan(20);
  expect(inDom).toBeLessThan(300);
  await shot('layer-1024', false);

  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await page.locator('[data-pos="1023"]').waitFor();
  expect(await page.locator('[data-pos="0"]').count()).toBe(0);
  await page.locator('[data-pos="1023"]').focus();
  await page.keyboard.press('Home');
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-pos') === '0');
  expect(await page.evaluate(() => window.scrollY)).toBeLessThan(1000);
});

test('no page raised a script error or a server error', () => {
  expect(problems).toEqual([]);
});
