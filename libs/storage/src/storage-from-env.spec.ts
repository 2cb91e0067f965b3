import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Topics } from '@microscope/contracts';
import { waitFor } from './contract-helpers';
import { S3BlobStore } from './blob/s3-blob-store';
import { KafkaBus } from './bus/kafka-bus';
import { createStorage, storageBackends, storageConfigFromEnv } from './storage-from-env';
import { ClickHouseWarehouse } from './warehouse/clickhouse-warehouse';

describe('storageConfigFromEnv', () => {
  it('defaults to the embedded backends under ./data', () => {
    const config = storageConfigFromEnv({});
    expect(config).toMatchObject({ MICROSCOPE_DATA_DIR: './data', MICROSCOPE_BLOB: 'fs', MICROSCOPE_WAREHOUSE: 'chdb', MICROSCOPE_BUS: 'memory', MICROSCOPE_BUS_PARTITIONS: 4 });
    expect(config.MICROSCOPE_KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
  });

  it('reads the distributed settings', () => {
    const config = storageConfigFromEnv({ MICROSCOPE_BUS: 'kafka', MICROSCOPE_KAFKA_BROKERS: 'a:9092, b:9092', MICROSCOPE_BUS_PARTITIONS: '8', MICROSCOPE_KAFKA_NAMESPACE: 'lab-staging' });
    expect(config.MICROSCOPE_KAFKA_BROKERS).toEqual(['a:9092', 'b:9092']);
    expect(config.MICROSCOPE_KAFKA_NAMESPACE).toBe('lab-staging');
    expect(config.MICROSCOPE_BUS_PARTITIONS).toBe(8);
  });

  it('names every bad variable', () => {
    expect(() => storageConfigFromEnv({ MICROSCOPE_BLOB: 'ftp', MICROSCOPE_BUS_PARTITIONS: 'many' })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/MICROSCOPE_BLOB.*MICROSCOPE_BUS_PARTITIONS/) }),
    );
  });
});

describe('createStorage', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'storage-env-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('names the setting a distributed backend is missing', async () => {
    await expect(createStorage(storageConfigFromEnv({ MICROSCOPE_DATA_DIR: dir, MICROSCOPE_BLOB: 's3' }))).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: 'MICROSCOPE_S3_ENDPOINT must be set for this backend',
    });
  });

  it('builds each distributed backend from its settings (the servers themselves are tested by the contract suites)', () => {
    const config = storageConfigFromEnv({
      MICROSCOPE_S3_ENDPOINT: 'http://127.0.0.1:9',
      MICROSCOPE_S3_ACCESS_KEY: 'a',
      MICROSCOPE_S3_SECRET_KEY: 'b',
      MICROSCOPE_KAFKA_BROKERS: '127.0.0.1:9',
      MICROSCOPE_CLICKHOUSE_URL: 'http://127.0.0.1:9',
    });
    expect(storageBackends.blob.s3(config)).toBeInstanceOf(S3BlobStore);
    expect(storageBackends.warehouse.clickhouse(config)).toBeInstanceOf(ClickHouseWarehouse);
    expect(storageBackends.bus.kafka(config)).toBeInstanceOf(KafkaBus);
  });

  it('builds the embedded storage in one directory and finds everything again after a restart', async () => {
    const config = storageConfigFromEnv({ MICROSCOPE_DATA_DIR: dir });
    const first = await createStorage(config);
    await first.blobs.put('models/v1/model.json', Buffer.from('{}'));
    await first.warehouse.insert('layers', [{ version_id: 'v1', name: 'conv1', op: 'Conv2D', output_shape: [4, 4, 2], unit_count: 2, position: 0 }]);
    await first.bus.publish(Topics.jobs, [{ key: 'v1', value: 'job-1' }]);
    await first.close(); // nobody consumed the job yet

    const second = await createStorage(config);
    try {
      expect((await second.blobs.get('models/v1/model.json')).toString()).toBe('{}');
      expect(await second.warehouse.query('SELECT name FROM layers FINAL WHERE version_id = {v:String}', { v: 'v1' })).toEqual([{ name: 'conv1' }]);
      const jobs: string[] = [];
      await second.bus.subscribe({ topic: Topics.jobs, group: 'render', handler: async (m) => void jobs.push(m.value) });
      await waitFor(() => jobs.length === 1, 5000, 'the job published before the restart');
      expect(jobs).toEqual(['job-1']);
    } finally {
      await second.close();
    }
  });
});
