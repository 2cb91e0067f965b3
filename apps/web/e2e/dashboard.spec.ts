import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/chromium';
import { firstSucceeded, startStack, versionNames, type Stack } from './support/stack';
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

test('the compare page picks two versions and lays out their layers for the heatmap', async () => {
  await page.goto(`${stack.web.url}/studies/demo/-/compare`);
  await page.getByLabel('Version A (rows)').waitFor();
  const b = await page.getByLabel('Version B (columns)').inputValue();
  expect(b).toMatch(/@/);
  await page.getByRole('table', { name: /similarity/ }).waitFor();
  await page.getByText('Layer similarity for this pair is not computed yet', { exact: false }).waitFor();
  await shot('compare');
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
