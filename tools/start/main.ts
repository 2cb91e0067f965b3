import { parseEnv } from '@microscope/platform';
import { ProductEnv, startProduct } from './product';
import { ensureDemoStudy, watchJobs } from './demo';
import { computeDemoComparisons } from './demo-comparisons';
import { startWeb, type WebServer } from './web';

/**
 * `npm start`: the whole product on one machine with no servers (embedded storage unless the environment says
 * otherwise), the demo study created on first start, its work shown with progress, and the API address printed.
 */
async function main(): Promise<void> {
  const env = parseEnv(ProductEnv);
  const product = await startProduct(env);
  console.log(`Microscope API at ${product.url} (tensor backend: ${product.backend.name}, ${product.backend.threads} thread(s))`);
  console.log(`Data in ${env.MICROSCOPE_DATA_DIR}. Try: npx microscope jobs demo`);

  // The dashboard builds (first start only) while the demo study is prepared.
  let web: WebServer | undefined;
  const webReady = process.env.MICROSCOPE_WEB === 'false'
    ? Promise.resolve()
    : startWeb({ apiUrl: product.url, port: Number(process.env.MICROSCOPE_WEB_PORT ?? 3000), host: env.MICROSCOPE_HOST }).then(
        (server) => {
          web = server; // startWeb prints its address itself
        },
        (e: unknown) => console.error(`the dashboard did not start: ${(e as Error).message} (the API keeps running)`),
      );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    await web?.close();
    await product.stop();
    // The WASM backend's worker threads keep the event loop alive; everything is stored by now.
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  if (process.env.MICROSCOPE_DEMO !== 'false') {
    const jobIds = await ensureDemoStudy(product);
    await watchJobs(product, jobIds);
    // Usable from here: every unit has statistics and dataset examples. Comparisons follow, with their own progress.
    console.log(`Demo study ready. Try: npx microscope layers demo small-cnn-seed1@s1-e6`);
    await computeDemoComparisons(product);
  }
  await webReady;
}

main().catch((e: unknown) => {
  console.error(`microscope: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
