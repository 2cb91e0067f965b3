/**
 * A distributed Microscope for one test: ingest, analytics and render workers as separate processes over the real
 * Kafka, S3 and ClickHouse servers, in a ClickHouse database and S3 bucket of their own (Kafka topics and the apps'
 * consumer groups are fixed names, so runs are kept apart by running one at a time and by unique ids in the data).
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client as MinioClient } from 'minio';
import { createApiClient, type ApiClient } from '../cli/api-client';
import { AppProcess, type AppKind } from './app-process';
import { KafkaInspector } from './kafka-inspect';
import { isolatedNames, type IsolatedNames, type TestServers } from './servers';
import { dropDatabasesQuietly, leftoverFaultDatabases, WarehouseChecks } from './warehouse-checks';

const START_TIMEOUT_MS = 180_000;

export interface ClusterOptions {
  /** Short name of the test, used in database, bucket and client ids. */
  tag: string;
  renderWorkers: number;
}

export class Cluster {
  readonly apps = new Map<string, AppProcess>();
  readonly logDir: string;
  readonly kafka: KafkaInspector;
  readonly warehouse: WarehouseChecks;
  api!: ApiClient;

  private constructor(
    readonly servers: TestServers,
    readonly names: IsolatedNames,
  ) {
    this.logDir = mkdtempSync(path.join(os.tmpdir(), `microscope-${names.clientIdPrefix}-`));
    this.kafka = new KafkaInspector(servers.kafkaBrokers);
    this.warehouse = new WarehouseChecks(servers.clickhouseUrl, names.database);
  }

  /** Starts ingest, analytics and `renderWorkers` render workers, and waits until every one is healthy. */
  static async start(servers: TestServers, options: ClusterOptions): Promise<Cluster> {
    const cluster = new Cluster(servers, isolatedNames(options.tag));
    try {
      await cluster.kafka.waitForGroupsToOurselves(cluster.names.clientIdPrefix, 45_000);
      // Runs are serial, so any other fault database is an earlier run's leftover.
      await dropDatabasesQuietly(servers.clickhouseUrl, await leftoverFaultDatabases(servers.clickhouseUrl, cluster.names.database));
      // Ingest first: it creates the database's tables, which the others would otherwise race to create.
      await cluster.startApp('ingest', 'ingest');
      await Promise.all([
        cluster.startApp('analytics', 'analytics'),
        ...Array.from({ length: options.renderWorkers }, (_, i) => cluster.startApp(`render-${i + 1}`, 'render')),
      ]);
      cluster.api = createApiClient(cluster.ingestUrl, cluster.app('analytics').url);
      return cluster;
    } catch (error) {
      await cluster.dispose();
      throw error;
    }
  }

  get ingestUrl(): string {
    return this.app('ingest').url;
  }

  app(name: string): AppProcess {
    const app = this.apps.get(name);
    if (!app) throw new Error(`no app named ${name} in this cluster`);
    return app;
  }

  /** The Kafka client id an app runs with (how a group member is traced back to its process). */
  clientId(name: string): string {
    return `${this.names.clientIdPrefix}-${name}`;
  }

  /** Starts (or starts again, under the same name) one app and waits until it is listening. */
  async startApp(name: string, kind: AppKind): Promise<AppProcess> {
    const previous = this.apps.get(name);
    if (previous?.running) throw new Error(`${name} is already running`);
    const app = new AppProcess(name, kind, this.appEnv(name), path.join(this.logDir, `${name}.log`));
    this.apps.set(name, app);
    await app.ready(START_TIMEOUT_MS);
    return app;
  }

  /** The render worker whose consumer holds the partition a model version's jobs travel on. */
  async renderWorkerHolding(versionId: string): Promise<AppProcess | undefined> {
    const clientId = await this.kafka.holderOf('render', 'microscope.jobs', versionId);
    return [...this.apps.values()].find((a) => a.kind === 'render' && this.clientId(a.name) === clientId);
  }

  /** Stops every app (SIGTERM, so consumers leave their groups at once), drops the database and the bucket. */
  async dispose(): Promise<void> {
    await Promise.all([...this.apps.values()].map((a) => a.stop('SIGTERM')));
    await this.kafka.close();
    await this.warehouse.close();
    if (process.env.MICROSCOPE_TEST_KEEP_DATA === '1') return;
    // The logs stay (failures name them); the probe images and the apps' data directory go.
    await Promise.all(['probe', 'data'].map((d) => rm(path.join(this.logDir, d), { recursive: true, force: true })));
    await this.warehouse.drop();
    await this.removeBucket().catch((e: unknown) => console.warn(`could not remove bucket ${this.names.bucket}: ${String(e)}`));
  }

  private appEnv(name: string): Record<string, string | undefined> {
    // Nothing from the caller's MICROSCOPE_* settings leaks in (a developer's shell may point at other servers).
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MICROSCOPE_') && k !== 'JEST_WORKER_ID'));
    return {
      ...inherited,
      LOG_LEVEL: 'info',
      MICROSCOPE_HOST: '127.0.0.1',
      MICROSCOPE_PORT: '0',
      MICROSCOPE_DATA_DIR: path.join(this.logDir, 'data'),
      MICROSCOPE_BUS: 'kafka',
      MICROSCOPE_KAFKA_BROKERS: this.servers.kafkaBrokers.join(','),
      MICROSCOPE_KAFKA_CLIENT_ID: this.clientId(name),
      MICROSCOPE_BLOB: 's3',
      MICROSCOPE_S3_ENDPOINT: this.servers.s3Endpoint,
      MICROSCOPE_S3_ACCESS_KEY: this.servers.s3AccessKey,
      MICROSCOPE_S3_SECRET_KEY: this.servers.s3SecretKey,
      MICROSCOPE_S3_REGION: 'us-east-1',
      MICROSCOPE_S3_BUCKET: this.names.bucket,
      MICROSCOPE_WAREHOUSE: 'clickhouse',
      MICROSCOPE_CLICKHOUSE_URL: this.servers.clickhouseUrl,
      MICROSCOPE_CLICKHOUSE_DATABASE: this.names.database,
    };
  }

  private async removeBucket(): Promise<void> {
    const url = new URL(this.servers.s3Endpoint);
    const client = new MinioClient({
      endPoint: url.hostname,
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      useSSL: url.protocol === 'https:',
      accessKey: this.servers.s3AccessKey,
      secretKey: this.servers.s3SecretKey,
      region: 'us-east-1',
      pathStyle: true,
    });
    if (!(await client.bucketExists(this.names.bucket))) return;
    const keys: string[] = [];
    for await (const item of client.listObjectsV2(this.names.bucket, '', true) as AsyncIterable<{ name?: string }>) if (item.name) keys.push(item.name);
    for (let i = 0; i < keys.length; i += 500) await client.removeObjects(this.names.bucket, keys.slice(i, i + 500));
    await client.removeBucket(this.names.bucket);
  }
}
