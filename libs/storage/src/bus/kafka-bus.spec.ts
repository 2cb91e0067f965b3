import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { isMicroscopeError, type TopicName } from '@microscope/contracts';
import { waitFor } from '../contract-helpers';
import { describeBusContract } from './bus.contract';
import { KafkaBus, type KafkaBusOptions } from './kafka-bus';

// Runs against a real Kafka broker: `tools/services/kafka.sh start` and
// MICROSCOPE_TEST_KAFKA_BROKERS=127.0.0.1:19092 (.ci/run sets it). Topics and groups are unique per test.
const brokers = process.env.MICROSCOPE_TEST_KAFKA_BROKERS?.split(',').filter(Boolean);
// Restarts the shared broker: opt in, and run alone (other suites using Kafka meanwhile would see it go away).
const restartServices = process.env.MICROSCOPE_TEST_RESTART_SERVICES === '1';
const kafkaScript = path.resolve(__dirname, '../../../../tools/services/kafka.sh');

if (!brokers?.length) {
  describe('KafkaBus', () => {
    it.skip('needs a Kafka broker: run tools/services/kafka.sh start and set MICROSCOPE_TEST_KAFKA_BROKERS=127.0.0.1:19092', () => undefined);
  });
} else {
  const options = (extra: Partial<KafkaBusOptions> = {}): KafkaBusOptions => ({ brokers, clientId: 'microscope-test', ...extra });

  describeBusContract('KafkaBus', async () => {
    let bus = new KafkaBus(options());
    return {
      bus,
      // Messages and committed offsets live in the broker: a new bus (a new process) picks up where the group was.
      restart: async () => {
        await bus.close();
        bus = new KafkaBus(options());
        return bus;
      },
      cleanup: () => bus.close(),
    };
  });

  describe('KafkaBus specifics', () => {
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    const buses: KafkaBus[] = [];
    const newBus = (extra: Partial<KafkaBusOptions> = {}) => {
      const bus = new KafkaBus(options(extra));
      buses.push(bus);
      return bus;
    };
    const topicName = () => `microscope.test-${randomUUID().slice(0, 12)}` as TopicName;

    beforeAll(() => admin.connect());
    afterAll(async () => {
      for (const bus of buses) await bus.close();
      await admin.disconnect();
    });

    it('creates topics with the configured partitions and message size, and leaves existing ones alone', async () => {
      const bus = newBus({ partitions: 3, maxMessageBytes: 2 * 1024 * 1024 });
      const topic = topicName();
      await bus.ensureTopics([topic]);
      await newBus({ partitions: 6 }).ensureTopics([topic]); // another process, other defaults: no change
      const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      expect(metadata.partitions).toHaveLength(3);
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }] });
      expect(described.resources[0].configEntries[0].configValue).toBe(String(2 * 1024 * 1024));
    });

    it('creates a topic on first publish, like the embedded bus', async () => {
      const bus = newBus();
      const topic = topicName();
      await bus.publish(topic, [{ key: 'k', value: 'v' }]);
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(1);
    });

    it('carries messages up to the topic limit, more when compressed, and refuses larger ones with TOO_LARGE', async () => {
      const limit = 1024 * 1024;
      const plain = newBus({ maxMessageBytes: limit });
      const gzip = newBus({ maxMessageBytes: limit, compress: true });
      const topic = topicName();
      const got: string[] = [];
      await plain.subscribe({ topic, group: `g-${randomUUID()}`, handler: async (m) => void got.push(m.value) });
      // JSON numbers like an activation batch.
      const json = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => Math.round(Math.sin(i) * 1e6) / 1e3));
      const underLimit = json(50_000); // ~0.4 MB
      const overLimit = json(200_000); // ~1.6 MB as text, a fraction of that gzipped
      expect(Buffer.byteLength(overLimit)).toBeGreaterThan(limit);
      await plain.publish(topic, [{ key: 'v1', value: underLimit }]);
      await gzip.publish(topic, [{ key: 'v1', value: overLimit }]);
      await waitFor(() => got.length === 2, 20_000, 'both big messages');
      expect(got).toEqual([underLimit, overLimit]);

      const failure = await plain.publish(topic, [{ key: 'v1', value: overLimit }]).catch((e: unknown) => e);
      expect(isMicroscopeError(failure) && failure.code).toBe('TOO_LARGE');
    }, 60_000);

    it('keeps the group alive through a handler slower than the session timeout (heartbeats while it runs)', async () => {
      const bus = newBus({ sessionTimeoutMs: 6000, heartbeatIntervalMs: 500 });
      const topic = topicName();
      const group = `g-${randomUUID()}`;
      const attempts: number[] = [];
      await bus.subscribe({
        topic,
        group,
        handler: async (m) => {
          attempts.push(m.attempt);
          await new Promise((resolve) => setTimeout(resolve, 9000));
        },
      });
      await bus.publish(topic, [{ key: 'k', value: 'slow' }]);
      await waitFor(() => bus.drained(topic, group), 30_000, 'the slow message to be acknowledged');
      expect(attempts).toEqual([1]); // not taken away and redelivered mid-way
    }, 60_000);

    it('keeps namespaced deployments on one cluster apart: own topics, own groups, bare names in its API', async () => {
      const namespace = `lab-${randomUUID().slice(0, 8)}`;
      const staging = newBus({ namespace: `${namespace}-staging` });
      const production = newBus({ namespace: `${namespace}-production` });
      const topic = topicName();
      const seen: Record<string, string[]> = { staging: [], production: [] };
      for (const [name, bus] of [['staging', staging], ['production', production]] as const) {
        await bus.subscribe({ topic, group: 'render', handler: async (m) => void seen[name].push(`${m.topic} ${m.value}`) });
      }
      await staging.publish(topic, [{ key: 'k', value: 'for staging' }]);
      await production.publish(topic, [{ key: 'k', value: 'for production' }]);
      await waitFor(async () => (await staging.drained(topic, 'render')) && (await production.drained(topic, 'render')) && seen.staging.length + seen.production.length === 2, 30_000, 'both deployments to handle their message');
      expect(seen).toEqual({ staging: [`${topic} for staging`], production: [`${topic} for production`] });
      const onCluster = (await admin.listTopics()).filter((t) => t.endsWith(topic)).sort();
      expect(onCluster).toEqual([`${namespace}-production.${topic}`, `${namespace}-staging.${topic}`]);
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(namespace)).sort();
      expect(groups).toEqual([`${namespace}-production.render`, `${namespace}-staging.render`]);
      expect(() => newBus({ namespace: 'no spaces' })).toThrow(/Kafka namespace/);
    }, 60_000);

    it('refuses a malformed broker list and reports an unreachable broker as UNAVAILABLE', async () => {
      expect(() => new KafkaBus({ brokers: ['localhost'] })).toThrow(/host:port/);
      const unreachable = new KafkaBus({ brokers: ['127.0.0.1:1'], clientRetry: { retries: 1, initialRetryTimeMs: 100, maxRetryTimeMs: 200 } });
      const failure = await unreachable.ensureTopics([topicName()]).catch((e: unknown) => e);
      expect(isMicroscopeError(failure) && failure.code).toBe('UNAVAILABLE');
      expect((failure as Error).message).toMatch(/is Kafka reachable/);
      await unreachable.close();
    }, 30_000);
  });

  (restartServices ? describe : describe.skip)('KafkaBus across a broker restart (MICROSCOPE_TEST_RESTART_SERVICES=1)', () => {
    it('loses no message when the broker restarts while messages are published and consumed', async () => {
      const bus = new KafkaBus(options({ sessionTimeoutMs: 10_000 }));
      const topic = `microscope.test-${randomUUID().slice(0, 12)}` as TopicName;
      const group = `g-${randomUUID()}`;
      const seen = new Map<string, number>();
      try {
        await bus.subscribe({ topic, group, handler: async (m) => void seen.set(m.value, (seen.get(m.value) ?? 0) + 1) });
        const total = 600;
        let restarted: Promise<unknown> | null = null;
        for (let i = 0; i < total; i += 20) {
          // Keys are versions: each keeps its order; publishing continues (retrying) while the broker is away.
          await bus.publish(topic, Array.from({ length: 20 }, (_, k) => ({ key: `version-${(i + k) % 5}`, value: `m${i + k}` })));
          if (i === 200) restarted = promisify(execFile)(kafkaScript, ['restart']);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await restarted;
        await waitFor(() => seen.size === total, 90_000, `all ${total} messages after the restart`);
        await waitFor(() => bus.drained(topic, group), 30_000, 'the group to commit everything');
        expect([...seen.keys()].sort()).toEqual(Array.from({ length: total }, (_, i) => `m${i}`).sort());
      } finally {
        await bus.close();
      }
    }, 180_000);
  });
}
