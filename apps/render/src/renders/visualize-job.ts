import { MicroscopeError, renderLayerPrefix, type Job, type VisualizeJobParams } from '@microscope/contracts';
import { optvis } from '@microscope/engine';
import type { ProgressReporter } from '../progress';
import { loadLayer, PieceProgress, storePicture, type RenderJobDeps } from './render-context';
import { visualizeUnits } from './visualize-units';

/**
 * Feature visualizations of a layer's units. Units whose picture is already stored are skipped, so asking again
 * costs nothing and a job that was killed resumes at the first batch it had not finished. Each finished batch is
 * stored before the next starts.
 */
export async function visualizeJob(deps: RenderJobDeps, job: Job, params: VisualizeJobParams, progress: ProgressReporter): Promise<void> {
  const { version, ir, layer, forward } = await loadLayer(deps, params.versionId, params.layer);
  const units = params.units.length ? [...new Set(params.units)].sort((a, b) => a - b) : Array.from({ length: layer.unitCount }, (_, u) => u);
  const outside = units.filter((u) => u >= layer.unitCount);
  if (outside.length) throw new MicroscopeError('INVALID_INPUT', `layer "${layer.name}" has units 0–${layer.unitCount - 1}; asked for ${outside.slice(0, 5).join(', ')}`);

  const keys = optvis.visualizationKeys(version, params, units);
  const stored = new Set((await deps.blobs.list(renderLayerPrefix(version.contentHash, layer.name))).map((b) => b.key));
  const todo = units.filter((u) => !stored.has(keys.get(u)!));
  const log = deps.log.child({ jobId: job.id, versionId: version.id, layer: layer.name });
  const skipped = units.length - todo.length;
  if (todo.length === 0) {
    await progress.report('succeeded', 1, `all ${units.length} ${params.objective} pictures already rendered`);
    return;
  }

  const started = Date.now();
  const pieces = new PieceProgress(progress, todo.length);
  let done = 0;
  await pieces.finished(0, `rendering ${todo.length} units${skipped ? ` (${skipped} already done)` : ''}`);
  const rendering = visualizeUnits({
    forward,
    // A softmax layer's pictures optimise its logits (Lucid): probabilities saturate.
    layer: optvis.optimisedNode(ir, layer.name),
    units: todo,
    objective: params.objective,
    imagesPerBatch: params.unitsPerBatch,
    steps: params.steps,
    size: params.size,
    learningRate: params.learningRate,
    seed: params.seed,
    channels: version.input.channels,
    inputSize: [version.input.height, version.input.width],
    signal: deps.signal,
    onStep: ({ step, steps, batch, batches, units: inBatch, restarting }) =>
      restarting
        ? pieces.within(done, inBatch, `batch ${batch + 1}/${batches}: ${restarting} units again from a flat start, step ${step}/${steps}`)
        : pieces.within(done, (inBatch * step) / steps, `batch ${batch + 1}/${batches}: step ${step}/${steps}`),
  });
  for await (const batch of rendering) {
    await Promise.all(batch.map((picture) => storePicture(deps.blobs, keys.get(picture.unit)!, picture)));
    done += batch.length;
    await pieces.finished(done, `rendered ${done}/${todo.length} units`);
  }
  const seconds = (Date.now() - started) / 1000;
  log.info({ units: todo.length, skipped, seconds, unitsPerMinute: (60 * todo.length) / seconds }, 'visualizations rendered');
  await progress.report('succeeded', 1, `rendered ${todo.length} units${skipped ? `, ${skipped} already done` : ''} in ${seconds.toFixed(0)} s`);
}
