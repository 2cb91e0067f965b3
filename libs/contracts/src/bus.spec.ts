import { randomUUID } from 'node:crypto';
import { decodeFloat32, decodeUint16, encodeFloat32, encodeUint16, envelope, InvalidMessageError, isInvalidMessage, parseMessage, type ActivationBatch } from './bus';

const batch = (): ActivationBatch => ({
  jobId: randomUUID(),
  versionId: randomUUID(),
  datasetId: randomUUID(),
  layer: 'conv1',
  batchIndex: 0,
  imageIndices: [0, 1],
  units: 3,
  gridHeight: 4,
  gridWidth: 4,
  mean: encodeFloat32([0.5, -1, 2, 3, 4, 5]),
  max: encodeFloat32([1, 0, 2, 3, 4, 5.25]),
  argmaxY: encodeUint16([0, 1, 2, 3, 0, 1]),
  argmaxX: encodeUint16([3, 2, 1, 0, 3, 2]),
});

describe('bus envelope', () => {
  it('round-trips a typed message through its JSON form', () => {
    const payload = batch();
    const raw = JSON.stringify(envelope('activations.batch', payload, 'job:conv1:0', new Date('2026-01-02T03:04:05Z')));
    const parsed = parseMessage(raw);
    expect(parsed.type).toBe('activations.batch');
    expect(parsed.envelope).toMatchObject({ id: 'job:conv1:0', version: 1, occurredAt: '2026-01-02T03:04:05.000Z' });
    expect(parsed.payload).toEqual(payload);
  });

  it('refuses to publish a payload that fails its schema', () => {
    expect(() => envelope('activations.batch', { ...batch(), mean: encodeFloat32([1, 2]) }, 'x')).toThrow(/expected 6 values/);
  });

  it('names what is wrong with a malformed message', () => {
    expect(() => parseMessage('not json')).toThrow(/^not JSON \(/);
    expect(() => parseMessage('{"type": 3}')).toThrow(/not a message envelope: [\s\S]*type/);
    expect(() => parseMessage(JSON.stringify({ type: 'nope', version: 1, id: 'a', occurredAt: new Date().toISOString(), payload: {} }))).toThrow(
      /unknown message type "nope"/,
    );
    const future = { ...envelope('activations.batch', batch(), 'a'), version: 2 };
    expect(() => parseMessage(JSON.stringify(future))).toThrow(/version 2 is not supported/);
    const broken = { ...envelope('activations.batch', batch(), 'a'), payload: { ...batch(), argmaxX: 'not base64!' } };
    expect(() => parseMessage(JSON.stringify(broken))).toThrow(/"activations.batch" payload that fails its schema: [\s\S]*base64/);
    // Every one of them is an InvalidMessageError, which buses dead-letter without retrying.
    for (const raw of ['not json', JSON.stringify(future), JSON.stringify(broken)]) {
      expect(() => parseMessage(raw)).toThrow(InvalidMessageError);
      try {
        parseMessage(raw);
      } catch (e) {
        expect(isInvalidMessage(e)).toBe(true);
      }
    }
  });
});

describe('binary arrays', () => {
  it('encode Float32 and Uint16 values exactly', () => {
    const values = [0, -1.5, 3.14159, 1e-30, -65504];
    expect(Array.from(decodeFloat32(encodeFloat32(values)))).toEqual(Array.from(Float32Array.from(values)));
    expect(Array.from(decodeUint16(encodeUint16([0, 1, 65535])))).toEqual([0, 1, 65535]);
  });
});
