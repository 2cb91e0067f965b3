import type { Row, Warehouse } from '@microscope/storage';
import type { LayerPairResult, OneToOneResult } from './compare-layers';

/**
 * How matches are stored in `unit_matches.method`: the top-k units by Pearson correlation of mean-pooled
 * activations, and the one-to-one (Hungarian) partner, whose score is that same correlation.
 */
export const MatchMethod = { topK: 'correlation', oneToOne: 'hungarian' } as const;
export type MatchMethod = (typeof MatchMethod)[keyof typeof MatchMethod];

export interface ComparisonContext {
  jobId: string;
  datasetId: string;
  versionA: string;
  versionB: string;
  /** ClickHouse DateTime text; the ReplacingMergeTree version, so a recomputation replaces older rows. */
  computedAt: string;
}

/**
 * Buffers a comparison's result rows and inserts them in large batches. Every key is the identity of a result
 * (versions, layers, unit, method, rank), so a redelivered job that recomputes writes the same rows again and
 * readers (FINAL) see one copy. Layer similarity is stored both ways round (the metrics are symmetric), so a
 * reader asks for (A, B) in the order it was given.
 */
export class ComparisonWriter {
  private matches: Row[] = [];
  private similarity: Row[] = [];

  constructor(
    private readonly warehouse: Warehouse,
    private readonly context: ComparisonContext,
    private readonly flushAtRows = 50_000,
  ) {}

  async addPair(result: LayerPairResult): Promise<void> {
    const { context } = this;
    for (const [method, value] of Object.entries(result.similarity)) {
      const common = { dataset_id: context.datasetId, method, value, job_id: context.jobId, computed_at: context.computedAt };
      this.similarity.push({ ...common, version_a: context.versionA, layer_a: result.layerA, version_b: context.versionB, layer_b: result.layerB });
      this.similarity.push({ ...common, version_a: context.versionB, layer_a: result.layerB, version_b: context.versionA, layer_b: result.layerA });
    }
    this.addMatchList(context.versionA, result.layerA, context.versionB, result.layerB, result.matches.xToY);
    this.addMatchList(context.versionB, result.layerB, context.versionA, result.layerA, result.matches.yToX);
    await this.flushIfFull();
  }

  async addOneToOne(result: OneToOneResult): Promise<void> {
    const { context } = this;
    for (const pair of result.pairs) {
      this.matches.push(this.matchRow(context.versionA, result.layerA, pair.unitA, MatchMethod.oneToOne, context.versionB, result.layerB, 0, pair.unitB, pair.correlation));
      this.matches.push(this.matchRow(context.versionB, result.layerB, pair.unitB, MatchMethod.oneToOne, context.versionA, result.layerA, 0, pair.unitA, pair.correlation));
    }
    await this.flushIfFull();
  }

  async flush(): Promise<void> {
    if (this.matches.length) await this.warehouse.insert('unit_matches', this.matches);
    if (this.similarity.length) await this.warehouse.insert('layer_similarity', this.similarity);
    this.matches = [];
    this.similarity = [];
  }

  private addMatchList(
    version: string,
    layer: string,
    otherVersion: string,
    otherLayer: string,
    list: { units: number; k: number; indices: Int32Array; values: Float64Array },
  ): void {
    for (let unit = 0; unit < list.units; unit++) {
      for (let rank = 0; rank < list.k; rank++) {
        const other = list.indices[unit * list.k + rank];
        if (other < 0) break; // fewer live candidates than k, or a dead unit
        this.matches.push(this.matchRow(version, layer, unit, MatchMethod.topK, otherVersion, otherLayer, rank, other, list.values[unit * list.k + rank]));
      }
    }
  }

  private matchRow(version: string, layer: string, unit: number, method: MatchMethod, otherVersion: string, otherLayer: string, rank: number, otherUnit: number, score: number): Row {
    const { context } = this;
    return {
      version_id: version,
      dataset_id: context.datasetId,
      layer,
      unit,
      method,
      other_version_id: otherVersion,
      other_layer: otherLayer,
      rank,
      other_unit: otherUnit,
      score,
      job_id: context.jobId,
      computed_at: context.computedAt,
    };
  }

  private async flushIfFull(): Promise<void> {
    if (this.matches.length + this.similarity.length >= this.flushAtRows) await this.flush();
  }
}
