import * as tf from '@tensorflow/tfjs';
import { MicroscopeError } from '@microscope/contracts';
import { Executor } from '../../exec/executor';
import { shapeSize } from '../../ir/shapes';
import { memoryModelFiles } from '../model-files';
import { importOnnx } from './import-onnx';
import { mobilenetV2, squeezenet } from './test-support/families';
import { seededRandom } from './test-support/onnx-graph-builder';

/**
 * Mutated model files (bit flips, truncations, byte splices) must import as a valid model or fail with a
 * MicroscopeError: never another exception, never a hang. A fixed iteration count (about 10 s on a 2-core machine)
 * rather than a time budget, so every machine tries the same mutations and a failure reproduces anywhere.
 */

const ITERATIONS = 1500;

type Mutation = (bytes: Uint8Array, random: () => number, donor: Uint8Array) => Uint8Array;
const at = (random: () => number, n: number): number => Math.floor(random() * n);

const MUTATIONS: Record<string, Mutation> = {
  bitFlips: (bytes, random) => {
    const out = bytes.slice();
    const flips = 1 + at(random, 8);
    for (let i = 0; i < flips; i++) out[at(random, out.length)] ^= 1 << at(random, 8);
    return out;
  },
  truncation: (bytes, random) => bytes.slice(0, at(random, bytes.length)),
  splice: (bytes, random, donor) => {
    // Replace a run of bytes with a run from elsewhere (this model or another), changing the length.
    const start = at(random, bytes.length);
    const end = Math.min(bytes.length, start + at(random, 64));
    const from = at(random, donor.length);
    const piece = donor.slice(from, from + at(random, 64));
    const out = new Uint8Array(bytes.length - (end - start) + piece.length);
    out.set(bytes.subarray(0, start));
    out.set(piece, start);
    out.set(bytes.subarray(end), start + piece.length);
    return out;
  },
  byteOverwrite: (bytes, random) => {
    // Varint fields are where sizes live: set a few bytes to extreme values.
    const out = bytes.slice();
    for (let i = 0; i < 3; i++) out[at(random, out.length)] = [0x00, 0xff, 0x7f, 0x80][at(random, 4)];
    return out;
  },
};

describe('importOnnx fuzzing', () => {
  it('turns mutated files into a valid model or a MicroscopeError', async () => {
    const seeds = [mobilenetV2({ opset: 13, size: 32 }).bytes, squeezenet({ opset: 11, size: 32 }).bytes];
    const random = seededRandom(20240611);
    const names = Object.keys(MUTATIONS);
    const outcomes: Record<string, number> = { imported: 0, rejected: 0, ran: 0 };
    const crashes: string[] = [];
    for (let iteration = 1; iteration <= ITERATIONS; iteration++) {
      const source = seeds[at(random, seeds.length)];
      const kind = names[at(random, names.length)];
      const bytes = MUTATIONS[kind](source, random, seeds[at(random, seeds.length)]);
      try {
        const ir = await importOnnx(memoryModelFiles({ 'model.onnx': bytes }));
        outcomes.imported++;
        // A model small enough to run must run.
        const activations = ir.nodes.reduce((s, n) => s + shapeSize(n.outputShape), 0);
        if (activations < 2e5) {
          const executor = new Executor(ir);
          const input = tf.zeros([1, ...ir.input.shape]) as tf.Tensor4D;
          const out = executor.run(input, ir.outputs);
          for (const t of out.values()) t.dispose();
          input.dispose();
          executor.dispose();
          outcomes.ran++;
        }
      } catch (e) {
        if (e instanceof MicroscopeError && e.code !== 'INTERNAL') outcomes.rejected++;
        else crashes.push(`${kind} #${iteration}: ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')}`);
      }
    }
    expect(crashes.slice(0, 5)).toEqual([]);
    expect(outcomes.rejected).toBeGreaterThan(0);
    expect(outcomes.imported).toBeGreaterThan(0);
  }, 120_000);
});
