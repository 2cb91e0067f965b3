import { MicroscopeError, type Dataset, type Layer, type ModelVersion } from '@microscope/contracts';
import type { Catalog } from '@microscope/catalog';
import type { Warehouse } from '@microscope/storage';
import { storedActivationCounts } from './pooled-matrix';

/** "model@label" and the study's name: how a user names a version on the command line. */
export async function versionName(catalog: Catalog, version: ModelVersion): Promise<{ study: string; model: string; label: string; ref: string }> {
  const [study, models] = await Promise.all([catalog.getStudyById(version.studyId), catalog.listModels(version.studyId)]);
  const model = models.find((m) => m.id === version.modelId)?.name ?? version.modelId;
  return { study: study.name, model, label: version.label, ref: `${model}@${version.label}` };
}

/**
 * Refuses to compare a version whose activations on the dataset are missing or incomplete for any of the given
 * layers, with a message that names the extraction to run and the command that runs it.
 */
export async function requireActivations(deps: { warehouse: Warehouse; catalog: Catalog }, version: ModelVersion, dataset: Dataset, layers: readonly Layer[]): Promise<void> {
  const stored = await storedActivationCounts(deps.warehouse, version.id, dataset.id);
  const short = layers
    .map((layer) => ({ layer, have: stored.get(layer.name) ?? 0, want: dataset.imageCount * layer.unitCount }))
    .filter((l) => l.have !== l.want);
  if (!short.length) return;
  const name = await versionName(deps.catalog, version);
  const command = `microscope run activations ${name.study} --model ${name.model} --version ${name.label} --dataset ${dataset.name}`;
  const none = short.every((l) => l.have === 0) && short.length === layers.length;
  const detail = none
    ? `there are no activations of ${name.ref} on dataset "${dataset.name}"`
    : `the activations of ${name.ref} on dataset "${dataset.name}" are incomplete (${short
        .slice(0, 3)
        .map((l) => `layer ${l.layer.name}: ${l.have} of ${l.want} values`)
        .join(', ')}${short.length > 3 ? ', …' : ''}); if its extraction is still running, wait for it`;
  throw new MicroscopeError('NOT_FOUND', `${detail}. Extract them first with "${command}", then request the comparison again`);
}
