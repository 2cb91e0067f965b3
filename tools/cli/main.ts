import { Command, InvalidArgumentError } from 'commander';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { apiUrl, describeError, uploadFiles } from './api-client';
import { api, definedOnly, nonNegativeInt, numberList, print, progressBar, versionRef, waitForJobs } from './cli-helpers';
import { registerCompareCommands } from './commands/compare';
import { registerRenderCommands } from './commands/render';

/** `microscope …`: every command talks to a running Microscope over its API (npm start, or MICROSCOPE_API_URL). */
const program = new Command()
  .name('microscope')
  .description(`Microscope for neural networks. Talks to the API at ${apiUrl()} (set MICROSCOPE_API_URL to change).`)
  .showHelpAfterError();

const study = program.command('study').description('studies: the unit of a comparative investigation');
study
  .command('create <name>')
  .option('-d, --description <text>', 'what the study asks', '')
  .option('--json', 'print JSON')
  .action(async (name: string, opts: { description: string; json?: boolean }) => {
    const created = await api().studies.create.mutate({ name, description: opts.description });
    print(!!opts.json, created, () => console.log(`created study ${created.name}`));
  });
study
  .command('list')
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }) => {
    const studies = await api().studies.list.query();
    print(!!opts.json, studies, () => studies.forEach((s) => console.log(`${s.name}\t${s.description}`)));
  });

const model = program.command('model').description('models and their versions');
model
  .command('add <study> <model> <version> <path>')
  .description('register a model version from a TF.js model.json (or a folder holding one) or an ONNX file')
  .option('--architecture <name>', 'architecture family')
  .option('--seed <n>', 'training seed', nonNegativeInt)
  .option('--epoch <n>', 'training epoch of this checkpoint', nonNegativeInt)
  .option('--step <n>', 'training step of this checkpoint', nonNegativeInt)
  .option('--scale <x>', 'pixel scale applied to [0,255] values', Number)
  .option('--mean <list>', 'per-channel mean after scaling', numberList)
  .option('--std <list>', 'per-channel std after scaling', numberList)
  .option('--input-size <HxW>', 'input size, for models that leave it open')
  .option('--json', 'print JSON')
  .action(async (studyName: string, modelName: string, label: string, target: string, opts: Record<string, unknown>) => {
    const files = await modelFiles(target);
    const bar = progressBar(!!opts.json, 'upload', files.length);
    const uploadId = await uploadFiles(files, apiUrl(), () => bar?.increment());
    bar?.stop();
    const size = typeof opts.inputSize === 'string' ? /^(\d+)x(\d+)$/.exec(opts.inputSize) : null;
    if (opts.inputSize && !size) throw new InvalidArgumentError('--input-size must look like 224x224');
    const result = await api().versions.register.mutate({
      study: studyName,
      model: modelName,
      label,
      uploadId,
      architecture: opts.architecture as string | undefined,
      training: definedOnly({ seed: opts.seed as number | undefined, epoch: opts.epoch as number | undefined, step: opts.step as number | undefined }),
      preprocessing:
        opts.scale !== undefined || opts.mean || opts.std
          ? { scale: (opts.scale as number) ?? 1 / 255, mean: (opts.mean as number[]) ?? [0], std: (opts.std as number[]) ?? [1] }
          : undefined,
      input: size ? { height: Number(size[1]), width: Number(size[2]) } : undefined,
    });
    print(!!opts.json, result, () => console.log(`registered ${modelName}@${label} (${result.version.format}, ${result.layers} layers, ${result.version.contentHash.slice(0, 12)})`));
  });

const dataset = program.command('dataset').description('probe datasets');
dataset
  .command('add <study> <name> <folder>')
  .description('register a folder of PNG/JPEG images (any size; resized per model)')
  .option('-d, --description <text>', 'what the images are', '')
  .option('--json', 'print JSON')
  .action(async (studyName: string, name: string, folder: string, opts: { description: string; json?: boolean }) => {
    const entries = (await readdir(folder, { withFileTypes: true })).filter((e) => e.isFile() && /\.(png|jpe?g|webp|gif|tiff?|bmp)$/i.test(e.name));
    if (!entries.length) throw new Error(`${folder} holds no image files (png, jpg, webp, gif, tiff, bmp)`);
    const bar = progressBar(!!opts.json, 'upload', entries.length);
    const uploadId = await uploadFiles(entries.map((e) => ({ name: e.name, path: path.join(folder, e.name) })), apiUrl(), () => bar?.increment());
    bar?.stop();
    const created = await api().datasets.register.mutate({ study: studyName, name, uploadId, description: opts.description });
    print(!!opts.json, created, () => console.log(`registered dataset ${created.name} (${created.imageCount} images)`));
  });

const run = program.command('run').description('request work');
run
  .command('activations <study>')
  .description('extract dataset activations and unit statistics (every version × dataset unless narrowed)')
  .option('--model <name>')
  .option('--version <label>')
  .option('--dataset <name>')
  .option('--force', 'recompute even if done')
  .option('--no-wait', 'return once queued')
  .option('--json', 'print JSON')
  .action(async (studyName: string, opts: { model?: string; version?: string; dataset?: string; force?: boolean; wait: boolean; json?: boolean }) => {
    const requested = await api().jobs.requestActivations.mutate({
      study: studyName,
      model: opts.model,
      version: opts.version,
      dataset: opts.dataset,
      force: !!opts.force,
    });
    const ids = requested.map((r) => r.job.id);
    const final = opts.wait ? await waitForJobs(ids, !!opts.json) : requested.map((r) => r.job);
    print(!!opts.json, final, () => final.forEach((j) => console.log(`${j.id}\t${j.status}\t${j.message}`)));
    if (final.some((j) => j.status === 'failed')) process.exitCode = 1;
  });

program
  .command('jobs <study>')
  .description("a study's jobs, newest first")
  .option('--json', 'print JSON')
  .action(async (studyName: string, opts: { json?: boolean }) => {
    const jobs = await api().jobs.list.query({ study: studyName });
    print(!!opts.json, jobs, () =>
      jobs.forEach((j) => console.log(`${j.id}\t${j.kind}\t${j.status}\t${Math.round(j.progress * 100)}%\t${j.message}`)),
    );
  });

program
  .command('layers <study> <version>')
  .description('a model version\'s layers (<model>@<version>) with output shapes, unit counts and summaries')
  .option('--dataset <name>')
  .option('--json', 'print JSON')
  .action(async (studyName: string, ref: string, opts: { dataset?: string; json?: boolean }) => {
    const { model: modelName, version } = versionRef(ref);
    const detail = await api().versions.get.query({ study: studyName, model: modelName, version });
    const summary = await api().layers.summary.query({ study: studyName, model: modelName, version, dataset: opts.dataset });
    const byName = new Map(summary.layers.map((l) => [l.layer, l]));
    const layers = detail.layers.map((l) => ({ ...l, summary: byName.get(l.name) ?? null }));
    print(!!opts.json, { version: detail.version, dataset: summary.dataset, layers }, () =>
      layers.forEach((l) =>
        console.log(`${l.index}\t${l.name}\t${l.op}\t[${l.outputShape.join('×')}]\t${l.unitCount} units${l.summary ? `\t${l.summary.deadUnits} dead` : ''}`),
      ),
    );
  });

program
  .command('unit <study> <version> <layer> <unit>')
  .description('statistics and top-k dataset examples (with argmax locations) of one unit')
  .option('--dataset <name>')
  .option('--json', 'print JSON')
  .action(async (studyName: string, ref: string, layer: string, unit: string, opts: { dataset?: string; json?: boolean }) => {
    const { model: modelName, version } = versionRef(ref);
    const result = await api().units.get.query({ study: studyName, model: modelName, version, layer, unit: nonNegativeInt(unit), dataset: opts.dataset });
    print(!!opts.json, result, () => {
      if (!result.stats.length) console.log('no statistics yet: run "microscope run activations" for this version');
      for (const s of result.stats) {
        console.log(`${s.pooling}-pooled: mean ${s.mean.toFixed(4)} std ${s.std.toFixed(4)} min ${s.min.toFixed(4)} max ${s.max.toFixed(4)} >0 ${(s.fractionPositive * 100).toFixed(1)}% (n=${s.count})`);
      }
      for (const t of result.topK) console.log(`#${t.rank}\timage ${t.imageIndex}\t${t.value.toFixed(4)}\tat (${t.argmaxY}, ${t.argmaxX}) of ${t.gridHeight}×${t.gridWidth}\t${t.label}`);
    });
  });

program
  .command('info')
  .description('the API address and the tensor backend it runs on')
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }) => {
    const info = await api().system.info.query();
    print(!!opts.json, { api: apiUrl(), ...info }, () => console.log(`${apiUrl()}: backend ${info.backend.name} (${info.backend.threads} threads), blobs ${info.blobs}`));
  });

/** A model's files: a folder (all its files), a model.json with its shards, or one ONNX file (with external data beside it). */
async function modelFiles(target: string): Promise<{ name: string; path: string }[]> {
  const info = await stat(target).catch(() => {
    throw new Error(`${target} does not exist`);
  });
  if (info.isDirectory()) {
    const names = (await readdir(target, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
    if (!names.includes('model.json') && !names.some((n) => n.endsWith('.onnx'))) throw new Error(`${target} holds neither a model.json nor a .onnx file`);
    return names.map((name) => ({ name, path: path.join(target, name) }));
  }
  const dir = path.dirname(target);
  const base = path.basename(target);
  if (base.endsWith('.json')) {
    let manifest: { weightsManifest?: { paths: string[] }[] };
    try {
      manifest = JSON.parse(await readFile(target, 'utf8'));
    } catch (e) {
      throw new Error(`${target} is not valid JSON (${(e as Error).message})`);
    }
    const shards = (manifest.weightsManifest ?? []).flatMap((g) => g.paths ?? []);
    return [{ name: 'model.json', path: target }, ...shards.map((s) => ({ name: s, path: path.join(dir, s) }))];
  }
  // One ONNX file: its external-data files (paths relative to it) travel with it, under the same names.
  // Loaded only here: the engine brings tfjs, which other commands do not need.
  const { onnxExternalDataFiles } = await import('@microscope/engine');
  const external = onnxExternalDataFiles(new Uint8Array(await readFile(target)), base).map((name) => ({ name, path: path.join(dir, name) }));
  for (const file of external) {
    if (!(await stat(file.path).catch(() => null))?.isFile()) throw new Error(`${target} keeps weights in ${file.path}, which does not exist`);
  }
  return [{ name: base, path: target }, ...external];
}

registerCompareCommands(program);
registerRenderCommands(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(`microscope: ${describeError(e)}`);
  process.exit(1);
});
