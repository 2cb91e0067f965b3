/**
 * Looking into the Kafka broker from outside the apps: who in a consumer group holds which partitions, which partition
 * a key lands in, and every message a topic received between two points.
 */
import { Topics } from '@microscope/contracts';
import { AssignerProtocol, Kafka, logLevel, Partitioners, type Admin, type GroupDescription } from 'kafkajs';

/** The topics the apps consume. Their names and the apps' consumer groups are fixed: no run can have its own. */
const APP_TOPICS: string[] = [Topics.jobs, Topics.activations, Topics.progress];

export interface GroupMember {
  clientId: string;
  /** Partitions assigned to this member, by topic. */
  assignment: Record<string, number[]>;
}

export interface TopicMessage {
  partition: number;
  offset: string;
  key: string;
  value: string;
}

function membersOf(group: GroupDescription): GroupMember[] {
  return group.members.map((m) => ({
    clientId: m.clientId,
    assignment: m.memberAssignment.length ? (AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {}) : {},
  }));
}

export class KafkaInspector {
  readonly kafka: Kafka;
  private readonly admin: Admin;
  private connected: Promise<void> | null = null;

  constructor(brokers: string[]) {
    this.kafka = new Kafka({ brokers, clientId: 'microscope-fault-inspector', logLevel: logLevel.NOTHING, retry: { retries: 12, initialRetryTime: 300, maxRetryTime: 5000 } });
    this.admin = this.kafka.admin();
  }

  private async ready(): Promise<Admin> {
    this.connected ??= this.admin.connect();
    await this.connected;
    return this.admin;
  }

  async members(group: string): Promise<GroupMember[]> {
    const admin = await this.ready();
    const { groups } = await admin.describeGroups([group]);
    return groups[0] ? membersOf(groups[0]) : [];
  }

  /** The partition a key is published to: the producer's partitioner (KafkaBus uses kafkajs's default). */
  async partitionOf(topic: string, key: string): Promise<number> {
    const admin = await this.ready();
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return Partitioners.DefaultPartitioner()({ topic, partitionMetadata: topics[0].partitions, message: { key, value: null } });
  }

  /** The client id of the group member that holds `key`'s partition of `topic` (undefined while rebalancing). */
  async holderOf(group: string, topic: string, key: string): Promise<string | undefined> {
    const partition = await this.partitionOf(topic, key);
    return (await this.members(group)).find((m) => m.assignment[topic]?.includes(partition))?.clientId;
  }

  /**
   * Waits until no consumer that this run did not start reads the apps' topics, and fails naming them otherwise: the
   * apps' group names are fixed, so a foreign member (another deployment on this broker, `npm run start:distributed`)
   * would take this run's jobs. A member of a killed process leaves after its session timeout (10 s).
   */
  async waitForGroupsToOurselves(ownPrefix: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const admin = await this.ready();
      const { groups: listed } = await admin.listGroups();
      const { groups } = listed.length ? await admin.describeGroups(listed.map((g) => g.groupId)) : { groups: [] };
      const foreign = groups.flatMap((group) =>
        membersOf(group)
          .filter((m) => !m.clientId.startsWith(ownPrefix) && Object.keys(m.assignment).some((t) => APP_TOPICS.includes(t)))
          .map((m) => `${group.groupId}: ${m.clientId}`),
      );
      if (!foreign.length) return;
      if (Date.now() > deadline) {
        throw new Error(
          `other consumers are in the apps' Kafka groups (${foreign.join(', ')}): stop the other Microscope deployment using this broker ` +
            '(e.g. npm run start:distributed) — its workers would take this test\'s jobs',
        );
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** The next offset of every partition of a topic (where messages published from now on will start). */
  async ends(topic: string): Promise<Map<number, bigint>> {
    const admin = await this.ready();
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
  }

  /** Every message of `topic` from `from` (offsets by partition, as `ends` returned them) to the topic's current end. */
  async readSince(topic: string, from: Map<number, bigint>, timeoutMs = 60_000): Promise<TopicMessage[]> {
    const until = await this.ends(topic);
    const remaining = new Set([...until].filter(([p, end]) => end > (from.get(p) ?? 0n)).map(([p]) => p));
    const messages: TopicMessage[] = [];
    if (!remaining.size) return messages;
    // A throwaway group that commits nothing: it reads by explicit offsets only.
    const consumer = this.kafka.consumer({ groupId: `microscope-fault-reader-${process.pid}-${Date.now()}`, maxWaitTimeInMs: 200 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      let finished!: () => void;
      const done = new Promise<void>((resolve) => (finished = resolve));
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          if (!remaining.has(partition)) return;
          const start = from.get(partition) ?? 0n;
          const offset = BigInt(message.offset);
          if (offset >= start && offset < until.get(partition)!) {
            messages.push({ partition, offset: message.offset, key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' });
          }
          if (offset + 1n >= until.get(partition)!) {
            remaining.delete(partition);
            if (!remaining.size) finished();
          }
        },
      });
      for (const partition of remaining) consumer.seek({ topic, partition, offset: String(from.get(partition) ?? 0n) });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        done,
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`reading ${topic}: partitions ${[...remaining].join(', ')} not read to their end in ${timeoutMs} ms`)), timeoutMs))),
      ]).finally(() => clearTimeout(timer));
      return messages;
    } finally {
      await consumer.disconnect();
    }
  }

  async close(): Promise<void> {
    if (this.connected) await this.admin.disconnect().catch(() => undefined);
  }
}
