import { randomUUID } from 'node:crypto';
import { Topics, parseMessage, type DeadLetter, type TopicName } from '@microscope/contracts';
import { deferred, sleep, waitFor } from '../contract-helpers';
import type { Bus, IncomingMessage, Subscription } from './bus';

export interface BusHarness {
  bus: Bus;
  /** Closes whatever bus is current (after a restart, the new one) and removes the harness's state. */
  cleanup(): Promise<void>;
  /**
   * For implementations whose messages and offsets outlive the process: stop the current bus as a crash or restart
   * would (without acknowledging anything further) and return a new one over the same durable state.
   */
  restart?(): Promise<Bus>;
}

export interface BusContractOptions {
  /** How long to wait for a delivery; generous by default, since a Kafka group rebalance takes seconds. */
  timeoutMs?: number;
}

/**
 * The semantics every Bus implementation must have, as a jest suite. The implementation under test must create new
 * topics with at least 2 partitions, and `subscribe` must resolve once the consumer has joined its group (so two
 * consumers subscribed before a publish share the work). Topic and group names are unique per test, so the suite can
 * run against a long-lived broker.
 */
export function describeBusContract(name: string, factory: () => Promise<BusHarness>, options: BusContractOptions = {}): void {
  const timeoutMs = options.timeoutMs ?? 20_000;

  describe(`Bus contract: ${name}`, () => {
    let harness: BusHarness;
    let bus: Bus;
    let subscriptions: Subscription[];

    beforeEach(async () => {
      harness = await factory();
      bus = harness.bus;
      subscriptions = [];
    }, timeoutMs);

    afterEach(async () => {
      for (const s of subscriptions) await s.close();
      await harness.cleanup();
    }, timeoutMs);

    const subscribe = async (...args: Parameters<Bus['subscribe']>): Promise<Subscription> => {
      const s = await bus.subscribe(...args);
      subscriptions.push(s);
      return s;
    };

    /** The dead letters of `topic` from here on, as a reader group sees them; the array fills as they arrive. */
    const deadLettersOf = async (topic: TopicName): Promise<DeadLetter[]> => {
      await bus.ensureTopics([Topics.deadLetter]);
      const letters: DeadLetter[] = [];
      await subscribe({
        topic: Topics.deadLetter,
        group: uniqueName('dlq-reader'),
        handler: async (m) => {
          const parsed = parseMessage(m.value);
          if (parsed.type === 'dead-letter' && parsed.payload.topic === topic) letters.push(parsed.payload);
        },
      });
      return letters;
    };

    it(
      'delivers messages of one key in publish order, with their topic, key, partition and offset',
      async () => {
        const topic = await newTopic(bus);
        const got: IncomingMessage[] = [];
        await subscribe({ topic, group: uniqueName('g'), handler: async (m) => void got.push(m) });
        for (let batch = 0; batch < 4; batch += 1) {
          const messages = [];
          for (let i = 0; i < 5; i += 1) for (const key of ['k1', 'k2', 'k3']) messages.push({ key, value: JSON.stringify({ key, seq: batch * 5 + i }) });
          await bus.publish(topic, messages);
        }
        await waitFor(() => got.length >= 60, timeoutMs, '60 deliveries');
        await sleep(100);
        expect(got).toHaveLength(60);
        for (const key of ['k1', 'k2', 'k3']) {
          const mine = got.filter((m) => m.key === key);
          expect(mine.map((m) => JSON.parse(m.value).seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
          expect(new Set(mine.map((m) => m.partition)).size).toBe(1);
          const offsets = mine.map((m) => BigInt(m.offset));
          expect([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(offsets);
        }
        for (const m of got) {
          expect(m.topic).toBe(topic);
          expect(m.attempt).toBe(1);
          expect(Number.isInteger(m.partition) && m.partition >= 0).toBe(true);
          expect(m.offset).toMatch(/^\d+$/);
        }
      },
      timeoutMs * 2,
    );

    it(
      'delivers messages published before the group subscribed (a group starts at the earliest message)',
      async () => {
        const topic = await newTopic(bus);
        await bus.publish(topic, [{ key: 'a', value: 'before-1' }, { key: 'b', value: 'before-2' }]);
        const got: string[] = [];
        await subscribe({ topic, group: uniqueName('g'), handler: async (m) => void got.push(m.value) });
        await waitFor(() => got.length >= 2, timeoutMs, 'the two earlier messages');
        expect(got.sort()).toEqual(['before-1', 'before-2']);
      },
      timeoutMs * 2,
    );

    it(
      'shares partitions between the consumers of one group: each message is handled once, by one of them',
      async () => {
        const topic = await newTopic(bus);
        const group = uniqueName('g');
        const byConsumer: Record<'a' | 'b', string[]> = { a: [], b: [] };
        await subscribe({ topic, group, handler: async (m) => void byConsumer.a.push(m.value) });
        await subscribe({ topic, group, handler: async (m) => void byConsumer.b.push(m.value) });
        const values = Array.from({ length: 40 }, (_, i) => `m${i}`);
        await bus.publish(topic, values.map((value) => ({ key: `key-${value}`, value })));
        await waitFor(() => byConsumer.a.length + byConsumer.b.length >= 40, timeoutMs, '40 deliveries');
        await sleep(200);
        const all = [...byConsumer.a, ...byConsumer.b];
        expect(all.sort()).toEqual([...values].sort());
        expect(byConsumer.a.length).toBeGreaterThan(0);
        expect(byConsumer.b.length).toBeGreaterThan(0);
      },
      timeoutMs * 2,
    );

    it(
      'gives every group every message',
      async () => {
        const topic = await newTopic(bus);
        const first: string[] = [];
        const second: string[] = [];
        await subscribe({ topic, group: uniqueName('g1'), handler: async (m) => void first.push(m.value) });
        await subscribe({ topic, group: uniqueName('g2'), handler: async (m) => void second.push(m.value) });
        await bus.publish(topic, [1, 2, 3, 4, 5].map((i) => ({ key: `k${i % 2}`, value: String(i) })));
        await waitFor(() => first.length >= 5 && second.length >= 5, timeoutMs, 'both groups to get 5 messages');
        expect(first.sort()).toEqual(['1', '2', '3', '4', '5']);
        expect(second.sort()).toEqual(['1', '2', '3', '4', '5']);
      },
      timeoutMs * 2,
    );

    it(
      'redelivers a rejected message after retryDelayMs with attempt + 1, before later messages of its key',
      async () => {
        const topic = await newTopic(bus);
        const deliveries: Array<{ value: string; attempt: number; at: number }> = [];
        const retryDelayMs = 300;
        await subscribe({
          topic,
          group: uniqueName('g'),
          retryDelayMs,
          maxAttempts: 5,
          handler: async (m) => {
            deliveries.push({ value: m.value, attempt: m.attempt, at: Date.now() });
            if (m.value === 'first' && m.attempt === 1) throw new Error('transient failure');
          },
        });
        await bus.publish(topic, [{ key: 'same', value: 'first' }, { key: 'same', value: 'second' }]);
        await waitFor(() => deliveries.some((d) => d.value === 'second'), timeoutMs, 'the second message');
        expect(deliveries.map((d) => [d.value, d.attempt])).toEqual([
          ['first', 1],
          ['first', 2],
          ['second', 1],
        ]);
        // Timers may fire a little early; a redelivery at once would be far below half the delay.
        expect(deliveries[1].at - deliveries[0].at).toBeGreaterThanOrEqual(retryDelayMs / 2);
      },
      timeoutMs * 2,
    );

    it(
      'after maxAttempts publishes a dead letter with the error and moves on',
      async () => {
        const topic = await newTopic(bus);
        const group = uniqueName('g');
        const letters = await deadLettersOf(topic);
        const attempts: number[] = [];
        const handled: string[] = [];
        await subscribe({
          topic,
          group,
          maxAttempts: 3,
          retryDelayMs: 50,
          handler: async (m) => {
            if (m.value === 'poison') {
              attempts.push(m.attempt);
              throw new Error(`cannot handle ${m.value} (try ${m.attempt})`);
            }
            handled.push(m.value);
          },
        });
        await bus.publish(topic, [{ key: 'k', value: 'poison' }, { key: 'k', value: 'fine' }]);
        await waitFor(() => handled.includes('fine') && letters.length > 0, timeoutMs, 'the next message and the dead letter');
        expect(attempts).toEqual([1, 2, 3]);
        expect(letters).toHaveLength(1);
        expect(letters[0]).toMatchObject({ topic, key: 'k', value: 'poison', attempts: 3, group });
        expect(letters[0].error).toContain('cannot handle poison (try 3)');
        await waitFor(() => bus.drained(topic, group), timeoutMs, 'the topic to be drained');
      },
      timeoutMs * 2,
    );

    it(
      'dead-letters a message the handler finds invalid at once, without retrying it',
      async () => {
        const topic = await newTopic(bus);
        const group = uniqueName('g');
        const letters = await deadLettersOf(topic);
        const attempts: number[] = [];
        const handled: string[] = [];
        await subscribe({
          topic,
          group,
          maxAttempts: 5,
          retryDelayMs: 50,
          handler: async (m) => {
            if (m.value === 'not json') {
              attempts.push(m.attempt);
              parseMessage(m.value);
            }
            handled.push(m.value);
          },
        });
        await bus.publish(topic, [{ key: 'k', value: 'not json' }, { key: 'k', value: 'fine' }]);
        await waitFor(() => handled.includes('fine') && letters.length > 0, timeoutMs, 'the next message and the dead letter');
        expect(attempts).toEqual([1]);
        expect(letters.map((l) => `${l.attempts} ${l.error}`)).toEqual([expect.stringMatching(/^1 InvalidMessageError: not JSON/)]);
      },
      timeoutMs * 2,
    );

    it(
      "hands a closed consumer's unacknowledged message to the group's next consumer",
      async () => {
        const topic = await newTopic(bus);
        const group = uniqueName('g');
        let firstTries = 0;
        const first = await subscribe({
          topic,
          group,
          retryDelayMs: 200,
          maxAttempts: 10,
          handler: async () => {
            firstTries += 1;
            throw new Error('this consumer is failing');
          },
        });
        await bus.publish(topic, [{ key: 'k', value: 'one' }, { key: 'k', value: 'two' }]);
        await waitFor(() => firstTries >= 1, timeoutMs, 'the first consumer to try');
        await first.close();
        const got: string[] = [];
        await subscribe({ topic, group, handler: async (m) => void got.push(m.value) });
        await waitFor(() => got.length >= 2, timeoutMs, 'the second consumer to get both messages');
        expect(got).toEqual(['one', 'two']);
        await waitFor(() => bus.drained(topic, group), timeoutMs, 'the topic to be drained');
      },
      timeoutMs * 2,
    );

    it(
      'lets a handler in flight finish before close() resolves, and acknowledges it',
      async () => {
        const topic = await newTopic(bus);
        const group = uniqueName('g');
        const started = deferred();
        const release = deferred();
        const subscription = await subscribe({
          topic,
          group,
          handler: async () => {
            started.resolve();
            await release.promise;
          },
        });
        await bus.publish(topic, [{ key: 'k', value: 'slow' }]);
        await started.promise;
        let closed = false;
        const closing = subscription.close().then(() => (closed = true));
        await sleep(150);
        expect(closed).toBe(false);
        release.resolve();
        await closing;
        await waitFor(() => bus.drained(topic, group), timeoutMs, 'the message to be acknowledged');
      },
      timeoutMs * 2,
    );

    it(
      'reports drained only when the group has acknowledged every message',
      async () => {
        const topic = await newTopic(bus);
        const group = uniqueName('g');
        await bus.publish(topic, [1, 2, 3].map((i) => ({ key: `k${i}`, value: `v${i}` })));
        expect(await bus.drained(topic, group)).toBe(false);
        const gate = deferred();
        let handled = 0;
        await subscribe({
          topic,
          group,
          handler: async () => {
            await gate.promise;
            handled += 1;
          },
        });
        await sleep(100);
        expect(await bus.drained(topic, group)).toBe(false);
        gate.resolve();
        await waitFor(() => bus.drained(topic, group), timeoutMs, 'the group to drain');
        expect(handled).toBe(3);
        expect(await bus.drained(topic, uniqueName('never-subscribed'))).toBe(false);
      },
      timeoutMs * 2,
    );

    it(
      'creates topics idempotently and accepts an empty publish',
      async () => {
        const topic = uniqueTopic();
        await bus.ensureTopics([topic]);
        await bus.ensureTopics([topic, topic]);
        await bus.publish(topic, []);
        expect(await bus.drained(topic, uniqueName('g'))).toBe(true);
      },
      timeoutMs * 2,
    );

    it(
      'redelivers after a restart everything the group had not acknowledged (durable implementations)',
      async () => {
        if (!harness.restart) return; // not a durable implementation: nothing to check
        const topic = await newTopic(bus);
        const group = uniqueName('g');
        const acked: number[] = [];
        let triedFive = false;
        const before = await bus.subscribe({
          topic,
          group,
          retryDelayMs: 60_000,
          maxAttempts: 100,
          handler: async (m) => {
            const i = Number(m.value);
            if (i >= 5) {
              triedFive = true;
              throw new Error('crash before acknowledging');
            }
            acked.push(i);
          },
        });
        await bus.publish(topic, Array.from({ length: 10 }, (_, i) => ({ key: 'one-key', value: String(i) })));
        await waitFor(() => triedFive, timeoutMs, 'message 5 to be tried');
        expect(acked).toEqual([0, 1, 2, 3, 4]);
        void before; // abandoned with the old process
        bus = await harness.restart();
        await bus.publish(topic, [{ key: 'one-key', value: '10' }]);
        const after: number[] = [];
        await subscribe({ topic, group, handler: async (m) => void after.push(Number(m.value)) });
        await waitFor(() => after.includes(10), timeoutMs, 'delivery after the restart');
        // At-least-once: acknowledged messages may come again, but every unacknowledged one must, in order.
        expect(after.filter((i) => i >= 5)).toEqual([5, 6, 7, 8, 9, 10]);
      },
      timeoutMs * 3,
    );
  });
}

function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A fresh topic name per test; the bus's topic type is the product's fixed set, so tests name theirs this way. */
function uniqueTopic(): TopicName {
  return `microscope.test-${randomUUID().slice(0, 12)}` as TopicName;
}

async function newTopic(bus: Bus): Promise<TopicName> {
  const topic = uniqueTopic();
  await bus.ensureTopics([topic]);
  return topic;
}
