import { mkdtemp, readFile, readdir, appendFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Topics, parseMessage, type TopicName } from '@microscope/contracts';
import { deferred, waitFor } from '../contract-helpers';
import type { IncomingMessage } from './bus';
import { describeBusContract } from './bus.contract';
import { MemoryBus } from './memory-bus';
import { partitionForKey } from './partition-for-key';

describeBusContract('MemoryBus', async () => {
  const bus = new MemoryBus({ partitions: 4 });
  return { bus, cleanup: () => bus.close() };
});

describeBusContract('MemoryBus with a journal', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'memory-bus-contract-'));
  let current = new MemoryBus({ partitions: 3, journalDir: dir });
  return {
    bus: current,
    restart: async () => {
      await current.close();
      current = new MemoryBus({ partitions: 3, journalDir: dir });
      return current;
    },
    cleanup: async () => {
      await current.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

const topic = 'microscope.test-memory' as TopicName;

describe('MemoryBus specifics', () => {
  let dir: string;
  const buses: MemoryBus[] = [];
  const open = (options: ConstructorParameters<typeof MemoryBus>[0] = {}) => {
    const bus = new MemoryBus(options);
    buses.push(bus);
    return bus;
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'memory-bus-'));
  });

  afterEach(async () => {
    for (const bus of buses.splice(0)) await bus.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('maps a key to the same partition every time, and spreads keys over partitions', () => {
    expect(partitionForKey('version-1', 8)).toBe(partitionForKey('version-1', 8));
    const used = new Set(Array.from({ length: 200 }, (_, i) => partitionForKey(`key-${i}`, 8)));
    expect(used.size).toBe(8);
  });

  it('counts attempts across consumers: the next consumer sees attempt 2', async () => {
    const bus = open();
    let tries = 0;
    const first = await bus.subscribe({
      topic,
      group: 'g',
      retryDelayMs: 50,
      handler: async () => {
        tries += 1;
        throw new Error('no');
      },
    });
    await bus.publish(topic, [{ key: 'k', value: 'v' }]);
    await waitFor(() => tries === 1, 5000, 'the first try');
    await first.close();
    const got: IncomingMessage[] = [];
    await bus.subscribe({ topic, group: 'g', handler: async (m) => void got.push(m) });
    await waitFor(() => got.length === 1, 5000, 'redelivery');
    expect(got[0].attempt).toBe(2);
  });

  it('treats a handler that throws synchronously as a rejection', async () => {
    const bus = open();
    const attempts: number[] = [];
    await bus.subscribe({
      topic,
      group: 'g',
      retryDelayMs: 10,
      handler: ((m: IncomingMessage) => {
        attempts.push(m.attempt);
        if (m.attempt < 2) throw new Error('sync throw');
        return Promise.resolve();
      }) as (m: IncomingMessage) => Promise<void>,
    });
    await bus.publish(topic, [{ key: 'k', value: 'v' }]);
    await waitFor(() => bus.drained(topic, 'g'), 5000, 'drain');
    expect(attempts).toEqual([1, 2]);
  });

  it('gives idle consumers nothing when a group has more consumers than partitions', async () => {
    const bus = open({ partitions: 2 });
    const counts = [0, 0, 0];
    for (const i of [0, 1, 2]) await bus.subscribe({ topic, group: 'g', handler: async () => void (counts[i] += 1) });
    await bus.publish(topic, Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: String(i) })));
    await waitFor(() => bus.drained(topic, 'g'), 5000, 'drain');
    expect(counts.reduce((a, b) => a + b)).toBe(30);
    expect(counts[2]).toBe(0);
  });

  it('redelivers after a crash (no close) everything not acknowledged, from the journal', async () => {
    const crashed = new MemoryBus({ journalDir: dir, partitions: 2 }); // abandoned, never closed, like a killed process
    const hang = deferred();
    const handled: string[] = [];
    await crashed.subscribe({
      topic,
      group: 'g',
      handler: async (m) => {
        if (m.value === 'm3') await hang.promise; // the crash happens while m3 is being handled
        handled.push(m.value);
      },
    });
    await crashed.publish(topic, ['m0', 'm1', 'm2', 'm3', 'm4'].map((value) => ({ key: 'one', value })));
    await waitFor(() => handled.length === 3, 5000, 'three messages handled');
    await new Promise((r) => setTimeout(r, 50)); // let the offsets reach the disk, as they would in a running process

    const restarted = open({ journalDir: dir, partitions: 2 });
    const after: IncomingMessage[] = [];
    await restarted.subscribe({ topic, group: 'g', handler: async (m) => void after.push(m) });
    await waitFor(() => after.length >= 2, 5000, 'redelivery after the crash');
    expect(after.map((m) => m.value)).toEqual(['m3', 'm4']);
    expect(after.map((m) => m.offset)).toEqual(['3', '4']);
  });

  it('keeps delivering from the right offsets after compaction has dropped acknowledged messages', async () => {
    const first = new MemoryBus({ journalDir: dir, partitions: 1 });
    let n = 0;
    await first.subscribe({ topic, group: 'g', handler: async () => void (n += 1) });
    await first.publish(topic, Array.from({ length: 10 }, (_, i) => ({ key: 'k', value: `old${i}` })));
    await waitFor(() => first.drained(topic, 'g'), 5000, 'drain');
    await first.close();

    const second = open({ journalDir: dir, partitions: 1 });
    await second.publish(topic, [{ key: 'k', value: 'new' }]);
    const got: IncomingMessage[] = [];
    await second.subscribe({ topic, group: 'g', handler: async (m) => void got.push(m) });
    await waitFor(() => got.length === 1, 5000, 'the new message');
    expect(got[0].value).toBe('new');
    expect(await second.drained(topic, 'g')).toBe(true);
    const journalText = await readFile(path.join(dir, `topic-${encodeURIComponent(topic)}.jsonl`), 'utf8');
    expect(journalText).not.toContain('old'); // compacted away: every group had acknowledged them
  });

  it('skips a torn last journal line and warns about it', async () => {
    const first = new MemoryBus({ journalDir: dir });
    await first.publish(topic, [{ key: 'k', value: 'whole' }]);
    await first.close();
    const file = (await readdir(dir)).find((f) => f.startsWith('topic-'))!;
    await appendFile(path.join(dir, file), '{"p":0,"o":1,"k":"k","v":"tor');
    const warnings: string[] = [];
    const second = open({ journalDir: dir, onWarning: (message) => void warnings.push(message) });
    const got: string[] = [];
    await second.subscribe({ topic, group: 'g', handler: async (m) => void got.push(m.value) });
    await second.publish(topic, [{ key: 'k', value: 'after' }]);
    await waitFor(() => got.length === 2, 5000, 'both messages');
    expect(got).toEqual(['whole', 'after']);
    expect(warnings.some((w) => w.includes('unreadable'))).toBe(true);
  });

  it('does not dead-letter a failing dead-letter consumer (no loop), and says so', async () => {
    const warnings: string[] = [];
    const bus = open({ onWarning: (message) => void warnings.push(message) });
    await bus.subscribe({ topic, group: 'g', maxAttempts: 1, handler: async () => Promise.reject(new Error('bad')) });
    const letters: string[] = [];
    await bus.subscribe({
      topic: Topics.deadLetter,
      group: 'dlq',
      maxAttempts: 2,
      retryDelayMs: 1,
      handler: async (m) => {
        letters.push(m.value);
        throw new Error('dlq handler broken');
      },
    });
    await bus.publish(topic, [{ key: 'k', value: 'x' }]);
    await waitFor(async () => letters.length === 2 && (await bus.drained(Topics.deadLetter, 'dlq')), 5000, 'the dead letter to be given up');
    expect(letters).toHaveLength(2);
    const letter = parseMessage(letters[0]);
    expect(letter.type).toBe('dead-letter');
    expect(warnings.some((w) => w.includes('dropping a dead letter'))).toBe(true);
    expect(await bus.drained(topic, 'g')).toBe(true);
  });

  it('refuses to publish after close', async () => {
    const bus = new MemoryBus();
    await bus.close();
    await expect(bus.publish(topic, [{ key: 'k', value: 'v' }])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
