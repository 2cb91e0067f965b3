import { randomUUID } from 'node:crypto';
import {
  MicroscopeError,
  type Dataset,
  type DatasetImage,
  type Job,
  type JobEvent,
  type JobView,
  type Layer,
  type Model,
  type ModelVersion,
  type Study,
} from '@microscope/contracts';
import type { Row, Warehouse } from '@microscope/storage';
import { toDateTimeText } from '@microscope/storage';
import { catalogNow, fromJson, num, str, toIso } from './rows';

/**
 * The catalog of studies, models, versions, layers, datasets and jobs, stored in the warehouse. Tables are
 * ReplacingMergeTree keyed by id, so every read uses FINAL; ingest is the only writer, which is what makes the
 * name-uniqueness checks here sufficient without database constraints.
 */
export class Catalog {
  constructor(private readonly warehouse: Warehouse) {}

  // ---- studies
  async createStudy(name: string, description = ''): Promise<Study> {
    if (await this.findStudy(name)) throw new MicroscopeError('CONFLICT', `study "${name}" already exists`);
    const study: Study = { id: randomUUID(), name, description, createdAt: catalogNow() };
    const at = toDateTimeText(study.createdAt);
    await this.warehouse.insert('studies', [{ id: study.id, name, description, created_at: at, updated_at: at }]);
    return study;
  }

  async listStudies(): Promise<Study[]> {
    const rows = await this.warehouse.query('SELECT id, name, description, created_at FROM studies FINAL ORDER BY name');
    return rows.map(studyFromRow);
  }

  async findStudy(name: string): Promise<Study | null> {
    const rows = await this.warehouse.query('SELECT id, name, description, created_at FROM studies FINAL WHERE name = {name:String}', { name });
    return rows.length ? studyFromRow(rows[0]) : null;
  }

  async getStudy(name: string): Promise<Study> {
    const study = await this.findStudy(name);
    if (!study) throw new MicroscopeError('NOT_FOUND', `no study named "${name}"`);
    return study;
  }

  async getStudyById(id: string): Promise<Study> {
    const rows = await this.warehouse.query('SELECT id, name, description, created_at FROM studies FINAL WHERE id = {id:String}', { id });
    if (!rows.length) throw new MicroscopeError('NOT_FOUND', `no study with id ${id}`);
    return studyFromRow(rows[0]);
  }

  // ---- models
  async ensureModel(studyId: string, name: string, architecture: string): Promise<Model> {
    const existing = await this.findModel(studyId, name);
    if (existing) return existing;
    const model: Model = { id: randomUUID(), studyId, name, architecture, createdAt: catalogNow() };
    const at = toDateTimeText(model.createdAt);
    await this.warehouse.insert('models', [{ id: model.id, study_id: studyId, name, architecture, created_at: at, updated_at: at }]);
    return model;
  }

  async listModels(studyId: string): Promise<Model[]> {
    const rows = await this.warehouse.query(
      'SELECT id, study_id, name, architecture, created_at FROM models FINAL WHERE study_id = {studyId:String} ORDER BY name',
      { studyId },
    );
    return rows.map(modelFromRow);
  }

  async findModel(studyId: string, name: string): Promise<Model | null> {
    const rows = await this.warehouse.query(
      'SELECT id, study_id, name, architecture, created_at FROM models FINAL WHERE study_id = {studyId:String} AND name = {name:String}',
      { studyId, name },
    );
    return rows.length ? modelFromRow(rows[0]) : null;
  }

  async getModel(studyId: string, name: string): Promise<Model> {
    const model = await this.findModel(studyId, name);
    if (!model) throw new MicroscopeError('NOT_FOUND', `no model named "${name}" in this study`);
    return model;
  }

  // ---- versions
  /** Inserts a version and its layers together; the caller has validated and stored the files first. */
  async addVersion(version: ModelVersion, layers: Omit<Layer, 'versionId'>[]): Promise<void> {
    if (await this.findVersion(version.modelId, version.label)) {
      throw new MicroscopeError('CONFLICT', `model already has a version labelled "${version.label}"`);
    }
    await this.warehouse.insert(
      'layers',
      layers.map((l) => ({ version_id: version.id, name: l.name, op: l.op, output_shape: l.outputShape, unit_count: l.unitCount, position: l.index })),
    );
    // The version row goes last: a version is visible only once its layers are stored.
    await this.warehouse.insert('model_versions', [
      {
        id: version.id,
        model_id: version.modelId,
        study_id: version.studyId,
        label: version.label,
        content_hash: version.contentHash,
        format: version.format,
        input_height: version.input.height,
        input_width: version.input.width,
        input_channels: version.input.channels,
        preprocessing: JSON.stringify(version.preprocessing),
        training: JSON.stringify(version.training),
        ordinal: version.ordinal,
        created_at: toDateTimeText(version.createdAt),
        updated_at: toDateTimeText(version.createdAt),
      },
    ]);
  }

  async listVersions(modelId: string): Promise<ModelVersion[]> {
    const rows = await this.warehouse.query(`${VERSION_SELECT} WHERE model_id = {modelId:String} ORDER BY ordinal, label`, { modelId });
    return rows.map(versionFromRow);
  }

  async listStudyVersions(studyId: string): Promise<ModelVersion[]> {
    const rows = await this.warehouse.query(`${VERSION_SELECT} WHERE study_id = {studyId:String} ORDER BY model_id, ordinal, label`, { studyId });
    return rows.map(versionFromRow);
  }

  async findVersion(modelId: string, label: string): Promise<ModelVersion | null> {
    const rows = await this.warehouse.query(`${VERSION_SELECT} WHERE model_id = {modelId:String} AND label = {label:String}`, { modelId, label });
    return rows.length ? versionFromRow(rows[0]) : null;
  }

  async getVersionById(id: string): Promise<ModelVersion> {
    const rows = await this.warehouse.query(`${VERSION_SELECT} WHERE id = {id:String}`, { id });
    if (!rows.length) throw new MicroscopeError('NOT_FOUND', `no model version with id ${id}`);
    return versionFromRow(rows[0]);
  }

  /** Resolves "model@label" within a study, the way users name versions. */
  async resolveVersion(studyName: string, modelName: string, label: string): Promise<{ study: Study; model: Model; version: ModelVersion }> {
    const study = await this.getStudy(studyName);
    const model = await this.getModel(study.id, modelName);
    const version = await this.findVersion(model.id, label);
    if (!version) throw new MicroscopeError('NOT_FOUND', `model "${modelName}" has no version labelled "${label}"`);
    return { study, model, version };
  }

  async nextOrdinal(modelId: string): Promise<number> {
    const rows = await this.warehouse.query('SELECT count() AS n FROM model_versions FINAL WHERE model_id = {modelId:String}', { modelId });
    return num(rows[0], 'n');
  }

  async listLayers(versionId: string): Promise<Layer[]> {
    const rows = await this.warehouse.query(
      'SELECT version_id, name, op, output_shape, unit_count, position FROM layers FINAL WHERE version_id = {versionId:String} ORDER BY position',
      { versionId },
    );
    return rows.map((r) => ({
      versionId: str(r, 'version_id'),
      name: str(r, 'name'),
      op: str(r, 'op'),
      outputShape: (r.output_shape as unknown[]).map(Number),
      unitCount: num(r, 'unit_count'),
      index: num(r, 'position'),
    }));
  }

  // ---- datasets
  async addDataset(dataset: Dataset, images: DatasetImage[]): Promise<void> {
    if (await this.findDataset(dataset.studyId, dataset.name)) {
      throw new MicroscopeError('CONFLICT', `dataset "${dataset.name}" already exists in this study`);
    }
    for (let i = 0; i < images.length; i += 5000) {
      await this.warehouse.insert(
        'dataset_images',
        images.slice(i, i + 5000).map((im) => ({
          dataset_id: im.datasetId,
          image_index: im.index,
          content_hash: im.contentHash,
          object_key: im.key,
          width: im.width,
          height: im.height,
          channels: im.channels,
          label: im.label,
        })),
      );
    }
    await this.warehouse.insert('datasets', [
      {
        id: dataset.id,
        study_id: dataset.studyId,
        name: dataset.name,
        description: dataset.description,
        image_count: dataset.imageCount,
        created_at: toDateTimeText(dataset.createdAt),
        updated_at: toDateTimeText(dataset.createdAt),
      },
    ]);
  }

  async listDatasets(studyId: string): Promise<Dataset[]> {
    const rows = await this.warehouse.query(`${DATASET_SELECT} WHERE study_id = {studyId:String} ORDER BY name`, { studyId });
    return rows.map(datasetFromRow);
  }

  async findDataset(studyId: string, name: string): Promise<Dataset | null> {
    const rows = await this.warehouse.query(`${DATASET_SELECT} WHERE study_id = {studyId:String} AND name = {name:String}`, { studyId, name });
    return rows.length ? datasetFromRow(rows[0]) : null;
  }

  async getDatasetById(id: string): Promise<Dataset> {
    const rows = await this.warehouse.query(`${DATASET_SELECT} WHERE id = {id:String}`, { id });
    if (!rows.length) throw new MicroscopeError('NOT_FOUND', `no dataset with id ${id}`);
    return datasetFromRow(rows[0]);
  }

  async listImages(datasetId: string, from = 0, limit = 1_000_000): Promise<DatasetImage[]> {
    const rows = await this.warehouse.query(
      `SELECT dataset_id, image_index, content_hash, object_key, width, height, channels, label FROM dataset_images FINAL
       WHERE dataset_id = {datasetId:String} AND image_index >= {from:UInt32} ORDER BY image_index LIMIT {limit:UInt32}`,
      { datasetId, from, limit },
    );
    return rows.map(imageFromRow);
  }

  async listImagesByIndex(datasetId: string, indices: number[]): Promise<DatasetImage[]> {
    if (!indices.length) return [];
    const rows = await this.warehouse.query(
      `SELECT dataset_id, image_index, content_hash, object_key, width, height, channels, label FROM dataset_images FINAL
       WHERE dataset_id = {datasetId:String} AND has({indices:Array(UInt32)}, image_index) ORDER BY image_index`,
      { datasetId, indices },
    );
    return rows.map(imageFromRow);
  }

  // ---- jobs
  async addJob(job: Job): Promise<void> {
    await this.warehouse.insert('jobs', [
      { id: job.id, study_id: job.studyId, kind: job.kind, params: JSON.stringify(job.params), created_at: toDateTimeText(job.createdAt) },
    ]);
  }

  async addJobEvent(event: JobEvent): Promise<void> {
    await this.warehouse.insert('job_events', [
      {
        job_id: event.jobId,
        seq: event.seq,
        status: event.status,
        progress: event.progress,
        message: event.message,
        occurred_at: toDateTimeText(event.occurredAt),
      },
    ]);
  }

  async nextEventSeq(jobId: string): Promise<number> {
    const rows = await this.warehouse.query('SELECT max(seq) AS s, count() AS n FROM job_events FINAL WHERE job_id = {jobId:String}', { jobId });
    return num(rows[0], 'n') === 0 ? 0 : num(rows[0], 's') + 1;
  }

  /** Jobs with their latest event, newest first. */
  async listJobs(filter: { studyId?: string; jobId?: string }): Promise<JobView[]> {
    const rows = await this.warehouse.query(
      `SELECT j.id AS id, j.study_id AS study_id, j.kind AS kind, j.params AS params_json, j.created_at AS created_at,
              e.status AS status, e.progress AS progress, e.message AS message, e.occurred_at AS occurred_at
       FROM (SELECT id, study_id, kind, params, created_at FROM jobs FINAL
             WHERE ({studyId:String} = '' OR study_id = {studyId:String}) AND ({jobId:String} = '' OR id = {jobId:String})) AS j
       LEFT JOIN (SELECT job_id, argMax(status, seq) AS status, argMax(progress, seq) AS progress,
                         argMax(message, seq) AS message, max(occurred_at) AS occurred_at
                  FROM job_events FINAL GROUP BY job_id) AS e ON e.job_id = j.id
       ORDER BY j.created_at DESC, j.id`,
      { studyId: filter.studyId ?? '', jobId: filter.jobId ?? '' },
    );
    return rows.map((r) => ({
      id: str(r, 'id'),
      studyId: str(r, 'study_id'),
      kind: str(r, 'kind') as Job['kind'],
      params: fromJson(r.params_json),
      createdAt: toIso(r.created_at),
      status: (str(r, 'status') || 'queued') as JobView['status'],
      progress: num(r, 'progress') || 0,
      message: r.message == null ? '' : str(r, 'message'),
      updatedAt: toIso(r.occurred_at && !String(r.occurred_at).startsWith('1970') ? r.occurred_at : r.created_at),
    }));
  }

  async getJob(jobId: string): Promise<JobView> {
    const [job] = await this.listJobs({ jobId });
    if (!job) throw new MicroscopeError('NOT_FOUND', `no job with id ${jobId}`);
    return job;
  }
}

const VERSION_SELECT = `SELECT id, model_id, study_id, label, content_hash, format, input_height, input_width, input_channels,
  preprocessing, training, ordinal, created_at
  FROM model_versions FINAL`;
const DATASET_SELECT = 'SELECT id, study_id, name, description, image_count, created_at FROM datasets FINAL';

const studyFromRow = (r: Row): Study => ({ id: str(r, 'id'), name: str(r, 'name'), description: str(r, 'description'), createdAt: toIso(r.created_at) });

const modelFromRow = (r: Row): Model => ({
  id: str(r, 'id'),
  studyId: str(r, 'study_id'),
  name: str(r, 'name'),
  architecture: str(r, 'architecture'),
  createdAt: toIso(r.created_at),
});

const versionFromRow = (r: Row): ModelVersion => ({
  id: str(r, 'id'),
  modelId: str(r, 'model_id'),
  studyId: str(r, 'study_id'),
  label: str(r, 'label'),
  contentHash: str(r, 'content_hash'),
  format: str(r, 'format') as ModelVersion['format'],
  input: { height: num(r, 'input_height'), width: num(r, 'input_width'), channels: num(r, 'input_channels') },
  preprocessing: fromJson(r.preprocessing),
  training: fromJson(r.training),
  ordinal: num(r, 'ordinal'),
  createdAt: toIso(r.created_at),
});

const datasetFromRow = (r: Row): Dataset => ({
  id: str(r, 'id'),
  studyId: str(r, 'study_id'),
  name: str(r, 'name'),
  description: str(r, 'description'),
  imageCount: num(r, 'image_count'),
  createdAt: toIso(r.created_at),
});

const imageFromRow = (r: Row): DatasetImage => ({
  datasetId: str(r, 'dataset_id'),
  index: num(r, 'image_index'),
  contentHash: str(r, 'content_hash'),
  key: str(r, 'object_key'),
  width: num(r, 'width'),
  height: num(r, 'height'),
  channels: num(r, 'channels'),
  label: str(r, 'label'),
});
