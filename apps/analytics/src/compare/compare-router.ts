import { MicroscopeError, SimilarityMetric, Slug, type Dataset, type ModelVersion } from '@microscope/contracts';
import type { Catalog } from '@microscope/catalog';
import { publicProcedure, router } from '@microscope/platform';
import type { Warehouse } from '@microscope/storage';
import { z } from 'zod';
import { MatchMethod } from './comparison-rows';
import {
  bestMatchSummary,
  chainBestMatches,
  similarityToReference,
  storedLayerSimilarity,
  storedUnitMatches,
  versionsWithActivations,
} from './compare-queries';
import { followUnit } from './trajectory';

const METRICS = SimilarityMetric.options;
/** Rows (= columns) of the study-wide matrix: 400² values is about 1 MB of JSON. */
const STUDY_MATRIX_MAX = 400;
const StudyRef = z.object({ study: Slug, dataset: Slug.optional() });
const PairRef = StudyRef.extend({ model: Slug, version: Slug, otherModel: Slug, otherVersion: Slug });
const UnitRef = StudyRef.extend({ model: Slug, version: Slug, layer: z.string().min(1), unit: z.number().int().nonnegative() });

/**
 * Queries of stored comparisons: the layer × layer similarity of two versions, a unit's best matches in other
 * versions, and a unit's trajectory through a model's checkpoints. Results appear once the comparison jobs
 * (requested through ingest's `jobs.requestCompare` / `requestStudyComparisons` / `requestChainComparisons`) ran.
 */
export function createCompareRouter(deps: { warehouse: Warehouse; catalog: Catalog }) {
  const { catalog, warehouse } = deps;

  async function datasetOf(studyId: string, studyName: string, name?: string): Promise<Dataset> {
    const datasets = await catalog.listDatasets(studyId);
    const dataset = name ? datasets.find((d) => d.name === name) : datasets[0];
    if (!dataset) throw new MicroscopeError('NOT_FOUND', name ? `no dataset named "${name}" in study "${studyName}"` : `study "${studyName}" has no datasets`);
    return dataset;
  }

  async function layersOf(version: ModelVersion) {
    return (await catalog.listLayers(version.id)).map((l) => ({ name: l.name, units: l.unitCount }));
  }

  async function namedLayer(version: ModelVersion, name: string, layer: string) {
    const found = (await layersOf(version)).find((l) => l.name === layer);
    if (!found) throw new MicroscopeError('NOT_FOUND', `no layer named "${layer}" in ${name}`);
    return found;
  }

  return router({
    /** Layer × layer similarity of A (rows) and B (columns) for each metric, and how well A's units are matched in B. */
    layers: publicProcedure
      .input(PairRef.extend({ metric: SimilarityMetric.optional(), threshold: z.number().min(-1).max(1).default(0.9) }))
      .query(async ({ input }) => {
        const a = await catalog.resolveVersion(input.study, input.model, input.version);
        const b = await catalog.resolveVersion(input.study, input.otherModel, input.otherVersion);
        const dataset = await datasetOf(a.study.id, a.study.name, input.dataset);
        const [layersA, layersB] = await Promise.all([layersOf(a.version), layersOf(b.version)]);
        const metrics = input.metric ? [input.metric] : METRICS;
        const key = { datasetId: dataset.id, versionA: a.version.id, versionB: b.version.id };
        const [entries, summary] = await Promise.all([
          storedLayerSimilarity(warehouse, { ...key, metrics }),
          bestMatchSummary(warehouse, { ...key, threshold: input.threshold }),
        ]);
        const rowOf = new Map(layersA.map((l, i) => [l.name, i]));
        const colOf = new Map(layersB.map((l, j) => [l.name, j]));
        const matrices: Partial<Record<SimilarityMetric, (number | null)[][]>> = {};
        for (const entry of entries) {
          const i = rowOf.get(entry.layerA);
          const j = colOf.get(entry.layerB);
          if (i === undefined || j === undefined) continue;
          matrices[entry.metric] ??= layersA.map(() => layersB.map(() => null));
          matrices[entry.metric]![i][j] = entry.value;
        }
        const bySummary = new Map(summary.map((s) => [s.layer, s]));
        return {
          dataset: dataset.name,
          a: { model: a.model.name, version: a.version.label, layers: layersA },
          b: { model: b.model.name, version: b.version.label, layers: layersB },
          computed: entries.length > 0,
          jobIds: [...new Set(entries.map((e) => e.jobId))],
          computedAt: entries.reduce<string | null>((latest, e) => (latest && latest > e.computedAt ? latest : e.computedAt), null),
          metrics: matrices,
          threshold: input.threshold,
          bestMatches: layersA.flatMap((l) => {
            const s = bySummary.get(l.name);
            return s ? [{ ...s, layerUnits: l.units }] : [];
          }),
        };
      }),

    /** A unit's best matches in every compared version (or one), best first, with the one-to-one partners. */
    unitMatches: publicProcedure
      .input(UnitRef.extend({ otherModel: Slug.optional(), otherVersion: Slug.optional(), k: z.number().int().positive().max(50).default(5) }))
      .query(async ({ input }) => {
        if (input.otherVersion && !input.otherModel) throw new MicroscopeError('INVALID_INPUT', 'an other version label needs its model (otherModel)');
        const { study, model, version } = await catalog.resolveVersion(input.study, input.model, input.version);
        const layer = (await catalog.listLayers(version.id)).find((l) => l.name === input.layer);
        if (!layer) throw new MicroscopeError('NOT_FOUND', `no layer named "${input.layer}" in ${model.name}@${version.label}`);
        if (input.unit >= layer.unitCount) throw new MicroscopeError('NOT_FOUND', `layer "${layer.name}" has units 0–${layer.unitCount - 1}; there is no unit ${input.unit}`);
        const dataset = await datasetOf(study.id, study.name, input.dataset);
        const versions = await catalog.listStudyVersions(study.id);
        const models = new Map((await catalog.listModels(study.id)).map((m) => [m.id, m.name]));
        let others: string[] = [];
        if (input.otherModel) {
          others = versions
            .filter((v) => models.get(v.modelId) === input.otherModel && (!input.otherVersion || v.label === input.otherVersion))
            .map((v) => v.id);
          if (!others.length) throw new MicroscopeError('NOT_FOUND', `no version ${input.otherModel}${input.otherVersion ? `@${input.otherVersion}` : ''} in study "${study.name}"`);
        }
        const stored = await storedUnitMatches(warehouse, { datasetId: dataset.id, versionId: version.id, layer: layer.name, unit: input.unit, otherVersionIds: others });
        const byVersion = new Map<string, typeof stored>();
        for (const match of stored) byVersion.set(match.otherVersionId, [...(byVersion.get(match.otherVersionId) ?? []), match]);
        const matches = versions
          .filter((v) => byVersion.has(v.id))
          .sort((x, y) => (models.get(x.modelId) ?? '').localeCompare(models.get(y.modelId) ?? '') || x.ordinal - y.ordinal)
          .map((v) => {
            const rows = byVersion.get(v.id)!;
            const topK = rows.filter((r) => r.method === MatchMethod.topK);
            return {
              model: models.get(v.modelId) ?? v.modelId,
              version: v.label,
              ordinal: v.ordinal,
              best: [...topK]
                .sort((x, y) => y.correlation - x.correlation || x.otherLayer.localeCompare(y.otherLayer) || x.otherUnit - y.otherUnit)
                .slice(0, input.k)
                .map((r) => ({ layer: r.otherLayer, unit: r.otherUnit, correlation: r.correlation })),
              sameLayer: topK.filter((r) => r.otherLayer === layer.name).map((r) => ({ rank: r.rank, unit: r.otherUnit, correlation: r.correlation })),
              oneToOne: rows.filter((r) => r.method === MatchMethod.oneToOne).map((r) => ({ layer: r.otherLayer, unit: r.otherUnit, correlation: r.correlation })),
            };
          });
        return { model: model.name, version: version.label, layer: layer.name, unit: input.unit, dataset: dataset.name, matches };
      }),

    /**
     * The whole study at once: every layer of every version extracted on the dataset (model, then checkpoint
     * order) against every other, one metric. A layer with itself is 1; pairs inside one version, and pairs whose
     * versions are not compared yet, are null. `compared` counts the pairs of versions with values.
     */
    studyLayers: publicProcedure
      .input(StudyRef.extend({ metric: SimilarityMetric.default('cka'), layers: z.array(z.string().min(1)).max(STUDY_MATRIX_MAX).optional() }))
      .query(async ({ input }) => {
        const study = await catalog.getStudy(input.study);
        const dataset = await datasetOf(study.id, study.name, input.dataset);
        const models = new Map((await catalog.listModels(study.id)).map((m) => [m.id, m.name]));
        const all = await catalog.listStudyVersions(study.id);
        const extracted = await versionsWithActivations(warehouse, { datasetId: dataset.id, versionIds: all.map((v) => v.id) });
        const versions = all
          .filter((v) => extracted.has(v.id))
          .sort((x, y) => (models.get(x.modelId) ?? '').localeCompare(models.get(y.modelId) ?? '') || x.ordinal - y.ordinal);
        const only = input.layers && new Set(input.layers);
        const layers = (await Promise.all(versions.map(layersOf))).map((list) => (only ? list.filter((l) => only.has(l.name)) : list));
        const total = layers.reduce((sum, list) => sum + list.length, 0);
        if (total > STUDY_MATRIX_MAX) {
          throw new MicroscopeError('INVALID_INPUT', `the study has ${total} layers over its versions (at most ${STUDY_MATRIX_MAX} fit one matrix): choose some with \`layers\``);
        }
        const rowOf = new Map<string, number>();
        let n = 0;
        versions.forEach((v, i) => layers[i].forEach((l) => rowOf.set(`${v.id}/${l.name}`, n++)));
        const values: (number | null)[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : null)));
        const compared = new Set<string>();
        for (const e of await storedStudySimilarity(warehouse, { datasetId: dataset.id, metric: input.metric, versionIds: versions.map((v) => v.id) })) {
          const i = rowOf.get(`${e.versionA}/${e.layerA}`);
          const j = rowOf.get(`${e.versionB}/${e.layerB}`);
          if (i === undefined || j === undefined || e.versionA === e.versionB) continue;
          values[i][j] = e.value;
          compared.add([e.versionA, e.versionB].sort().join('/'));
        }
        return {
          dataset: dataset.name,
          metric: input.metric,
          versions: versions.map((v, i) => ({ model: models.get(v.modelId) ?? v.modelId, version: v.label, layers: layers[i] })),
          pairs: (versions.length * (versions.length - 1)) / 2,
          compared: compared.size,
          values,
        };
      }),

    /**
     * The unit matching table of one layer pair (a heatmap cell): every unit of `layer` of A with its best matches
     * among the units of `otherLayer` of B (best first, at most k) and its one-to-one partner there. Units without
     * a stored match (constant on the probe set, or not compared yet) have empty `best`; `computed` says whether
     * the pair has any match stored at all.
     */
    layerPairMatches: publicProcedure
      .input(PairRef.extend({ layer: z.string().min(1), otherLayer: z.string().min(1), k: z.number().int().positive().max(50).default(3) }))
      .query(async ({ input }) => {
        const a = await catalog.resolveVersion(input.study, input.model, input.version);
        const b = await catalog.resolveVersion(input.study, input.otherModel, input.otherVersion);
        const dataset = await datasetOf(a.study.id, a.study.name, input.dataset);
        const [layerA, layerB] = await Promise.all([
          namedLayer(a.version, `${a.model.name}@${a.version.label}`, input.layer),
          namedLayer(b.version, `${b.model.name}@${b.version.label}`, input.otherLayer),
        ]);
        const rows = await storedPairMatches(warehouse, { datasetId: dataset.id, versionA: a.version.id, layerA: layerA.name, versionB: b.version.id, layerB: layerB.name });
        const units = Array.from({ length: layerA.units }, (_, unit) => ({
          unit,
          best: [] as Array<{ unit: number; correlation: number }>,
          oneToOne: null as { unit: number; correlation: number } | null,
        }));
        for (const r of rows) {
          const entry = units[r.unit];
          if (!entry) continue;
          if (r.method === MatchMethod.topK && entry.best.length < input.k) entry.best.push({ unit: r.otherUnit, correlation: r.correlation });
          else if (r.method === MatchMethod.oneToOne) entry.oneToOne = { unit: r.otherUnit, correlation: r.correlation };
        }
        return {
          dataset: dataset.name,
          a: { model: a.model.name, version: a.version.label, layer: layerA.name, units: layerA.units },
          b: { model: b.model.name, version: b.version.label, layer: layerB.name, units: layerB.units },
          computed: rows.length > 0,
          units,
        };
      }),

    /**
     * A unit of one layer followed through the model's versions (ordinal order) by best matches between
     * consecutive versions, anchored at `version` (default: the last), with a stability score, its direct best
     * match from the anchor, and the layer's similarity to the last version along the chain.
     */
    trajectory: publicProcedure
      .input(
        StudyRef.extend({
          model: Slug,
          layer: z.string().min(1),
          unit: z.number().int().nonnegative(),
          version: Slug.optional(),
          metric: SimilarityMetric.default('cka'),
          threshold: z.number().min(-1).max(1).default(0.5),
        }),
      )
      .query(async ({ input }) => {
        const study = await catalog.getStudy(input.study);
        const model = await catalog.getModel(study.id, input.model);
        const dataset = await datasetOf(study.id, study.name, input.dataset);
        const all = await catalog.listVersions(model.id);
        const extracted = await versionsWithActivations(warehouse, { datasetId: dataset.id, layer: input.layer, versionIds: all.map((v) => v.id) });
        const chain = all.filter((v) => extracted.has(v.id));
        if (!chain.length) {
          throw new MicroscopeError(
            'NOT_FOUND',
            `no version of ${model.name} has activations of layer "${input.layer}" on dataset "${dataset.name}": run "microscope run activations ${study.name} --model ${model.name}" first`,
          );
        }
        const anchor = input.version ? chain.findIndex((v) => v.label === input.version) : chain.length - 1;
        if (anchor < 0) {
          throw new MicroscopeError('NOT_FOUND', `${model.name}@${input.version} has no activations of layer "${input.layer}" on dataset "${dataset.name}" (or no such version)`);
        }
        const layer = (await catalog.listLayers(chain[anchor].id)).find((l) => l.name === input.layer);
        if (!layer || input.unit >= layer.unitCount) {
          throw new MicroscopeError('NOT_FOUND', layer ? `layer "${layer.name}" has units 0–${layer.unitCount - 1}; there is no unit ${input.unit}` : `no layer named "${input.layer}"`);
        }
        const ids = chain.map((v) => v.id);
        const lookup = await chainBestMatches(warehouse, { datasetId: dataset.id, layer: layer.name, versionIds: ids });
        const trajectory = followUnit(chain.length, anchor, input.unit, (from, to, unit) => lookup(ids[from], ids[to], unit), input.threshold);
        const direct = await storedUnitMatches(warehouse, { datasetId: dataset.id, versionId: ids[anchor], layer: layer.name, unit: input.unit, otherVersionIds: ids });
        const directOf = new Map(
          direct.filter((m) => m.method === MatchMethod.topK && m.rank === 0 && m.otherLayer === layer.name).map((m) => [m.otherVersionId, { unit: m.otherUnit, correlation: m.correlation }]),
        );
        const final = ids[ids.length - 1];
        const curve = new Map(
          (await similarityToReference(warehouse, { datasetId: dataset.id, metric: input.metric, referenceId: final, versionIds: ids }))
            .filter((c) => c.layer === layer.name)
            .map((c) => [c.versionId, c.value]),
        );
        return {
          model: model.name,
          layer: layer.name,
          unit: input.unit,
          dataset: dataset.name,
          anchor: chain[anchor].label,
          metric: input.metric,
          threshold: input.threshold,
          chain: chain.map((v, i) => ({
            version: v.label,
            ordinal: v.ordinal,
            unit: trajectory.points[i].unit,
            link: trajectory.points[i].link,
            reciprocal: trajectory.points[i].reciprocal,
            directFromAnchor: i === anchor ? { unit: input.unit, correlation: 1 } : (directOf.get(v.id) ?? null),
            similarityToFinal: v.id === final ? 1 : (curve.get(v.id) ?? null),
          })),
          stability: trajectory.stability,
          weakestLink: trajectory.weakestLink,
          reciprocalFraction: trajectory.reciprocalFraction,
          stableFrom: chain[trajectory.stableSpan.from].label,
          stableTo: chain[trajectory.stableSpan.to].label,
          missing: trajectory.missing.map(([i, j]) => ({ from: chain[i].label, to: chain[j].label })),
        };
      }),

    /** Per layer, its similarity to the same layer of the model's last version, along the chain of versions (those with activations). */
    layerCurves: publicProcedure
      .input(StudyRef.extend({ model: Slug, metric: SimilarityMetric.default('cka') }))
      .query(async ({ input }) => {
        const study = await catalog.getStudy(input.study);
        const model = await catalog.getModel(study.id, input.model);
        const dataset = await datasetOf(study.id, study.name, input.dataset);
        const all = await catalog.listVersions(model.id);
        const extracted = await versionsWithActivations(warehouse, { datasetId: dataset.id, versionIds: all.map((v) => v.id) });
        const chain = all.filter((v) => extracted.has(v.id));
        if (!chain.length) {
          throw new MicroscopeError('NOT_FOUND', `no version of ${model.name} has activations on dataset "${dataset.name}": run "microscope run activations ${study.name} --model ${model.name}" first`);
        }
        const final = chain[chain.length - 1];
        const values = await similarityToReference(warehouse, { datasetId: dataset.id, metric: input.metric, referenceId: final.id, versionIds: chain.map((v) => v.id) });
        const valueOf = new Map(values.map((v) => [`${v.versionId}/${v.layer}`, v.value]));
        const layers = await layersOf(final);
        return {
          model: model.name,
          dataset: dataset.name,
          metric: input.metric,
          final: final.label,
          layers: layers.map((l) => ({
            layer: l.name,
            points: chain.map((v) => ({ version: v.label, ordinal: v.ordinal, value: v.id === final.id ? 1 : (valueOf.get(`${v.id}/${l.name}`) ?? null) })),
          })),
        };
      }),
  });
}
export type CompareRouter = ReturnType<typeof createCompareRouter>;

/** The stored matches of units of one layer of A among the units of one layer of B (both methods), rank order. */
async function storedPairMatches(
  warehouse: Warehouse,
  key: { datasetId: string; versionA: string; layerA: string; versionB: string; layerB: string },
): Promise<Array<{ unit: number; method: string; rank: number; otherUnit: number; correlation: number }>> {
  const rows = await warehouse.query(
    `SELECT unit, method, rank, other_unit, score FROM unit_matches FINAL
     WHERE version_id = {versionA:String} AND dataset_id = {datasetId:String} AND layer = {layerA:String}
       AND other_version_id = {versionB:String} AND other_layer = {layerB:String}
     ORDER BY unit, method, rank`,
    key,
  );
  return rows.map((r) => ({ unit: Number(r.unit), method: String(r.method), rank: Number(r.rank), otherUnit: Number(r.other_unit), correlation: Number(r.score) }));
}

/** Every stored layer-similarity value of one metric between versions of a set (both orders are stored). */
async function storedStudySimilarity(
  warehouse: Warehouse,
  key: { datasetId: string; metric: SimilarityMetric; versionIds: readonly string[] },
): Promise<Array<{ versionA: string; layerA: string; versionB: string; layerB: string; value: number }>> {
  const rows = await warehouse.query(
    `SELECT version_a, layer_a, version_b, layer_b, value FROM layer_similarity FINAL
     WHERE dataset_id = {datasetId:String} AND method = {metric:String}
       AND has({versions:Array(String)}, version_a) AND has({versions:Array(String)}, version_b)`,
    { datasetId: key.datasetId, metric: key.metric, versions: [...key.versionIds] },
  );
  return rows.map((r) => ({ versionA: String(r.version_a), layerA: String(r.layer_a), versionB: String(r.version_b), layerB: String(r.layer_b), value: Number(r.value) }));
}
