import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { open, rename, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** One message as the journal stores it: partition, offset, key, value. */
export interface JournalRecord {
  p: number;
  o: number;
  k: string;
  v: string;
}

/** Committed offsets: topic → group → next offset to deliver, per partition. */
export type OffsetTable = Record<string, Record<string, number[]>>;

export interface JournalState {
  /** Topic → partition count. */
  topics: Record<string, number>;
  /** Topic → its records, in file order. */
  records: Record<string, JournalRecord[]>;
  offsets: OffsetTable;
  /** Lines that could not be read (a torn last write after a crash), reported, then dropped by compaction. */
  skippedLines: number;
}

/**
 * The MemoryBus's optional durability: per topic, a JSONL file of every published message; one JSON file of the
 * topics' partition counts; one JSON file of the groups' committed offsets. Appends are awaited before a publish
 * resolves (a process crash loses no acknowledged publish; a power cut may, as there is no fsync per message).
 * Offsets are written atomically (temporary file + rename) and coalesced, so a crash can only make a group redeliver
 * messages it had already acknowledged: at-least-once, never at-most-once.
 */
export class BusJournal {
  private readonly handles = new Map<string, Promise<FileHandle>>();
  private offsetsWriting: Promise<void> | null = null;
  private offsetsDirty: OffsetTable | null = null;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** Reads everything back (synchronously: this runs once, before the bus serves anything). */
  load(): JournalState {
    const topics = readJson<Record<string, number>>(this.topicsFile()) ?? {};
    const offsets = readJson<OffsetTable>(this.offsetsFile()) ?? {};
    const records: Record<string, JournalRecord[]> = {};
    let skippedLines = 0;
    for (const topic of Object.keys(topics)) {
      const file = this.topicFile(topic);
      const list: JournalRecord[] = [];
      if (existsSync(file)) {
        for (const line of readFileSync(file, 'utf8').split('\n')) {
          if (line.length === 0) continue;
          const record = parseRecord(line);
          if (record) list.push(record);
          else skippedLines += 1;
        }
      }
      records[topic] = list;
    }
    return { topics, records, offsets, skippedLines };
  }

  async saveTopics(topics: Record<string, number>): Promise<void> {
    await writeAtomically(this.topicsFile(), JSON.stringify(topics));
  }

  /** Appends records of one topic; resolves once they are written. Callers serialise appends per topic. */
  async append(topic: string, records: JournalRecord[]): Promise<void> {
    if (records.length === 0) return;
    const handle = await this.handle(topic);
    await handle.appendFile(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }

  /** Rewrites a topic's journal with only `records` (the ones some group may still need). */
  async compact(topic: string, records: JournalRecord[]): Promise<void> {
    await this.closeHandle(topic);
    await writeAtomically(this.topicFile(topic), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }

  /** Schedules a write of the offsets; writes never overlap and the newest table wins. */
  saveOffsets(offsets: OffsetTable): void {
    this.offsetsDirty = offsets;
    if (!this.offsetsWriting) this.offsetsWriting = this.writeOffsetsLoop();
  }

  /** Waits until the newest offsets are on disk. */
  async flush(): Promise<void> {
    while (this.offsetsWriting) await this.offsetsWriting;
  }

  async close(): Promise<void> {
    await this.flush();
    for (const topic of [...this.handles.keys()]) await this.closeHandle(topic);
  }

  private async writeOffsetsLoop(): Promise<void> {
    try {
      while (this.offsetsDirty) {
        const snapshot = JSON.stringify(this.offsetsDirty);
        this.offsetsDirty = null;
        await writeAtomically(this.offsetsFile(), snapshot);
      }
    } finally {
      this.offsetsWriting = null;
    }
  }

  private handle(topic: string): Promise<FileHandle> {
    let handle = this.handles.get(topic);
    if (!handle) {
      handle = open(this.topicFile(topic), 'a');
      this.handles.set(topic, handle);
    }
    return handle;
  }

  private async closeHandle(topic: string): Promise<void> {
    const handle = this.handles.get(topic);
    this.handles.delete(topic);
    if (handle) await (await handle).close();
  }

  private topicFile(topic: string): string {
    return path.join(this.dir, `topic-${encodeURIComponent(topic)}.jsonl`);
  }

  private topicsFile(): string {
    return path.join(this.dir, 'topics.json');
  }

  private offsetsFile(): string {
    return path.join(this.dir, 'offsets.json');
  }
}

function parseRecord(line: string): JournalRecord | null {
  try {
    const r = JSON.parse(line) as Partial<JournalRecord>;
    const valid =
      Number.isInteger(r.p) && Number.isInteger(r.o) && typeof r.k === 'string' && typeof r.v === 'string';
    return valid ? (r as JournalRecord) : null;
  } catch {
    return null;
  }
}

function readJson<T>(file: string): T | null {
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

async function writeAtomically(file: string, content: string): Promise<void> {
  const tmp = `${file}.${randomUUID()}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, file);
}
