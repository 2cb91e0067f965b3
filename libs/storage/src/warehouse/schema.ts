/**
 * The one warehouse schema (ClickHouse DDL), run by every Warehouse implementation's `migrate()`.
 *
 * It must run unchanged on chDB (ClickHouse 26) and on the ClickHouse 18.16 server, so it uses only what both accept:
 * MergeTree-family engines with `ORDER BY`, String ids, `DateTime('UTC')`, Array, Nullable, Enum8 — no DateTime64, Map,
 * TTL, LowCardinality or JSON functions. Integer columns are at most 32 bits so JSON results never carry quoted 64-bit
 * integers (counts over one probe set stay far below 2^32).
 *
 * Every table is a ReplacingMergeTree whose sorting key is the identity of a logical row, so an at-least-once
 * consumer that inserts the same rows twice changes nothing: readers use FINAL (or argMax). Where a row can be
 * recomputed, its version column (`updated_at` / `computed_at`) makes the newest computation win; a redelivered stale
 * message cannot overwrite a newer result. Timestamps are UTC: insert them with `toDateTimeText()`.
 */

export interface TableSchema {
  name: string;
  /** Columns of the sorting key: what makes two rows "the same row". */
  key: readonly string[];
  ddl: string;
}

const UTC = "DateTime('UTC')";

function table(name: string, columns: string[], engine: string, key: string[]): TableSchema {
  const ddl =
    `CREATE TABLE IF NOT EXISTS ${name} (\n  ${columns.join(',\n  ')}\n)\n` + `ENGINE = ${engine}\nORDER BY (${key.join(', ')})`;
  return { name, key, ddl };
}

const replacing = (version?: string) => (version ? `ReplacingMergeTree(${version})` : 'ReplacingMergeTree()');

// ---- catalog (owned by ingest) ----

const studies = table(
  'studies',
  ['id String', 'name String', 'description String', `created_at ${UTC}`, `updated_at ${UTC}`],
  replacing('updated_at'),
  ['id'],
);

const models = table(
  'models',
  ['id String', 'study_id String', 'name String', 'architecture String', `created_at ${UTC}`, `updated_at ${UTC}`],
  replacing('updated_at'),
  ['id'],
);

const modelVersions = table(
  'model_versions',
  [
    'id String',
    'model_id String',
    'study_id String',
    'label String',
    'content_hash String',
    "format String COMMENT 'tfjs-layers | tfjs-graph | onnx'",
    'input_height UInt32',
    'input_width UInt32',
    'input_channels UInt16',
    "preprocessing String COMMENT 'JSON of contracts Preprocessing'",
    "training String COMMENT 'JSON of contracts TrainingMetadata'",
    'ordinal UInt32',
    `created_at ${UTC}`,
    `updated_at ${UTC}`,
  ],
  replacing('updated_at'),
  ['id'],
);

const layers = table(
  'layers',
  [
    'version_id String',
    'name String',
    'op String',
    "output_shape Array(UInt32) COMMENT 'without the batch dimension, channels-last'",
    'unit_count UInt32',
    "position UInt32 COMMENT 'order in the graph, input to output'",
  ],
  replacing(),
  ['version_id', 'name'],
);

const datasets = table(
  'datasets',
  ['id String', 'study_id String', 'name String', 'description String', 'image_count UInt32', `created_at ${UTC}`, `updated_at ${UTC}`],
  replacing('updated_at'),
  ['id'],
);

const datasetImages = table(
  'dataset_images',
  [
    'dataset_id String',
    "image_index UInt32 COMMENT 'stable position: the row of every activation matrix'",
    'content_hash String',
    "object_key String COMMENT 'blob store key of the PNG'",
    'width UInt32',
    'height UInt32',
    'channels UInt16',
    'label String',
  ],
  replacing(),
  ['dataset_id', 'image_index'],
);

const jobs = table(
  'jobs',
  ['id String', 'study_id String', 'kind String', "params String COMMENT 'JSON of contracts JobParams'", `created_at ${UTC}`],
  replacing(),
  ['id'],
);

/** Append-only: a job's status is its event with the highest seq. */
const jobEvents = table(
  'job_events',
  [
    'job_id String',
    'seq UInt32',
    "status Enum8('queued' = 1, 'running' = 2, 'succeeded' = 3, 'failed' = 4)",
    'progress Float64',
    'message String',
    `occurred_at ${UTC}`,
  ],
  replacing(),
  ['job_id', 'seq'],
);

// ---- analytics (owned by analytics; written from activation batches) ----

const POOLING = "Enum8('mean' = 1, 'max' = 2)";

const unitStats = table(
  'unit_stats',
  [
    'version_id String',
    'dataset_id String',
    'layer String',
    'unit UInt32',
    `pooling ${POOLING}`,
    'count UInt32',
    'mean Float64',
    'std Float64',
    'min Float64',
    'max Float64',
    'fraction_positive Float64',
    "histogram_edges Array(Float64) COMMENT 'bins + 1 edges; the last bin includes its right edge'",
    'histogram_counts Array(UInt32)',
    'job_id String',
    `computed_at ${UTC}`,
  ],
  replacing('computed_at'),
  ['version_id', 'dataset_id', 'layer', 'unit', 'pooling'],
);

const unitTopK = table(
  'unit_topk',
  [
    'version_id String',
    'dataset_id String',
    'layer String',
    'unit UInt32',
    "rank UInt16 COMMENT '0 = strongest, by spatial max'",
    'image_index UInt32',
    'value Float64',
    'argmax_y UInt16',
    'argmax_x UInt16',
    'grid_h UInt16',
    'grid_w UInt16',
    'job_id String',
    `computed_at ${UTC}`,
  ],
  replacing('computed_at'),
  ['version_id', 'dataset_id', 'layer', 'unit', 'rank'],
);

/** The pooled activation matrix (units × probe images) all similarity is computed from. */
const unitActivations = table(
  'unit_activations',
  [
    'version_id String',
    'dataset_id String',
    'layer String',
    'unit UInt32',
    'image_index UInt32',
    'mean Float32',
    'max Float32',
    'argmax_y UInt16',
    'argmax_x UInt16',
  ],
  replacing(),
  ['version_id', 'dataset_id', 'layer', 'unit', 'image_index'],
);

/** For each unit, its best matching units in another version's layer, ranked by score. */
const unitMatches = table(
  'unit_matches',
  [
    'version_id String',
    'dataset_id String',
    'layer String',
    'unit UInt32',
    "method String COMMENT 'e.g. correlation of mean-pooled activations'",
    'other_version_id String',
    'other_layer String',
    "rank UInt16 COMMENT '0 = best match'",
    'other_unit UInt32',
    'score Float64',
    'job_id String',
    `computed_at ${UTC}`,
  ],
  replacing('computed_at'),
  ['version_id', 'dataset_id', 'layer', 'unit', 'method', 'other_version_id', 'other_layer', 'rank'],
);

const layerSimilarity = table(
  'layer_similarity',
  [
    'dataset_id String',
    "method String COMMENT 'cka | svcca | mean-max-correlation | …'",
    'version_a String',
    'layer_a String',
    'version_b String',
    'layer_b String',
    'value Float64',
    'job_id String',
    `computed_at ${UTC}`,
  ],
  replacing('computed_at'),
  ['dataset_id', 'method', 'version_a', 'version_b', 'layer_a', 'layer_b'],
);

/** A unit's response to one family of synthetic stimuli swept along one parameter. */
const tuningCurves = table(
  'tuning_curves',
  [
    'version_id String',
    'layer String',
    'unit UInt32',
    "stimulus String COMMENT 'family: grating, …'",
    "parameter String COMMENT 'the swept parameter: orientation, frequency, …'",
    "params_hash String COMMENT 'hash of the fixed stimulus parameters'",
    'xs Array(Float64)',
    'responses Array(Float64)',
    'job_id String',
    `computed_at ${UTC}`,
  ],
  replacing('computed_at'),
  ['version_id', 'layer', 'unit', 'stimulus', 'parameter', 'params_hash'],
);

/** Every table, in creation order. */
export const WAREHOUSE_TABLES: readonly TableSchema[] = [
  studies,
  models,
  modelVersions,
  layers,
  datasets,
  datasetImages,
  jobs,
  jobEvents,
  unitStats,
  unitTopK,
  unitActivations,
  unitMatches,
  layerSimilarity,
  tuningCurves,
];

export type WarehouseTableName =
  | 'studies'
  | 'models'
  | 'model_versions'
  | 'layers'
  | 'datasets'
  | 'dataset_images'
  | 'jobs'
  | 'job_events'
  | 'unit_stats'
  | 'unit_topk'
  | 'unit_activations'
  | 'unit_matches'
  | 'layer_similarity'
  | 'tuning_curves';

/** The statements `migrate()` runs, one at a time, in order. Each is idempotent. */
export function schemaStatements(): string[] {
  return WAREHOUSE_TABLES.map((t) => t.ddl);
}

/** A timestamp as ClickHouse DateTime text in UTC ("2024-05-01 12:00:00"), the form every driver accepts on insert. */
export function toDateTimeText(time: Date | string): string {
  const date = typeof time === 'string' ? new Date(time) : time;
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a timestamp: ${String(time)}`);
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** ClickHouse DateTime text (UTC, as the schema stores it) back to the ISO-8601 form the contracts use. */
export function fromDateTimeText(text: string): string {
  return `${text.replace(' ', 'T')}.000Z`;
}
