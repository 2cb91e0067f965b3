import { decodeFloat32, decodeUint16, envelope, InvalidMessageError, MicroscopeError, parseMessage, Topics, type ActivationBatch, type ActivationsCompleted } from '@microscope/contracts';
import type { Catalog } from '@microscope/catalog';
import type { Logger } from '@microscope/platform';
import type { Bus, IncomingMessage, Subscription, Warehouse } from '@microscope/storage';
import { computeLayerStatistics } from './layer-statistics';

/**
 * Consumes activation batches into `unit_activations` and, when an extraction completes, computes every unit's
 * statistics and top-k from the stored matrix. Both steps are idempotent (ReplacingMergeTree keys), so a
 * redelivered batch or completion changes nothing; statistics come from the warehouse, not from what this
 * process happened to see, so they are the same whichever consumer or how many restarts it took.
 */
export function createActivationSink(
  deps: { warehouse: Warehouse; catalog: Catalog; bus: Bus; log: Logger },
  retry: { maxAttempts: number; retryDelayMs: number } = { maxAttempts: 5, retryDelayMs: 2000 },
) {
  async function storeBatch(batch: ActivationBatch): Promise<void> {
    const mean = decodeFloat32(batch.mean);
    const max = decodeFloat32(batch.max);
    const argmaxY = decodeUint16(batch.argmaxY);
    const argmaxX = decodeUint16(batch.argmaxX);
    const rows = [];
    for (let i = 0; i < batch.imageIndices.length; i++) {
      for (let u = 0; u < batch.units; u++) {
        const k = i * batch.units + u;
        rows.push({
          version_id: batch.versionId,
          dataset_id: batch.datasetId,
          layer: batch.layer,
          unit: u,
          image_index: batch.imageIndices[i],
          mean: mean[k],
          max: max[k],
          argmax_y: argmaxY[k],
          argmax_x: argmaxX[k],
        });
      }
    }
    await deps.warehouse.insert('unit_activations', rows);
  }

  async function complete(done: ActivationsCompleted, messageId: string): Promise<void> {
    const started = Date.now();
    for (const layer of done.layers) {
      const stored = await countRows(deps.warehouse, done.versionId, done.datasetId, layer.name);
      const expected = done.imageCount * layer.units;
      if (stored !== expected) {
        throw new MicroscopeError('UNAVAILABLE', `layer ${layer.name}: ${stored} of ${expected} activation rows stored; waiting for the rest`);
      }
      const shape = (await deps.catalog.listLayers(done.versionId)).find((l) => l.name === layer.name)?.outputShape ?? [];
      const grid = shape.length === 3 ? { height: shape[0], width: shape[1] } : { height: 1, width: 1 };
      await computeLayerStatistics(deps.warehouse, { ...done, layer: layer.name, units: layer.units, grid });
    }
    deps.log.info({ jobId: done.jobId, versionId: done.versionId, seconds: (Date.now() - started) / 1000 }, 'statistics stored');
    const payload = { jobId: done.jobId, status: 'succeeded' as const, progress: 1, message: `statistics for ${done.layers.length} layers` };
    await deps.bus.publish(Topics.progress, [
      { key: done.versionId, value: JSON.stringify(envelope('job.progress', payload, `${messageId}:succeeded`)) },
    ]);
  }

  async function handle(message: IncomingMessage): Promise<void> {
    const parsed = parseMessage(message.value);
    if (parsed.type === 'activations.batch') return storeBatch(parsed.payload);
    if (parsed.type !== 'activations.completed') throw new InvalidMessageError(`unexpected message type ${parsed.type} on ${Topics.activations}`);
    try {
      await complete(parsed.payload, parsed.envelope.id);
    } catch (e) {
      if (message.attempt < retry.maxAttempts) throw e;
      // Out of retries: say so on the job, or its status would stay "running" for ever.
      const payload = { jobId: parsed.payload.jobId, status: 'failed' as const, progress: 0.9, message: (e as Error).message };
      await deps.bus.publish(Topics.progress, [
        { key: message.key, value: JSON.stringify(envelope('job.progress', payload, `${parsed.envelope.id}:failed`)) },
      ]);
    }
  }

  let subscription: Subscription | undefined;
  return {
    async start(): Promise<void> {
      subscription = await deps.bus.subscribe({ topic: Topics.activations, group: 'analytics', handler: handle, ...retry });
    },
    async stop(): Promise<void> {
      await subscription?.close();
    },
  };
}

async function countRows(warehouse: Warehouse, versionId: string, datasetId: string, layer: string): Promise<number> {
  const [row] = await warehouse.query<{ n: number }>(
    `SELECT toUInt32(count()) AS n FROM unit_activations FINAL
     WHERE version_id = {versionId:String} AND dataset_id = {datasetId:String} AND layer = {layer:String}`,
    { versionId, datasetId, layer },
  );
  return Number(row.n);
}
