import type { TopicName } from '@microscope/contracts';

export interface OutgoingMessage {
  /** Partitioning key: messages with one key are delivered in publish order. */
  key: string;
  /** The serialized envelope (JSON). */
  value: string;
}

export interface IncomingMessage {
  topic: TopicName;
  key: string;
  value: string;
  partition: number;
  offset: string;
  /** 1 on first delivery; higher on redelivery after a failure or a crash before acknowledgement. */
  attempt: number;
}

export interface SubscribeOptions {
  topic: TopicName;
  /** Consumers of one group share the topic's partitions; each group sees every message. */
  group: string;
  /**
   * Called once per message, in key order. Resolving acknowledges the message (commits it).
   * Rejecting leaves it unacknowledged: it is redelivered after `retryDelayMs`, up to `maxAttempts`,
   * and then published to the dead-letter topic with the error, and the consumer moves on.
   */
  handler: (message: IncomingMessage) => Promise<void>;
  maxAttempts?: number;
  retryDelayMs?: number;
  /** Start from the earliest unacknowledged message of the group (default) — there is no "latest" mode. */
}

export interface Subscription {
  /** Stops delivering; messages in flight finish first. Unacknowledged ones go to the group's next consumer. */
  close(): Promise<void>;
}

/**
 * A message log with Kafka's semantics: topics with partitions, keys, consumer groups, at-least-once delivery,
 * acknowledgement after processing, redelivery of whatever was not acknowledged.
 */
export interface Bus {
  readonly kind: string;
  /** Creates topics that do not exist (idempotent). */
  ensureTopics(topics: TopicName[]): Promise<void>;
  publish(topic: TopicName, messages: OutgoingMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Resolves when every message published so far on `topic` is acknowledged by `group` (for tests and shutdown). */
  drained(topic: TopicName, group: string): Promise<boolean>;
  close(): Promise<void>;
}
