import { MicroscopeError, type Job, type StimulusFamily, type TuningJobParams } from '@microscope/contracts';
import { stimuli } from '@microscope/engine';
import { toDateTimeText } from '@microscope/storage';
import type { ProgressReporter } from '../progress';
import { loadLayer, PieceProgress, type RenderJobDeps } from './render-context';
import { tuningRows, type TuningRow } from './tuning-rows';

/** Stimuli per forward pass: forward-only, so larger than an optimisation batch. */
const STIMULI_PER_BATCH = 64;
const ROWS_PER_INSERT = 5000;

function family(kind: StimulusFamily, size: number, channels: number): stimuli.StimulusFamily {
  switch (kind) {
    case 'grating':
      return stimuli.gratings({ size, channels });
    case 'colour':
      return stimuli.colours({ size, channels });
    case 'curve':
      return stimuli.curves({ size, channels });
    case 'edge':
      return stimuli.edges({ size, channels });
  }
}

/**
 * Tuning curves of every unit of a layer: each stimulus family swept once through the network, every unit's
 * centre response kept (max over a grating's phase), stored as `tuning_curves` rows. The render worker writes
 * them to the warehouse itself: they are few (units × families × a handful of slices), and the table's
 * ReplacingMergeTree key makes a redelivered job's second insert a no-op.
 */
export async function tuningJob(deps: RenderJobDeps, job: Job, params: TuningJobParams, progress: ProgressReporter): Promise<void> {
  const warehouse = deps.warehouse;
  if (!warehouse) throw new MicroscopeError('UNSUPPORTED', 'this render worker was started without a warehouse, so it cannot store tuning curves');
  const { version, layer, forward } = await loadLayer(deps, params.versionId, params.layer);
  // Square stimuli as large as the input; the forward pass resizes them to a non-square input.
  const size = Math.max(version.input.height, version.input.width);
  const families = [...new Set(params.families)];
  const pieces = new PieceProgress(progress, families.length);
  const base = { version_id: version.id, layer: layer.name, job_id: job.id, computed_at: toDateTimeText(new Date()) };
  let stored = 0;
  for (const [f, kind] of families.entries()) {
    const curves = await stimuli.tuningCurves(forward, layer.name, 'all', family(kind, size, version.input.channels), {
      batchSize: STIMULI_PER_BATCH,
      signal: deps.signal,
      onProgress: (done, total) => pieces.within(f, done / total, `${kind}: ${done}/${total} stimuli`),
    });
    const rows: TuningRow[] = curves.flatMap((curve) => tuningRows(curve, kind, base));
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) await warehouse.insert('tuning_curves', rows.slice(i, i + ROWS_PER_INSERT));
    stored += rows.length;
    await pieces.finished(f + 1, `${kind}: ${curves.length} units`);
  }
  deps.log.info({ jobId: job.id, versionId: version.id, layer: layer.name, rows: stored }, 'tuning curves stored');
  await progress.report('succeeded', 1, `${stored} tuning curves for ${layer.unitCount} units`);
}
