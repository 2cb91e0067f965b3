import { isInvalidMessage, MicroscopeError, Topics, envelope, type TopicName } from '@microscope/contracts';
import type { Bus, IncomingMessage, OutgoingMessage, SubscribeOptions, Subscription } from './bus';
import { BusJournal, type JournalRecord, type OffsetTable } from './bus-journal';
import { partitionForKey } from './partition-for-key';

export interface MemoryBusOptions {
  /** Partitions of each new topic (default 4). A topic keeps the count it was created with. */
  partitions?: number;
  /** Where to journal messages and committed offsets, so a restarted process redelivers what was not acknowledged. */
  journalDir?: string;
  /** Defaults for subscriptions that do not set their own. */
  maxAttempts?: number;
  retryDelayMs?: number;
  /** Told about what the bus cannot hand to anyone (a dead letter that itself failed, unreadable journal lines). */
  onWarning?: (message: string, details: Record<string, unknown>) => void;
}

const DEFAULT_PARTITIONS = 4;
const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_RETRY_DELAY_MS = 1000;
/** Journal records no group needs any more, above which a topic's journal file is rewritten. */
const COMPACT_AFTER_RECORDS = 10_000;

interface StoredMessage {
  key: string;
  value: string;
}

/** One partition's log. Offsets are absolute; messages every known group has acknowledged are released (`base`). */
class PartitionLog {
  base = 0;
  messages: StoredMessage[] = [];

  get end(): number {
    return this.base + this.messages.length;
  }

  at(offset: number): StoredMessage | undefined {
    return offset >= this.base ? this.messages[offset - this.base] : undefined;
  }

  /** Releases messages below `offset`; returns how many. */
  releaseBefore(offset: number): number {
    const count = Math.min(offset, this.end) - this.base;
    if (count <= 0) return 0;
    this.messages.splice(0, count);
    this.base += count;
    return count;
  }
}

class TopicLog {
  readonly groups = new Map<string, ConsumerGroup>();
  releasedSinceCompaction = 0;

  constructor(
    readonly name: TopicName,
    readonly partitions: PartitionLog[],
  ) {}
}

class Consumer {
  inFlight = 0;
  closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    readonly handler: SubscribeOptions['handler'],
    readonly maxAttempts: number,
    readonly retryDelayMs: number,
  ) {}

  async invoke(message: IncomingMessage): Promise<unknown | undefined> {
    this.inFlight += 1;
    try {
      await this.handler(message);
      return undefined;
    } catch (error) {
      return error ?? new Error('handler rejected without a reason');
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  idle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

/** Delivery state of one partition for one group: who owns it, and how the message at the committed offset fares. */
class PartitionWorker {
  owner: Consumer | null = null;
  running = false;
  failures = 0;
  retryAt = 0;
  timer: NodeJS.Timeout | null = null;
}

class ConsumerGroup {
  readonly members: Consumer[] = [];
  readonly workers: PartitionWorker[];

  constructor(
    readonly name: string,
    readonly committed: number[],
  ) {
    this.workers = committed.map(() => new PartitionWorker());
  }

  /** Kafka's round-robin assignment over members in join order; members beyond the partition count stay idle. */
  rebalance(): void {
    this.workers.forEach((worker, p) => {
      worker.owner = this.members.length > 0 ? this.members[p % this.members.length] : null;
    });
  }
}

/**
 * The in-process bus with Kafka's semantics: topics of N partitions (a key always maps to one partition, so one key's
 * messages arrive in publish order), consumer groups that share partitions and each see every message, and
 * at-least-once delivery: a handler's resolve commits its message, a reject redelivers it after `retryDelayMs` (the
 * partition waits, preserving order) and after `maxAttempts` it goes to the dead-letter topic. A closed consumer's
 * partitions, and whatever it left unacknowledged, move to the group's other or next consumer. A consumer gets one
 * message at a time per partition, but its partitions are delivered concurrently.
 *
 * With `journalDir`, published messages and committed offsets survive a restart: the new process redelivers every
 * message a group had not acknowledged. Messages every known group has acknowledged are released from memory (and
 * from the journal when it is compacted); a group that subscribes for the first time starts at the oldest message
 * still held, as a new Kafka group starts at the oldest retained one. One process per journal directory.
 */
export class MemoryBus implements Bus {
  readonly kind = 'memory';
  private readonly topics = new Map<string, TopicLog>();
  private readonly journal: BusJournal | null;
  private readonly partitionsPerTopic: number;
  private readonly defaults: { maxAttempts: number; retryDelayMs: number };
  private readonly warn: NonNullable<MemoryBusOptions['onWarning']>;
  /** Publishes (and topic creation) run one at a time so offsets, journal lines and memory agree. */
  private writeQueue: Promise<unknown> = Promise.resolve();
  private readonly subscriptions = new Set<Subscription>();
  /** Partition deliveries under way, awaited by close(). */
  private readonly pumping = new Set<Promise<void>>();
  private closed = false;

  constructor(options: MemoryBusOptions = {}) {
    this.partitionsPerTopic = options.partitions ?? DEFAULT_PARTITIONS;
    if (!Number.isInteger(this.partitionsPerTopic) || this.partitionsPerTopic < 1) {
      throw new MicroscopeError('INVALID_INPUT', `partitions must be a positive integer, got ${options.partitions}`);
    }
    this.defaults = {
      maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      retryDelayMs: options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS,
    };
    this.warn = options.onWarning ?? ((message, details) => process.emitWarning(`${message} ${JSON.stringify(details)}`, 'MemoryBusWarning'));
    this.journal = options.journalDir ? new BusJournal(options.journalDir) : null;
    if (this.journal) this.restore(this.journal);
  }

  async ensureTopics(topics: TopicName[]): Promise<void> {
    this.assertOpen();
    await this.serially(async () => {
      const created = topics.filter((t) => !this.topics.has(t)).map((t) => this.createTopic(t, this.partitionsPerTopic));
      if (created.length > 0) await this.journal?.saveTopics(this.topicPartitionCounts());
    });
  }

  async publish(topic: TopicName, messages: OutgoingMessage[]): Promise<void> {
    this.assertOpen();
    await this.append(topic, messages);
  }

  /** Appends messages to a topic's partitions (and journal) and wakes the groups that consume them. */
  private async append(topic: TopicName, messages: OutgoingMessage[]): Promise<void> {
    for (const m of messages) {
      if (typeof m.key !== 'string' || typeof m.value !== 'string') {
        throw new MicroscopeError('INVALID_INPUT', `bus messages need a string key and value (topic ${topic})`);
      }
    }
    await this.serially(async () => {
      const log = await this.topicForWrite(topic);
      const records: JournalRecord[] = messages.map((m) => {
        const p = partitionForKey(m.key, log.partitions.length);
        return { p, o: -1, k: m.key, v: m.value };
      });
      // Offsets are assigned in order; a message becomes visible only once it is journaled.
      const next = log.partitions.map((partition) => partition.end);
      for (const r of records) r.o = next[r.p]++;
      await this.journal?.append(topic, records);
      for (const r of records) log.partitions[r.p].messages.push({ key: r.k, value: r.v });
      const touched = new Set(records.map((r) => r.p));
      for (const group of log.groups.values()) for (const p of touched) this.startPump(log, group, p);
    });
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen();
    if (!options.group) throw new MicroscopeError('INVALID_INPUT', 'a subscription needs a consumer group');
    const log = await this.serially(() => this.topicForWrite(options.topic));
    const group = this.groupOf(log, options.group);
    const consumer = new Consumer(
      options.handler,
      Math.max(1, options.maxAttempts ?? this.defaults.maxAttempts),
      Math.max(0, options.retryDelayMs ?? this.defaults.retryDelayMs),
    );
    group.members.push(consumer);
    group.rebalance();
    this.pumpAll(log, group);
    const subscription: Subscription = {
      close: async () => {
        if (consumer.closed) return;
        consumer.closed = true;
        this.subscriptions.delete(subscription);
        group.members.splice(group.members.indexOf(consumer), 1);
        group.rebalance();
        // Hand its partitions, and whatever it left unacknowledged, to the remaining members; the ones where its
        // handler is still running continue with their new owner once that handler settles.
        this.pumpAll(log, group);
        await consumer.idle();
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async drained(topic: TopicName, groupName: string): Promise<boolean> {
    const log = this.topics.get(topic);
    if (!log) return true;
    const group = log.groups.get(groupName);
    // A group that never subscribed has acknowledged nothing, even what other groups' acknowledgements released.
    return log.partitions.every((partition, p) => partition.end <= (group ? group.committed[p] : 0));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await Promise.all([...this.pumping]);
    for (const log of this.topics.values()) {
      for (const group of log.groups.values()) for (const worker of group.workers) if (worker.timer) clearTimeout(worker.timer);
    }
    await this.writeQueue.catch(() => undefined);
    if (this.journal) {
      this.saveOffsets();
      await this.journal.close();
    }
  }

  /** Starts delivering a partition unless that is already under way; never rejects (problems go to `onWarning`). */
  private startPump(log: TopicLog, group: ConsumerGroup, p: number): void {
    const worker = group.workers[p];
    if (worker.running) return;
    worker.running = true;
    const run = this.pump(log, group, p)
      .catch((error: unknown) => {
        // Only the bus's own bookkeeping can fail here (handlers' errors are caught); retry the partition later.
        this.warn('bus delivery failed; retrying', { topic: log.name, group: group.name, partition: p, error: String(error) });
        if (!this.closed) this.wakeLater(log, group, p, DEFAULT_RETRY_DELAY_MS);
      })
      .finally(() => this.pumping.delete(run));
    this.pumping.add(run);
  }

  /**
   * Delivers the partition's messages to its current owner, one at a time, until none is left or it must wait.
   * `running` is cleared in the same synchronous step as the last check, so a publish never finds it set by a
   * delivery loop that has already decided to stop.
   */
  private async pump(log: TopicLog, group: ConsumerGroup, p: number): Promise<void> {
    const worker = group.workers[p];
    try {
      for (;;) {
        const consumer = worker.owner;
        const offset = group.committed[p];
        const message = log.partitions[p].at(offset);
        if (!consumer || consumer.closed || !message || this.closed) return;
        const wait = worker.retryAt - Date.now();
        if (wait > 0) {
          this.wakeLater(log, group, p, wait);
          return;
        }
        const attempt = worker.failures + 1;
        const error = await consumer.invoke({ topic: log.name, key: message.key, value: message.value, partition: p, offset: String(offset), attempt });
        if (error === undefined) {
          this.commit(log, group, p, offset + 1);
        } else if (attempt >= consumer.maxAttempts || isInvalidMessage(error)) {
          await this.deadLetter(log, group, p, offset, message, error, attempt);
          this.commit(log, group, p, offset + 1);
        } else {
          worker.failures = attempt;
          worker.retryAt = Date.now() + consumer.retryDelayMs;
        }
      }
    } finally {
      worker.running = false;
    }
  }

  private pumpAll(log: TopicLog, group: ConsumerGroup): void {
    group.workers.forEach((_, p) => this.startPump(log, group, p));
  }

  private wakeLater(log: TopicLog, group: ConsumerGroup, p: number, ms: number): void {
    const worker = group.workers[p];
    if (worker.timer) clearTimeout(worker.timer);
    worker.timer = setTimeout(() => {
      worker.timer = null;
      this.startPump(log, group, p);
    }, ms);
  }

  private commit(log: TopicLog, group: ConsumerGroup, p: number, next: number): void {
    group.committed[p] = next;
    const worker = group.workers[p];
    worker.failures = 0;
    worker.retryAt = 0;
    this.release(log, p);
    this.saveOffsets();
  }

  /** Frees messages every known group has acknowledged; compacts the journal when enough have gone. */
  private release(log: TopicLog, p: number): void {
    let lowest = Infinity;
    for (const group of log.groups.values()) lowest = Math.min(lowest, group.committed[p]);
    if (lowest === Infinity) return;
    log.releasedSinceCompaction += log.partitions[p].releaseBefore(lowest);
    if (this.journal && log.releasedSinceCompaction >= COMPACT_AFTER_RECORDS) {
      log.releasedSinceCompaction = 0;
      void this.serially(() => this.journal!.compact(log.name, retainedRecords(log))).catch((error: unknown) =>
        this.warn('bus journal compaction failed; will retry later', { topic: log.name, error: String(error) }),
      );
    }
  }

  private async deadLetter(log: TopicLog, group: ConsumerGroup, p: number, offset: number, message: StoredMessage, error: unknown, attempts: number) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (log.name === Topics.deadLetter) {
      // A dead letter whose own handler keeps failing has nowhere further to go.
      this.warn('dropping a dead letter its consumer could not handle', { group: group.name, partition: p, offset, error: reason });
      return;
    }
    const id = `dead-letter:${group.name}:${log.name}:${p}:${offset}`.slice(0, 300);
    const letter = envelope('dead-letter', { topic: log.name, key: message.key, value: message.value, error: reason, attempts, group: group.name }, id);
    await this.append(Topics.deadLetter, [{ key: message.key, value: JSON.stringify(letter) }]);
  }

  private groupOf(log: TopicLog, name: string): ConsumerGroup {
    let group = log.groups.get(name);
    if (!group) {
      group = new ConsumerGroup(name, log.partitions.map((partition) => partition.base));
      log.groups.set(name, group);
    }
    return group;
  }

  private createTopic(name: TopicName, partitions: number): TopicLog {
    const log = new TopicLog(name, Array.from({ length: partitions }, () => new PartitionLog()));
    this.topics.set(name, log);
    return log;
  }

  /** The topic, created on first use like Kafka's auto-created topics. Runs inside the write queue. */
  private async topicForWrite(name: TopicName): Promise<TopicLog> {
    const existing = this.topics.get(name);
    if (existing) return existing;
    const log = this.createTopic(name, this.partitionsPerTopic);
    await this.journal?.saveTopics(this.topicPartitionCounts());
    return log;
  }

  private topicPartitionCounts(): Record<string, number> {
    return Object.fromEntries([...this.topics.values()].map((t) => [t.name, t.partitions.length]));
  }

  private saveOffsets(): void {
    if (!this.journal) return;
    const table: OffsetTable = {};
    for (const log of this.topics.values()) {
      table[log.name] = Object.fromEntries([...log.groups.values()].map((g) => [g.name, [...g.committed]]));
    }
    this.journal.saveOffsets(table);
  }

  /** Rebuilds topics, messages and groups from the journal, then compacts it. */
  private restore(journal: BusJournal): void {
    const state = journal.load();
    if (state.skippedLines > 0) this.warn('skipped unreadable bus journal lines (a write torn by a crash)', { lines: state.skippedLines });
    for (const [name, partitions] of Object.entries(state.topics)) {
      const log = this.createTopic(name as TopicName, partitions);
      for (const record of state.records[name] ?? []) {
        const partition = log.partitions[record.p];
        if (!partition) continue;
        if (partition.messages.length === 0) partition.base = record.o;
        if (record.o === partition.end) partition.messages.push({ key: record.k, value: record.v });
      }
      for (const [groupName, committed] of Object.entries(state.offsets[name] ?? {})) {
        const start = log.partitions.map((partition, p) => Math.max(partition.base, Math.min(committed[p] ?? partition.base, partition.end)));
        log.groups.set(groupName, new ConsumerGroup(groupName, start));
      }
      log.partitions.forEach((_, p) => this.release(log, p));
      void this.serially(() => journal.compact(name, retainedRecords(log))).catch((error: unknown) =>
        this.warn('bus journal compaction failed; the journal keeps its old records', { topic: name, error: String(error) }),
      );
    }
  }

  private serially<R>(task: () => Promise<R>): Promise<R> {
    const run = this.writeQueue.then(task);
    this.writeQueue = run.catch(() => undefined);
    return run;
  }

  private assertOpen(): void {
    if (this.closed) throw new MicroscopeError('UNAVAILABLE', 'the bus is closed');
  }
}

function retainedRecords(log: TopicLog): JournalRecord[] {
  const records: JournalRecord[] = [];
  log.partitions.forEach((partition, p) => {
    partition.messages.forEach((m, i) => records.push({ p, o: partition.base + i, k: m.key, v: m.value }));
  });
  return records;
}
