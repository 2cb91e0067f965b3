import { MicroscopeError } from '@microscope/contracts';
import { memoryModelFiles } from './model-files';
import type { WeightGroup } from './model-json';
import { float16ToFloat32, loadWeights } from './weights';

const bytesOf = (view: ArrayBufferView): Uint8Array => new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function expectModelError(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MicroscopeError);
  expect((error as MicroscopeError).code).toBe(code);
  expect((error as MicroscopeError).message).toMatch(pattern);
}

describe('loadWeights', () => {
  it('reads float32, int32, bool and string weights laid out one after another across shards', async () => {
    const a = new Float32Array([1.5, -2, 3.25, 4, 5, 6]);
    const b = new Int32Array([7, -8]);
    const c = new Uint8Array([1, 0, 1]);
    const s = concat(bytesOf(new Uint32Array([2])), new TextEncoder().encode('hi'), bytesOf(new Uint32Array([3])), new TextEncoder().encode('abc'));
    const all = concat(bytesOf(a), bytesOf(b), c, s);
    // Split mid-weight so a value straddles the shard boundary.
    const files = memoryModelFiles({ 'm/model.json': '{}', 'm/s1.bin': all.slice(0, 10), 'm/s2.bin': all.slice(10) });
    const manifest: WeightGroup[] = [
      {
        paths: ['s1.bin', 's2.bin'],
        weights: [
          { name: 'a', shape: [2, 3], dtype: 'float32' },
          { name: 'b', shape: [2], dtype: 'int32' },
          { name: 'c', shape: [3], dtype: 'bool' },
          { name: 's', shape: [2], dtype: 'string' },
        ],
      },
    ];
    const w = await loadWeights(manifest, files, 'm/model.json');
    expect(Array.from(w.get('a')!.values as Float32Array)).toEqual([1.5, -2, 3.25, 4, 5, 6]);
    expect(w.get('a')!.shape).toEqual([2, 3]);
    expect(Array.from(w.get('b')!.values as Int32Array)).toEqual([7, -8]);
    expect(Array.from(w.get('c')!.values as Uint8Array)).toEqual([1, 0, 1]);
    expect(w.get('s')!.values).toEqual(['hi', 'abc']);
  });

  it('dequantizes uint8 and uint16 weights as q * scale + min', async () => {
    const q8 = new Uint8Array([0, 1, 255, 128]);
    const q16 = new Uint16Array([0, 65535, 2]);
    const files = memoryModelFiles({ 'w.bin': concat(q8, bytesOf(q16)) });
    const w = await loadWeights(
      [
        {
          paths: ['w.bin'],
          weights: [
            { name: 'u8', shape: [4], dtype: 'float32', quantization: { dtype: 'uint8', min: -1, scale: 0.5 } },
            { name: 'u16', shape: [3], dtype: 'float32', quantization: { dtype: 'uint16', min: 2, scale: 0.25 } },
          ],
        },
      ],
      files,
    );
    expect(Array.from(w.get('u8')!.values as Float32Array)).toEqual([-1, -0.5, 126.5, 63]);
    expect(Array.from(w.get('u16')!.values as Float32Array)).toEqual([2, 2 + 65535 * 0.25, 2.5]);
  });

  it('expands float16 weights, including subnormals, infinity and NaN', async () => {
    // 1, -2, 0.5, 65504 (largest half), 2^-24 (smallest subnormal), +Inf, NaN, -0
    const halves = new Uint16Array([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x7c00, 0x7e00, 0x8000]);
    const files = memoryModelFiles({ 'w.bin': bytesOf(halves) });
    const w = await loadWeights(
      [{ paths: ['w.bin'], weights: [{ name: 'h', shape: [8], dtype: 'float32', quantization: { dtype: 'float16' } }] }],
      files,
    );
    const v = Array.from(w.get('h')!.values as Float32Array);
    expect(v.slice(0, 6)).toEqual([1, -2, 0.5, 65504, 2 ** -24, Infinity]);
    expect(Number.isNaN(v[6])).toBe(true);
    expect(Object.is(v[7], -0)).toBe(true);
    expect(Array.from(float16ToFloat32(new Uint16Array([0x3555])))[0]).toBeCloseTo(1 / 3, 3);
  });

  it('names a missing shard', async () => {
    const files = memoryModelFiles({ 's1.bin': new Uint8Array(4) });
    await expectModelError(
      loadWeights([{ paths: ['s1.bin', 's2.bin'], weights: [{ name: 'a', shape: [2], dtype: 'float32' }] }], files),
      'INVALID_MODEL',
      /shard "s2\.bin".*missing/,
    );
  });

  it('names a truncated shard with the byte counts', async () => {
    const files = memoryModelFiles({ 's1.bin': new Uint8Array(10) });
    await expectModelError(
      loadWeights([{ paths: ['s1.bin'], weights: [{ name: 'a', shape: [3], dtype: 'float32' }] }], files),
      'INVALID_MODEL',
      /weight "a" \[3\] needs bytes 0\.\.12 .* only 10 bytes: a shard is truncated/,
    );
  });

  it('names an unknown dtype and an unknown quantization', async () => {
    const files = memoryModelFiles({ 's.bin': new Uint8Array(16) });
    await expectModelError(
      loadWeights([{ paths: ['s.bin'], weights: [{ name: 'x', shape: [2], dtype: 'float64' }] }], files),
      'INVALID_MODEL',
      /weight "x" has the unknown dtype "float64"/,
    );
    await expectModelError(
      loadWeights([{ paths: ['s.bin'], weights: [{ name: 'y', shape: [2], dtype: 'float32', quantization: { dtype: 'int4' } }] }], files),
      'INVALID_MODEL',
      /weight "y" has the unknown quantization dtype "int4"/,
    );
  });

  it('refuses shard paths that leave the model folder', async () => {
    const files = memoryModelFiles({});
    await expectModelError(
      loadWeights([{ paths: ['../../etc/passwd'], weights: [] }], files),
      'INVALID_MODEL',
      /points outside the model/,
    );
  });
});
