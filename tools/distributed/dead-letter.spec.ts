import { DeadLetter, encodeFloat32, encodeUint16, parseMessage, Topics } from '@microscope/contracts';
import { KafkaBus } from '@microscope/storage';
import { randomUUID } from 'node:crypto';
import { describeWithServers, MINUTE, report, startFaultStudy, STUDY, type FaultStudy } from './fault-suite';
import { ended, requestActivations, waitForJob } from './study';

/**
 * Messages that fail validation, published where the apps consume — the jobs topic (render) and the activations topic
 * (analytics) — under the key of a real model version, so that they sit in the same partition as that version's next
 * job. No retry can mend them, so each goes to the dead-letter topic at its first attempt, with its error; the
 * consumer goes on, and the valid job queued behind them completes.
 */
jest.setTimeout(15 * MINUTE);

const IMAGES = 20;

describeWithServers('a message that fails validation', (servers) => {
  let study: FaultStudy;
  let bus: KafkaBus;

  beforeAll(async () => {
    study = await startFaultStudy(servers, 'dead-letter', 1, IMAGES);
    bus = new KafkaBus({ brokers: servers.kafkaBrokers, clientId: `${study.cluster.names.clientIdPrefix}-test` });
  }, 10 * MINUTE);
  afterAll(async () => {
    await bus?.close();
    await study?.cluster.dispose();
  }, 10 * MINUTE);

  it('goes to the dead-letter topic with its error, and the consumer keeps going', async () => {
    const { cluster, subject, datasetId } = study;
    const key = subject.versionId;
    const marker = randomUUID();
    const envelopeOf = (type: string, payload: unknown) => JSON.stringify({ type, version: 1, id: `poison-${marker}-${type}`, occurredAt: new Date().toISOString(), payload });
    const poison = {
      notJson: { topic: Topics.jobs, value: `{ not json ${marker}` },
      badJob: { topic: Topics.jobs, value: envelopeOf('job.requested', { id: 'not-a-uuid', kind: 'activations', params: {} }) },
      // Says 8 units of 1 image but carries 3 values.
      badBatch: {
        topic: Topics.activations,
        value: envelopeOf('activations.batch', {
          jobId: randomUUID(),
          versionId: subject.versionId,
          datasetId,
          layer: 'conv1',
          batchIndex: 0,
          imageIndices: [0],
          units: 8,
          gridHeight: 28,
          gridWidth: 28,
          mean: encodeFloat32([1, 2, 3]),
          max: encodeFloat32([1, 2, 3]),
          argmaxY: encodeUint16([0, 0, 0]),
          argmaxX: encodeUint16([0, 0, 0]),
        }),
      },
    };
    const deadLettersBefore = await cluster.kafka.ends(Topics.deadLetter);
    for (const { topic, value } of Object.values(poison)) await bus.publish(topic, [{ key, value }]);
    // Queued behind the poison on the same partitions of both topics.
    const jobId = await requestActivations(cluster.api, STUDY, subject.model, 8);
    const started = Date.now();
    const done = await waitForJob(cluster.api, jobId, ended, 10 * MINUTE);
    expect(done).toMatchObject({ status: 'succeeded', progress: 1 });
    const jobSeconds = (Date.now() - started) / 1000;

    // Render and analytics dead-letter them before the job's first message reaches either.
    const letters = (await cluster.kafka.readSince(Topics.deadLetter, deadLettersBefore)).map((m) => {
      const parsed = parseMessage(m.value);
      if (parsed.type !== 'dead-letter') throw new Error(`a ${parsed.type} message on the dead-letter topic`);
      return { key: m.key, letter: DeadLetter.parse(parsed.payload) };
    });
    // Each group reading the topic dead-letters on its own: render and analytics, and any other group of the apps
    // (analytics' comparison runner also reads the jobs topic).
    const lettersFor = (value: string) => letters.filter((l) => l.letter.value === value);
    const expectDeadLettered = (value: string, topic: string, group: string, attempts: number, error: RegExp) => {
      const found = lettersFor(value);
      expect(found.find((l) => l.letter.group === group)).toEqual({ key, letter: { topic, key, value, group, attempts, error: expect.stringMatching(error) } });
      for (const l of found) expect(l.letter).toMatchObject({ topic, key, value, error: expect.stringMatching(error) });
      // Once per group: a consumer that moved on does not see the message again.
      expect(new Set(found.map((l) => l.letter.group)).size).toBe(found.length);
    };
    expectDeadLettered(poison.notJson.value, Topics.jobs, 'render', 1, /^InvalidMessageError: not JSON/);
    expectDeadLettered(poison.badJob.value, Topics.jobs, 'render', 1, /^InvalidMessageError: a "job.requested" payload that fails its schema: [\s\S]*id/);
    expectDeadLettered(poison.badBatch.value, Topics.activations, 'analytics', 1, /^InvalidMessageError: a "activations.batch" payload [\s\S]*expected 8 values \(images × units\), got 3/);
    // Nothing of the valid job was dead-lettered.
    expect(letters.filter((l) => l.letter.value.includes(jobId))).toEqual([]);

    report('messages that fail validation', {
      deadLetters: letters.filter((l) => l.letter.value.includes(marker) || l.letter.value.includes(subject.versionId)).map((l) => ({
        topic: l.letter.topic,
        group: l.letter.group,
        attempts: l.letter.attempts,
        error: l.letter.error.slice(0, 160),
      })),
      secondsForTheJobQueuedBehindThem: jobSeconds,
    });
  });
});
