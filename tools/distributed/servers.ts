/**
 * The real servers the distributed fault specs run against (tools/services), as the MICROSCOPE_TEST_* variables name
 * them, and the service scripts that restart them.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface TestServers {
  kafkaBrokers: string[];
  s3Endpoint: string;
  s3AccessKey: string;
  s3SecretKey: string;
  clickhouseUrl: string;
}

export const SERVERS_NEEDED =
  'needs the real servers: tools/services/all.sh up && eval "$(tools/services/env.sh | grep MICROSCOPE_TEST_)" ' +
  '(sets MICROSCOPE_TEST_KAFKA_BROKERS, MICROSCOPE_TEST_S3_ENDPOINT, MICROSCOPE_TEST_CLICKHOUSE_URL; .ci/run does this)';

/** The servers named by the environment, or null when any of the three is missing (the specs then skip). */
export function testServers(env: Record<string, string | undefined> = process.env): TestServers | null {
  const brokers = env.MICROSCOPE_TEST_KAFKA_BROKERS?.split(',').map((b) => b.trim()).filter(Boolean) ?? [];
  const s3Endpoint = env.MICROSCOPE_TEST_S3_ENDPOINT;
  const clickhouseUrl = env.MICROSCOPE_TEST_CLICKHOUSE_URL;
  if (!brokers.length || !s3Endpoint || !clickhouseUrl) return null;
  return {
    kafkaBrokers: brokers,
    s3Endpoint,
    // Swift's tempauth user from tools/services, unless told otherwise.
    s3AccessKey: env.MICROSCOPE_TEST_S3_ACCESS_KEY ?? 'test:tester',
    s3SecretKey: env.MICROSCOPE_TEST_S3_SECRET_KEY ?? 'testing',
    clickhouseUrl,
  };
}

/** Names no other run uses: a ClickHouse database, an S3 bucket and a Kafka client-id prefix. */
export interface IsolatedNames {
  runId: string;
  database: string;
  bucket: string;
  clientIdPrefix: string;
}

export function isolatedNames(tag: string): IsolatedNames {
  const runId = randomUUID().replace(/-/g, '').slice(0, 10);
  const slug = tag.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return {
    runId,
    database: `fault_${slug.replace(/-/g, '_')}_${runId}`,
    bucket: `microscope-fault-${runId}`,
    clientIdPrefix: `fault-${slug}-${runId}`,
  };
}

export type ServiceName = 'kafka' | 'clickhouse' | 'swift';

/**
 * Runs `tools/services/<name>.sh <command>` (restart stops the server, starts it and waits until it is healthy).
 * Returns the seconds it took.
 */
export async function serviceScript(name: ServiceName, command: 'restart' | 'start' | 'status'): Promise<number> {
  const started = Date.now();
  await run(path.join(REPO_ROOT, 'tools/services', `${name}.sh`), [command], { cwd: REPO_ROOT, timeout: 180_000 });
  return (Date.now() - started) / 1000;
}

/** Starts a server again if a failed test left it stopped, so the specs always leave the servers running. */
export async function ensureServiceRunning(name: ServiceName): Promise<void> {
  try {
    await serviceScript(name, 'status');
  } catch {
    await serviceScript(name, 'start');
  }
}
