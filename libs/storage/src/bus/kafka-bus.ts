import { isInvalidMessage, MicroscopeError, Topics, envelope, type TopicName } from '@microscope/contracts';
import {
  CompressionTypes,
  Kafka,
  Partitioners,
  logLevel as KafkaLogLevel,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type KafkaMessage,
  type LogEntry,
  type Producer,
} from 'kafkajs';
import type { Bus, IncomingMessage, OutgoingMessage, SubscribeOptions, Subscription } from './bus';

export interface KafkaBusOptions {
  /** Bootstrap brokers, "host:port". */
  brokers: string[];
  clientId?: string;
  /**
   * Prefix of every topic and consumer group on the cluster ("<namespace>.<name>"), so that several deployments (a
   * lab's staging and production, parallel CI runs) can share one Kafka cluster without seeing each other's work.
   * Messages, dead letters and this API keep the bare names. Default: none.
   */
  namespace?: string;
  /** Partitions of each topic this bus creates (default 4). Existing topics keep theirs. */
  partitions?: number;
  /** Largest message a created topic accepts (default 8 MiB; activation batches of wide layers are big). */
  maxMessageBytes?: number;
  /**
   * gzip message batches on the wire and on disk (default false). JSON envelopes shrink several times, but kafkajs
   * compresses on the event loop: on 2 cores, 100 KB messages went at ~70/s gzipped against ~110–200/s plain.
   */
  compress?: boolean;
  /** Defaults for subscriptions that do not set their own. */
  maxAttempts?: number;
  retryDelayMs?: number;
  /** Redeliveries back off exponentially from `retryDelayMs`, up to this (default 30 s). */
  maxRetryDelayMs?: number;
  /** Partitions one subscription handles at once (default 4); one partition's messages are always one at a time. */
  concurrency?: number;
  /** A consumer silent this long is presumed dead and its partitions go to the rest of its group (default 10 s). */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /**
   * When a consumer joins or leaves, the group waits this long for every member to finish the message it is handling
   * (default 60 s); a member still busy after that loses its partitions and its message is redelivered to another.
   * Handlers that run longer than this (a long render job) should raise it, at the price of slower rebalances.
   */
  rebalanceTimeoutMs?: number;
  /** How long `subscribe` waits to join its group (default: the rebalance timeout + 30 s). */
  joinTimeoutMs?: number;
  /**
   * How kafkajs retries requests that fail for want of a broker. The default (300 ms doubling to 5 s, 12 tries, ≈45 s
   * in all) outlasts a broker restart.
   */
  clientRetry?: { retries: number; initialRetryTimeMs: number; maxRetryTimeMs: number };
  /** kafkajs's own log lines at or above this level are passed to `onWarning` (default: none). */
  clientLogLevel?: 'error' | 'warn' | 'info' | 'debug' | 'nothing';
  /** Told about what the bus handles without failing a call: dropped dead letters, consumer restarts. */
  onWarning?: (message: string, details: Record<string, unknown>) => void;
}

const DEFAULTS = {
  clientId: 'microscope',
  partitions: 4,
  maxMessageBytes: 8 * 1024 * 1024,
  maxAttempts: 5,
  retryDelayMs: 1000,
  maxRetryDelayMs: 30_000,
  concurrency: 4,
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1000,
  rebalanceTimeoutMs: 60_000,
  clientRetry: { retries: 12, initialRetryTimeMs: 300, maxRetryTimeMs: 5000 },
};

/**
 * Bus on Apache Kafka (kafkajs): topics with partitions, keys (a key always lands in one partition, so one key's
 * messages are handled in publish order), consumer groups that share a topic's partitions, at-least-once delivery.
 *
 * - Publishing uses an idempotent producer (acks from all replicas, one request in flight), so a retried send neither
 *   duplicates nor reorders messages. Topics are created on first use (or by `ensureTopics`) with `partitions`.
 * - A subscription commits each message's offset after its handler resolves (auto-commit is off; commits of messages
 *   handled while one is in flight go out together in the next). A rejected message
 *   is retried in place, after `retryDelayMs` doubling up to `maxRetryDelayMs`, holding back the rest of its partition
 *   so order is kept; after `maxAttempts` it goes to the dead-letter topic with the error, and is committed.
 * - Closing a subscription lets a running handler finish and commits it; a message waiting for its retry stays
 *   unacknowledged and goes to the group's next consumer. A consumer that crashes goes the same way after
 *   `sessionTimeoutMs`.
 * - `drained` compares the group's committed offsets with the partitions' high watermarks.
 *
 * Attempts are counted per process: a message redelivered after a crash starts again at attempt 1.
 */
export class KafkaBus implements Bus {
  readonly kind = 'kafka';
  readonly options: Required<Omit<KafkaBusOptions, 'onWarning' | 'clientLogLevel' | 'namespace'>>;
  private readonly namespace: string | undefined;
  readonly warn: (message: string, details: Record<string, unknown>) => void;
  readonly kafka: Kafka;
  private producer: Promise<Producer> | null = null;
  private admin: Promise<Admin> | null = null;
  private readonly knownTopics = new Set<string>();
  private readonly subscriptions = new Set<KafkaSubscription>();
  private closed = false;

  constructor(options: KafkaBusOptions) {
    if (!Array.isArray(options.brokers) || options.brokers.length === 0 || options.brokers.some((b) => !/^[^\s:]+:\d+$/.test(b))) {
      throw new MicroscopeError('INVALID_INPUT', `Kafka brokers must be a list of "host:port", got ${JSON.stringify(options.brokers)}`);
    }
    const merged = { ...DEFAULTS, compress: false, ...definedOnly(options) };
    this.options = { ...merged, joinTimeoutMs: merged.joinTimeoutMs ?? merged.rebalanceTimeoutMs + 30_000 } as KafkaBus['options'];
    if (options.namespace !== undefined && !/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/.test(options.namespace)) {
      throw new MicroscopeError('INVALID_INPUT', `a Kafka namespace is 1 to 100 letters, digits, ".", "_" or "-", got ${JSON.stringify(options.namespace)}`);
    }
    this.namespace = options.namespace;
    if (!Number.isInteger(this.options.partitions) || this.options.partitions < 1) {
      throw new MicroscopeError('INVALID_INPUT', `partitions must be a positive integer, got ${options.partitions}`);
    }
    this.warn = options.onWarning ?? ((message, details) => process.emitWarning(`${message} ${JSON.stringify(details)}`, 'KafkaBusWarning'));
    const level = LOG_LEVELS[options.clientLogLevel ?? 'nothing'];
    this.kafka = new Kafka({
      clientId: this.options.clientId,
      brokers: options.brokers,
      connectionTimeout: 3000,
      logLevel: level,
      logCreator: () => (entry: LogEntry) => {
        const { message, ...details } = entry.log;
        this.warn(`kafka ${entry.namespace}: ${message}`, { level: KafkaLogLevel[entry.level], ...details });
      },
      retry: {
        initialRetryTime: this.options.clientRetry.initialRetryTimeMs,
        maxRetryTime: this.options.clientRetry.maxRetryTimeMs,
        retries: this.options.clientRetry.retries,
      },
    });
  }

  async ensureTopics(topics: TopicName[]): Promise<void> {
    this.assertOpen();
    const missing = [...new Set(topics)].filter((t) => !this.knownTopics.has(t));
    if (missing.length === 0) return;
    const admin = await this.adminClient();
    try {
      // Returns false (no error) for topics that already exist, whoever created them.
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic: this.onCluster(topic),
          numPartitions: this.options.partitions,
          configEntries: [{ name: 'max.message.bytes', value: String(this.options.maxMessageBytes) }],
        })),
      });
    } catch (error) {
      throw unavailable(`creating Kafka topics ${missing.join(', ')}`, error);
    }
    for (const topic of missing) this.knownTopics.add(topic);
  }

  async publish(topic: TopicName, messages: OutgoingMessage[]): Promise<void> {
    this.assertOpen();
    for (const m of messages) {
      if (typeof m.key !== 'string' || typeof m.value !== 'string') {
        throw new MicroscopeError('INVALID_INPUT', `bus messages need a string key and value (topic ${topic})`);
      }
    }
    await this.ensureTopics([topic]);
    if (messages.length === 0) return;
    const producer = await this.producerClient();
    try {
      await producer.send({
        topic: this.onCluster(topic),
        compression: this.options.compress ? CompressionTypes.GZIP : CompressionTypes.None,
        messages: messages.map((m) => ({ key: m.key, value: m.value })),
      });
    } catch (error) {
      if (errorType(error) === 'MESSAGE_TOO_LARGE') {
        throw new MicroscopeError('TOO_LARGE', `a message for ${topic} is larger than the topic accepts (${this.options.maxMessageBytes} bytes)`, { cause: error });
      }
      throw unavailable(`publishing ${messages.length} message(s) to ${topic}`, error);
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen();
    if (!options.group) throw new MicroscopeError('INVALID_INPUT', 'a subscription needs a consumer group');
    await this.ensureTopics([options.topic]);
    const subscription = new KafkaSubscription(this, {
      topic: options.topic,
      group: options.group,
      handler: options.handler,
      maxAttempts: Math.max(1, options.maxAttempts ?? this.options.maxAttempts),
      retryDelayMs: Math.max(0, options.retryDelayMs ?? this.options.retryDelayMs),
    });
    this.subscriptions.add(subscription);
    try {
      await subscription.start();
    } catch (error) {
      this.subscriptions.delete(subscription);
      await subscription.close().catch(() => undefined);
      throw error;
    }
    subscription.onClosed = () => this.subscriptions.delete(subscription);
    return subscription;
  }

  async drained(topic: TopicName, group: string): Promise<boolean> {
    const admin = await this.adminClient();
    let ends: Array<{ partition: number; high: string; low: string }>;
    try {
      ends = await admin.fetchTopicOffsets(this.onCluster(topic));
    } catch (error) {
      if (errorType(error) === 'UNKNOWN_TOPIC_OR_PARTITION') return true; // nothing was ever published
      throw unavailable(`reading the offsets of ${topic}`, error);
    }
    let committed: Map<number, bigint>;
    try {
      const [forTopic] = await admin.fetchOffsets({ groupId: this.onCluster(group), topics: [this.onCluster(topic)] });
      committed = new Map((forTopic?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    } catch (error) {
      throw unavailable(`reading the committed offsets of group ${group}`, error);
    }
    // A group with no commit on a partition has consumed none of it: drained only if the partition holds nothing.
    return ends.every(({ partition, high, low }) => {
      const offset = committed.get(partition) ?? -1n;
      return offset < 0n ? BigInt(high) <= BigInt(low) : offset >= BigInt(high);
    });
  }

  /** A topic's or group's name on the cluster: with the namespace prefix, when there is one. */
  onCluster(name: string): string {
    return this.namespace ? `${this.namespace}.${name}` : name;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    const producer = this.producer;
    const admin = this.admin;
    this.producer = null;
    this.admin = null;
    await Promise.all([
      producer?.then((p) => p.disconnect()).catch(() => undefined),
      admin?.then((a) => a.disconnect()).catch(() => undefined),
    ]);
  }

  /** Publishes a message that failed every attempt to the dead-letter topic, with its error. */
  async deadLetter(source: { topic: TopicName; partition: number; offset: string; key: string; value: string }, group: string, error: unknown, attempts: number): Promise<void> {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (source.topic === Topics.deadLetter) {
      // A dead letter whose own handler keeps failing has nowhere further to go.
      this.warn('dropping a dead letter its consumer could not handle', { group, partition: source.partition, offset: source.offset, error: reason });
      return;
    }
    // Deterministic, so a dead letter published again after a crash is recognisably the same one.
    const id = `dead-letter:${group}:${source.topic}:${source.partition}:${source.offset}`.slice(0, 300);
    const letter = envelope('dead-letter', { topic: source.topic, key: source.key, value: source.value, error: reason, attempts, group }, id);
    await this.publish(Topics.deadLetter, [{ key: source.key, value: JSON.stringify(letter) }]);
  }

  isClosed(): boolean {
    return this.closed;
  }

  private producerClient(): Promise<Producer> {
    this.producer ??= connectOrReset(
      () => this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner }),
      () => (this.producer = null),
      'the Kafka producer',
    );
    return this.producer;
  }

  private adminClient(): Promise<Admin> {
    this.admin ??= connectOrReset(() => this.kafka.admin(), () => (this.admin = null), 'the Kafka admin client');
    return this.admin;
  }

  private assertOpen(): void {
    if (this.closed) throw new MicroscopeError('UNAVAILABLE', 'the bus is closed');
  }
}

interface SubscriptionSpec {
  topic: TopicName;
  group: string;
  handler: SubscribeOptions['handler'];
  maxAttempts: number;
  retryDelayMs: number;
}

/** One consumer in a group, delivering a topic's messages to a handler (see KafkaBus for the semantics). */
class KafkaSubscription implements Subscription {
  onClosed: () => void = () => undefined;
  private consumer: Consumer | null = null;
  private closing: Promise<void> | null = null;
  /** Wakes every retry wait at once when the subscription closes. */
  private readonly stop = new AbortController();
  /** Failed attempts (and the last error) of messages still being retried, by "partition:offset". */
  private readonly failures = new Map<string, { attempts: number; error: unknown }>();
  private restartTimer: NodeJS.Timeout | null = null;
  /** Handled messages' next offsets not yet committed, by partition, and the commit under way. */
  private readonly pendingCommits = new Map<number, string>();
  private commit: EachBatchPayload['commitOffsetsIfNecessary'] | null = null;
  private committing: Promise<void> | null = null;
  private commitError: unknown = null;

  constructor(
    private readonly bus: KafkaBus,
    private readonly spec: SubscriptionSpec,
  ) {}

  /** Connects, subscribes from the earliest message, and resolves once the consumer has joined its group. */
  async start(): Promise<void> {
    const { options } = this.bus;
    const consumer = this.bus.kafka.consumer({
      groupId: this.bus.onCluster(this.spec.group),
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      rebalanceTimeout: options.rebalanceTimeoutMs,
      allowAutoTopicCreation: false,
      // Short fetch waits keep close() and rebalances quick; fetches return at once when messages are there.
      maxWaitTimeInMs: 500,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (event) => {
      // kafkajs restarts itself after retriable errors; after any other error it stops, and so would delivery.
      if (!event.payload.restart && !this.closing) this.restartLater(event.payload.error);
    });
    let joinTimer: NodeJS.Timeout | undefined;
    let stopWaiting = () => {};
    const joined = new Promise<void>((resolve, reject) => {
      joinTimer = setTimeout(
        () => reject(new MicroscopeError('UNAVAILABLE', `Kafka consumer group ${this.spec.group} was not joined within ${options.joinTimeoutMs} ms`)),
        options.joinTimeoutMs,
      );
      stopWaiting = consumer.on(consumer.events.GROUP_JOIN, () => resolve());
    });
    joined.catch(() => undefined); // awaited below; a failure before then must not count as unhandled
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [this.bus.onCluster(this.spec.topic)], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.concurrency,
        eachBatch: (payload) => this.handleBatch(payload),
      });
      await joined;
    } catch (error) {
      throw unavailable(`subscribing group ${this.spec.group} to ${this.spec.topic}`, error);
    } finally {
      clearTimeout(joinTimer);
      stopWaiting();
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stop.abort();
      if (this.restartTimer) clearTimeout(this.restartTimer);
      // Waits for the batch under way: a running handler finishes and is committed; a retry wait ends uncommitted.
      await this.consumer?.disconnect().catch(() => undefined);
      this.onClosed();
    })();
    return this.closing;
  }

  private async handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }: EachBatchPayload): Promise<void> {
    const { topic } = this.spec; // one topic per subscription; batch.topic carries the namespace
    try {
      for (const message of batch.messages) {
        if (!isRunning() || isStale() || this.stop.signal.aborted) return;
        const outcome = await this.deliver(topic, batch.partition, message, heartbeat);
        if (outcome === 'abandoned') return;
        resolveOffset(message.offset);
        this.acknowledge(batch.partition, (BigInt(message.offset) + 1n).toString(), commitOffsetsIfNecessary);
      }
    } finally {
      // Everything handled in this batch is committed before the batch ends: before close() resolves, before the
      // partition can move to another consumer, and before an idle group reports itself drained.
      await this.flushCommits(batch.partition);
    }
  }

  /**
   * Records a handled message's next offset for commit. Commits go out one request at a time, each carrying the newest
   * offset of every partition handled meanwhile: acknowledgements batch up under load instead of costing a broker
   * round trip per message. (Through the batch's own commit function, which, unlike consumer.commitOffsets, still
   * commits while the consumer stops, so a handler that finishes during close() is acknowledged.)
   */
  private acknowledge(partition: number, nextOffset: string, commit: EachBatchPayload['commitOffsetsIfNecessary']): void {
    this.pendingCommits.set(partition, nextOffset);
    this.commit = commit;
    if (!this.commitError) this.startCommit();
  }

  /** Sends one commit request with every pending offset, unless one is under way (it starts the next when it ends). */
  private startCommit(): void {
    if (this.committing || this.pendingCommits.size === 0 || !this.commit) return;
    const sent = new Map(this.pendingCommits);
    this.pendingCommits.clear();
    const partitions = [...sent].map(([partition, offset]) => ({ partition, offset }));
    this.committing = this.commit({ topics: [{ topic: this.bus.onCluster(this.spec.topic), partitions }] })
      .then(
        () => {
          this.commitError = null;
        },
        (error: unknown) => {
          // Kept for the next try, unless a later offset of the partition was acknowledged meanwhile.
          for (const [partition, offset] of sent) if (!this.pendingCommits.has(partition)) this.pendingCommits.set(partition, offset);
          this.commitError = error;
        },
      )
      .finally(() => {
        this.committing = null;
        if (!this.commitError) this.startCommit();
      });
  }

  /**
   * Waits until this partition's handled messages are committed. While the broker is unreachable it keeps retrying
   * (with backoff; for at most COMMIT_RETRY_ON_CLOSE_MS once closing), so a restart loses no acknowledgement. If the
   * partition was taken away (a rebalance), it throws: kafkajs rejoins, and the uncommitted messages are redelivered.
   */
  private async flushCommits(partition: number): Promise<void> {
    let delay = 100;
    let closingSince: number | null = null;
    for (;;) {
      if (this.committing) {
        await this.committing;
        continue;
      }
      if (!this.pendingCommits.has(partition)) return;
      if (this.commitError) {
        const error = this.commitError;
        if (this.stop.signal.aborted) closingSince ??= Date.now();
        if (LOST_MEMBERSHIP.has(errorType(error) ?? '') || (closingSince !== null && Date.now() - closingSince > COMMIT_RETRY_ON_CLOSE_MS)) {
          this.pendingCommits.delete(partition);
          if (this.pendingCommits.size === 0) this.commitError = null;
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 2000);
        this.commitError = null;
      }
      this.startCommit();
    }
  }

  /**
   * Runs the handler until it resolves, or until `maxAttempts` failures send the message to the dead-letter topic.
   * "abandoned": the subscription closed (or lost the partition) while waiting to retry; the message stays
   * unacknowledged.
   */
  private async deliver(topic: TopicName, partition: number, message: KafkaMessage, heartbeat: () => Promise<void>): Promise<'acknowledged' | 'abandoned'> {
    const id = `${partition}:${message.offset}`;
    const incoming = {
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString('utf8') ?? '',
      value: message.value?.toString('utf8') ?? '',
    };
    const { maxAttempts, retryDelayMs } = this.spec;
    for (;;) {
      const previous = this.failures.get(id);
      // Every attempt already failed (the dead-letter publish itself failed and the batch is being redelivered).
      if (previous && (previous.attempts >= maxAttempts || isInvalidMessage(previous.error))) {
        await this.bus.deadLetter(incoming, this.spec.group, previous.error, previous.attempts);
        this.failures.delete(id);
        return 'acknowledged';
      }
      const attempt = (previous?.attempts ?? 0) + 1;
      const lost = { value: false };
      try {
        await this.whileBeating(heartbeat, lost, () => this.spec.handler({ ...incoming, attempt } satisfies IncomingMessage));
        this.failures.delete(id);
        return 'acknowledged';
      } catch (error) {
        this.failures.set(id, { attempts: attempt, error: error ?? new Error('handler rejected without a reason') });
      }
      // To the dead-letter branch above: every attempt failed, or no attempt can succeed.
      if (attempt >= maxAttempts || isInvalidMessage(this.failures.get(id)!.error)) continue;
      const delay = Math.min(retryDelayMs * 2 ** (attempt - 1), this.bus.options.maxRetryDelayMs);
      await this.whileBeating(heartbeat, lost, () => abortableSleep(delay, this.stop.signal));
      if (this.stop.signal.aborted || lost.value) return 'abandoned';
    }
  }

  /** Keeps the group membership alive (heartbeats) while `work` runs; `lost` is set if the partition was taken away. */
  private async whileBeating<R>(heartbeat: () => Promise<void>, lost: { value: boolean }, work: () => Promise<R>): Promise<R> {
    const timer = setInterval(() => {
      heartbeat().catch(() => {
        lost.value = true; // a rebalance: kafkajs rejoins once this batch returns
      });
    }, this.bus.options.heartbeatIntervalMs);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  /** Starts a fresh consumer after kafkajs gave up on this one, unless the subscription is closing. */
  private restartLater(error: unknown): void {
    const delay = this.bus.options.retryDelayMs;
    this.bus.warn('Kafka consumer stopped after an error; restarting it', { group: this.spec.group, topic: this.spec.topic, error: String(error), inMs: delay });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.closing || this.bus.isClosed()) return;
      const old = this.consumer;
      void (async () => {
        await old?.disconnect().catch(() => undefined);
        if (this.closing) return;
        await this.start().catch((e: unknown) => this.restartLater(e));
      })();
    }, delay);
  }
}

/** Commit errors that mean this consumer no longer owns its partitions: retrying cannot help, rejoining does. */
const LOST_MEMBERSHIP = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID']);
/** How long a closing subscription keeps trying to commit what it handled before leaving it to be redelivered. */
const COMMIT_RETRY_ON_CLOSE_MS = 10_000;

const LOG_LEVELS: Record<NonNullable<KafkaBusOptions['clientLogLevel']>, KafkaLogLevel> = {
  nothing: KafkaLogLevel.NOTHING,
  error: KafkaLogLevel.ERROR,
  warn: KafkaLogLevel.WARN,
  info: KafkaLogLevel.INFO,
  debug: KafkaLogLevel.DEBUG,
};

/** A client connected once and shared; a failed connect clears the memo so the next call tries again. */
function connectOrReset<C extends { connect(): Promise<void> }>(create: () => C, reset: () => void, what: string): Promise<C> {
  const client = create();
  return client.connect().then(
    () => client,
    (error: unknown) => {
      reset();
      throw unavailable(`connecting ${what}`, error);
    },
  );
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

function errorType(error: unknown): string | undefined {
  let current = error as { type?: string; cause?: unknown; originalError?: unknown } | null;
  for (let depth = 0; current && depth < 5; depth += 1) {
    if (current.type) return current.type;
    current = (current.cause ?? current.originalError) as typeof current;
  }
  return undefined;
}

function unavailable(what: string, error: unknown): MicroscopeError {
  if (error instanceof MicroscopeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new MicroscopeError('UNAVAILABLE', `${what} failed: ${message} (is Kafka reachable?)`, { cause: error });
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
