import { randomUUID } from 'node:crypto';
import { catalogNow, type Catalog } from '@microscope/catalog';
import type { Layer, ModelVersion } from '@microscope/contracts';

/** For specs: registers version `label` of model "m" (a 2×2 grey input, a random content hash) with the given layers. */
export async function addTestVersion(catalog: Catalog, studyId: string, label: string, ordinal: number, layers: Omit<Layer, 'versionId'>[]): Promise<ModelVersion> {
  const model = await catalog.ensureModel(studyId, 'm', 'test');
  const version: ModelVersion = {
    id: randomUUID(),
    modelId: model.id,
    studyId,
    label,
    contentHash: randomUUID().replace(/-/g, '').padEnd(64, '0'),
    format: 'tfjs-layers',
    input: { height: 2, width: 2, channels: 1 },
    preprocessing: { scale: 1, mean: [0], std: [1] },
    training: {},
    ordinal,
    createdAt: catalogNow(),
  };
  await catalog.addVersion(version, layers);
  return version;
}
