/**
 * Trains the demo zoo: each architecture × seed, checkpoints at chosen epochs, saved as TF.js layers models under
 * `<out>/models/<arch>/seed-<s>/epoch-<e>/` with `<out>/zoo.json` listing every version.
 *
 *   npx tsx tools/train-zoo/main.ts                 # the committed zoo (tools/demo-zoo)
 *   npx tsx tools/train-zoo/main.ts --out tmp/zoo --epochs 1 --checkpoints 1 --seeds 1   # time one epoch
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Command } from 'commander';
import { MultiBar, Presets } from 'cli-progress';
import { FASHION_CLASSES, FASHION_DATASET_NAME, FASHION_LICENSE, FASHION_TEST_PER_CLASS, loadFashionSplit } from '../demo-zoo/fashion-mnist';
import { ZOO_MANIFEST_FILE, ZOO_SOURCE, ZooManifest, type ZooVersion } from '../demo-zoo/manifest';
import { ARCHITECTURES, DEFAULT_LEARNING_RATE, INPUT_SHAPE, type Architecture } from './architectures';
import { PIXEL_SCALE } from './batches';
import { installFastCpuKernels } from './fast-cpu-kernels';
import { saveLayersModel } from './save-layers-model';
import { trainRun, type RunPlan } from './train-run';

interface Options {
  out: string;
  architectures: Architecture[];
  seeds: number[];
  epochs: number;
  checkpoints: number[];
  trainPerClass: number;
  batchSize: number;
  /** Overrides every architecture's default. */
  learningRate?: number;
}

function integerList(value: string): number[] {
  const list = value.split(',').map((v) => Number(v.trim()));
  if (list.some((v) => !Number.isInteger(v) || v < 0)) throw new Error(`expected a comma-separated list of integers, got "${value}"`);
  return list;
}

function architectureList(value: string): Architecture[] {
  const list = value.split(',').map((v) => v.trim());
  for (const name of list) {
    if (!(ARCHITECTURES as readonly string[]).includes(name)) throw new Error(`unknown architecture "${name}" (known: ${ARCHITECTURES.join(', ')})`);
  }
  return list as Architecture[];
}

function parseOptions(argv: string[]): Options {
  const program = new Command()
    .name('train-zoo')
    .description('Train the Microscope demo zoo on Fashion-MNIST (tfjs cpu backend, deterministic).')
    .option('--out <dir>', 'output directory (models/ and zoo.json)', 'tools/demo-zoo')
    .option('--architectures <list>', 'comma-separated architectures', architectureList, [...ARCHITECTURES])
    .option('--seeds <list>', 'comma-separated seeds', integerList, [1, 2])
    .option('--epochs <n>', 'epochs per run', Number, 6)
    .option('--checkpoints <list>', 'epochs after which to save a checkpoint', integerList, [1, 3, 6])
    .option('--train-per-class <n>', 'training images per class (of 6000)', Number, 400)
    .option('--batch-size <n>', 'batch size', Number, 32)
    .option('--learning-rate <x>', 'Adam learning rate for every architecture (default: per architecture)', Number)
    .parse(argv);
  const options = program.opts<Options>();
  const bad = options.checkpoints.filter((e) => e < 1 || e > options.epochs);
  if (bad.length > 0) throw new Error(`checkpoint epochs ${bad.join(', ')} are outside 1..${options.epochs}`);
  return options;
}

function describeFile(outDir: string, path: string) {
  const bytes = readFileSync(path);
  return { path: relative(outDir, path), bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv);
  await tf.setBackend('cpu');
  installFastCpuKernels();

  const train = loadFashionSplit('train', options.trainPerClass);
  const test = loadFashionSplit('test');
  const manifest: ZooManifest = {
    schemaVersion: 1,
    source: ZOO_SOURCE,
    dataset: {
      name: FASHION_DATASET_NAME,
      licence: FASHION_LICENSE,
      classes: [...FASHION_CLASSES],
      trainImages: train.count,
      testImages: test.count,
      notes: `Train: the first ${options.trainPerClass} train-split images of each class; test accuracy on all ${FASHION_TEST_PER_CLASS} test-split images of each class (split as defined in tools/demo-zoo/fashion-mnist.ts).`,
    },
    training: {
      backend: 'tfjs cpu',
      tfjsVersion: tf.version.tfjs,
      optimizer: 'adam',
      batchSize: options.batchSize,
      epochs: options.epochs,
    },
    versions: [],
  };
  const writeManifest = () => writeFileSync(join(options.out, ZOO_MANIFEST_FILE), `${JSON.stringify(ZooManifest.parse(manifest), null, 2)}\n`);

  const bars = new MultiBar(
    {
      format: '{run} |{bar}| {value}/{total} batches | epoch {epoch} | loss {loss} | {duration_formatted} (ETA {eta_formatted})',
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 30_000,
    },
    Presets.shades_classic,
  );
  // cli-progress holds log lines back while bars are active and only flushes them on a TTY.
  const log = (line: string) => (process.stderr.isTTY ? bars.log(line) : process.stdout.write(line));
  const started = Date.now();
  for (const architecture of options.architectures) {
    for (const seed of options.seeds) {
      const learningRate = options.learningRate ?? DEFAULT_LEARNING_RATE[architecture];
      const plan: RunPlan = { architecture, seed, epochs: options.epochs, checkpointEpochs: options.checkpoints, batchSize: options.batchSize, learningRate };
      const run = `${architecture} seed ${seed}`;
      const batchesPerEpoch = Math.ceil(train.count / options.batchSize);
      const bar = bars.create(options.epochs * batchesPerEpoch, 0, { run, epoch: 1, loss: '-' });
      let ordinal = 0;
      await trainRun(plan, train, test, {
        onBatch: ({ epoch, loss }) => bar.increment({ epoch, loss: loss.toFixed(3) }),
        onEpoch: ({ epoch, seconds, meanLoss }) =>
          log(`${run} epoch ${epoch}: ${seconds.toFixed(1)} s, ${((seconds * 1000) / train.count).toFixed(2)} ms/image, mean loss ${meanLoss.toFixed(4)}\n`),
        onCheckpoint: async ({ model, epoch, step, testAccuracy }) => {
          const dir = join(options.out, 'models', architecture, `seed-${seed}`, `epoch-${epoch}`);
          const saved = await saveLayersModel(model, dir);
          const version: ZooVersion = {
            model: `${architecture}-seed${seed}`,
            architecture,
            label: `s${seed}-e${epoch}`,
            ordinal: ordinal++,
            format: 'tfjs-layers',
            files: saved.files.map((file) => describeFile(options.out, join(dir, file))),
            input: { height: INPUT_SHAPE[0], width: INPUT_SHAPE[1], channels: INPUT_SHAPE[2] },
            preprocessing: { scale: PIXEL_SCALE, mean: [0], std: [1] },
            training: { seed, epoch, step, dataset: FASHION_DATASET_NAME, accuracy: testAccuracy, source: ZOO_SOURCE, licence: `data: ${FASHION_LICENSE}`, learningRate },
          };
          manifest.versions.push(version);
          writeManifest();
          log(`${run} checkpoint epoch ${epoch} (step ${step}): test accuracy ${(testAccuracy * 100).toFixed(2)}%, ${saved.bytes} bytes\n`);
        },
      });
      bar.stop();
    }
  }
  bars.stop();
  const total = manifest.versions.flatMap((v) => v.files).reduce((sum, f) => sum + f.bytes, 0);
  console.log(`trained ${manifest.versions.length} versions in ${((Date.now() - started) / 1000).toFixed(0)} s; ${total} bytes of model files; manifest ${join(options.out, ZOO_MANIFEST_FILE)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
