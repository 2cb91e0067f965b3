import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ActivationsJobParams, type ModelVersion } from '@microscope/contracts';
import { ChdbWarehouse } from '@microscope/storage';
import { Catalog } from './catalog';
import { catalogNow } from './rows';

describe('Catalog', () => {
  let dir: string;
  let warehouse: ChdbWarehouse;
  let catalog: Catalog;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'catalog-'));
    warehouse = new ChdbWarehouse(dir);
    await warehouse.migrate();
    catalog = new Catalog(warehouse);
  });
  afterAll(async () => {
    await warehouse.close();
    await rm(dir, { recursive: true, force: true });
  });

  const version = (modelId: string, studyId: string, label: string, ordinal: number): ModelVersion => ({
    id: randomUUID(),
    modelId,
    studyId,
    label,
    contentHash: 'a'.repeat(64),
    format: 'tfjs-layers',
    input: { height: 28, width: 28, channels: 1 },
    preprocessing: { scale: 1 / 255, mean: [0], std: [1] },
    training: { seed: 1, epoch: ordinal, note: 'x' },
    ordinal,
    createdAt: catalogNow(),
  });

  it('creates studies once and names the conflict', async () => {
    const study = await catalog.createStudy('seeds', 'do seeds converge?');
    expect(await catalog.getStudy('seeds')).toEqual(study);
    await expect(catalog.createStudy('seeds')).rejects.toMatchObject({ code: 'CONFLICT', message: 'study "seeds" already exists' });
    await expect(catalog.getStudy('other')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('keeps a model\'s versions in checkpoint order with their layers, and refuses a duplicate label', async () => {
    const study = await catalog.getStudy('seeds');
    const model = await catalog.ensureModel(study.id, 'cnn', 'small-cnn');
    expect(await catalog.ensureModel(study.id, 'cnn', 'ignored')).toEqual(model);
    const late = version(model.id, study.id, 'e10', 2);
    const early = version(model.id, study.id, 'e1', 0);
    await catalog.addVersion(late, [{ name: 'conv1', op: 'relu', outputShape: [28, 28, 8], unitCount: 8, index: 0 }]);
    await catalog.addVersion(early, [
      { name: 'conv1', op: 'relu', outputShape: [28, 28, 8], unitCount: 8, index: 0 },
      { name: 'dense', op: 'dense', outputShape: [10], unitCount: 10, index: 1 },
    ]);
    expect((await catalog.listVersions(model.id)).map((v) => v.label)).toEqual(['e1', 'e10']);
    expect(await catalog.getVersionById(early.id)).toEqual(early);
    expect((await catalog.listLayers(early.id)).map((l) => [l.name, l.outputShape, l.unitCount])).toEqual([
      ['conv1', [28, 28, 8], 8],
      ['dense', [10], 10],
    ]);
    await expect(catalog.addVersion(version(model.id, study.id, 'e1', 5), [])).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await catalog.resolveVersion('seeds', 'cnn', 'e10')).version.id).toBe(late.id);
    await expect(catalog.resolveVersion('seeds', 'cnn', 'e99')).rejects.toThrow(/no version labelled "e99"/);
  });

  it('reports a job\'s latest event as its status', async () => {
    const study = await catalog.getStudy('seeds');
    const params = ActivationsJobParams.parse({ kind: 'activations', versionId: randomUUID(), datasetId: randomUUID() });
    const job = { id: randomUUID(), studyId: study.id, kind: 'activations' as const, params, createdAt: catalogNow() };
    await catalog.addJob(job);
    expect(await catalog.getJob(job.id)).toMatchObject({ status: 'queued', progress: 0 });
    for (const [seq, status, progress] of [[0, 'queued', 0], [1, 'running', 0.5], [2, 'succeeded', 1]] as const) {
      await catalog.addJobEvent({ jobId: job.id, seq, status, progress, message: `step ${seq}`, occurredAt: new Date().toISOString() });
    }
    // A redelivered event with an existing seq changes nothing.
    await catalog.addJobEvent({ jobId: job.id, seq: 2, status: 'succeeded', progress: 1, message: 'step 2', occurredAt: new Date().toISOString() });
    expect(await catalog.getJob(job.id)).toMatchObject({ status: 'succeeded', progress: 1, message: 'step 2', params });
    expect(await catalog.nextEventSeq(job.id)).toBe(3);
  });
});
