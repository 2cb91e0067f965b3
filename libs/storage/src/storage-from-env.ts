import path from 'node:path';
import { z } from 'zod';
import { MicroscopeError, Topics } from '@microscope/contracts';
import { FsBlobStore } from './blob/fs-blob-store';
import { S3BlobStore } from './blob/s3-blob-store';
import { KafkaBus } from './bus/kafka-bus';
import { ClickHouseWarehouse } from './warehouse/clickhouse-warehouse';
import type { BlobStore } from './blob/blob-store';
import { MemoryBus } from './bus/memory-bus';
import type { Bus } from './bus/bus';
import { ChdbWarehouse } from './warehouse/chdb-warehouse';
import type { Warehouse } from './warehouse/warehouse';

/**
 * Storage configuration from environment variables. The defaults are the embedded backends under one data directory,
 * so `npm start` needs no configuration; the distributed backends are chosen per interface.
 */
export const StorageConfig = z.object({
  MICROSCOPE_DATA_DIR: z.string().min(1).default('./data'),
  MICROSCOPE_BLOB: z.enum(['fs', 's3']).default('fs'),
  MICROSCOPE_WAREHOUSE: z.enum(['chdb', 'clickhouse']).default('chdb'),
  MICROSCOPE_BUS: z.enum(['memory', 'kafka']).default('memory'),
  /** Partitions of each topic the embedded bus creates. */
  MICROSCOPE_BUS_PARTITIONS: z.coerce.number().int().min(1).max(256).default(4),
  // Settings of the distributed backends (read by their implementations).
  MICROSCOPE_S3_ENDPOINT: z.string().url().optional(),
  MICROSCOPE_S3_BUCKET: z.string().min(3).default('microscope'),
  MICROSCOPE_S3_REGION: z.string().default('us-east-1'),
  MICROSCOPE_S3_ACCESS_KEY: z.string().optional(),
  MICROSCOPE_S3_SECRET_KEY: z.string().optional(),
  MICROSCOPE_CLICKHOUSE_URL: z.string().url().default('http://127.0.0.1:8123'),
  MICROSCOPE_CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('default'),
  MICROSCOPE_CLICKHOUSE_USER: z.string().default('default'),
  MICROSCOPE_CLICKHOUSE_PASSWORD: z.string().default(''),
  MICROSCOPE_KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((list) => list.split(',').map((b) => b.trim()).filter((b) => b.length > 0)),
  MICROSCOPE_KAFKA_CLIENT_ID: z.string().min(1).default('microscope'),
  /** Prefix of this deployment's topics and consumer groups, when several share one Kafka cluster. */
  MICROSCOPE_KAFKA_NAMESPACE: z.string().optional(),
  MICROSCOPE_KAFKA_REBALANCE_TIMEOUT_MS: z.coerce.number().int().positive().default(600_000),
  /** The S3 host browsers reach, where it differs from the one the apps use (presigned URLs are signed for it). */
  MICROSCOPE_S3_PUBLIC_ENDPOINT: z.string().url().optional(),
});
export type StorageConfig = z.infer<typeof StorageConfig>;

/** Parses storage settings from `env`, naming every bad variable in one INVALID_INPUT error. */
export function storageConfigFromEnv(env: Record<string, string | undefined> = process.env): StorageConfig {
  const parsed = StorageConfig.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new MicroscopeError('INVALID_INPUT', `invalid storage configuration: ${problems}`);
  }
  return parsed.data;
}

export interface Storage {
  blobs: BlobStore;
  warehouse: Warehouse;
  bus: Bus;
  /** Closes all three (bus first, so no handler writes into a closed warehouse). */
  close(): Promise<void>;
}

/**
 * THE place where each backend kind is built from the configuration.
 */
export const storageBackends = {
  blob: {
    fs: (config: StorageConfig): BlobStore => new FsBlobStore(path.join(config.MICROSCOPE_DATA_DIR, 'blobs')),
    s3: (config: StorageConfig): BlobStore =>
      new S3BlobStore({
        endpoint: required(config.MICROSCOPE_S3_ENDPOINT, 'MICROSCOPE_S3_ENDPOINT'),
        accessKey: required(config.MICROSCOPE_S3_ACCESS_KEY, 'MICROSCOPE_S3_ACCESS_KEY'),
        secretKey: required(config.MICROSCOPE_S3_SECRET_KEY, 'MICROSCOPE_S3_SECRET_KEY'),
        bucket: config.MICROSCOPE_S3_BUCKET,
        region: config.MICROSCOPE_S3_REGION,
        publicEndpoint: config.MICROSCOPE_S3_PUBLIC_ENDPOINT,
      }),
  },
  warehouse: {
    chdb: (config: StorageConfig): Warehouse => new ChdbWarehouse(path.join(config.MICROSCOPE_DATA_DIR, 'warehouse')),
    clickhouse: (config: StorageConfig): Warehouse =>
      new ClickHouseWarehouse({
        url: config.MICROSCOPE_CLICKHOUSE_URL,
        database: config.MICROSCOPE_CLICKHOUSE_DATABASE,
        username: config.MICROSCOPE_CLICKHOUSE_USER,
        password: config.MICROSCOPE_CLICKHOUSE_PASSWORD,
      }),
  },
  bus: {
    memory: (config: StorageConfig): Bus =>
      new MemoryBus({ journalDir: path.join(config.MICROSCOPE_DATA_DIR, 'bus'), partitions: config.MICROSCOPE_BUS_PARTITIONS }),
    kafka: (config: StorageConfig): Bus =>
      new KafkaBus({
        brokers: config.MICROSCOPE_KAFKA_BROKERS,
        clientId: config.MICROSCOPE_KAFKA_CLIENT_ID,
        namespace: config.MICROSCOPE_KAFKA_NAMESPACE,
        partitions: config.MICROSCOPE_BUS_PARTITIONS,
        // A render job holds its message while it works (minutes for a large model): a shorter rebalance timeout
        // would hand the job to another worker whenever one joins or leaves.
        rebalanceTimeoutMs: config.MICROSCOPE_KAFKA_REBALANCE_TIMEOUT_MS,
      }),
  },
} satisfies {
  blob: Record<StorageConfig['MICROSCOPE_BLOB'], (config: StorageConfig) => BlobStore>;
  warehouse: Record<StorageConfig['MICROSCOPE_WAREHOUSE'], (config: StorageConfig) => Warehouse>;
  bus: Record<StorageConfig['MICROSCOPE_BUS'], (config: StorageConfig) => Bus>;
};

/**
 * Builds the configured blob store, warehouse and bus, ready to use: warehouse tables migrated, bus topics created.
 * If any step fails, whatever was already opened is closed again.
 */
export async function createStorage(config: StorageConfig): Promise<Storage> {
  const opened: Array<{ close(): Promise<void> }> = [];
  try {
    const blobs = storageBackends.blob[config.MICROSCOPE_BLOB](config);
    opened.push(blobs);
    const warehouse = storageBackends.warehouse[config.MICROSCOPE_WAREHOUSE](config);
    opened.push(warehouse);
    const bus = storageBackends.bus[config.MICROSCOPE_BUS](config);
    opened.push(bus);
    await warehouse.migrate();
    await bus.ensureTopics(Object.values(Topics));
    return {
      blobs,
      warehouse,
      bus,
      close: async () => {
        await bus.close();
        await warehouse.close();
        await blobs.close();
      },
    };
  } catch (error) {
    for (const resource of opened.reverse()) await resource.close().catch(() => undefined);
    throw error;
  }
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new MicroscopeError('INVALID_INPUT', `${name} must be set for this backend`);
  return value;
}
