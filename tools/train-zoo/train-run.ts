/**
 * One training run: an architecture, a seed, a number of epochs, checkpoints at chosen epochs.
 * Deterministic on the cpu backend: seeded initializers, a seeded shuffle per epoch, no dropout.
 */
import * as tf from '@tensorflow/tfjs';
import type { FashionSplit } from '../demo-zoo/fashion-mnist';
import { buildModel, type Architecture } from './architectures';
import { inputBatch, rowRange } from './batches';
import { mulberry32, shuffledIndices } from './prng';

export interface RunPlan {
  architecture: Architecture;
  seed: number;
  epochs: number;
  /** Epochs (1-based) after which the caller gets a checkpoint. */
  checkpointEpochs: number[];
  batchSize: number;
  learningRate: number;
}

export interface Checkpoint {
  model: tf.LayersModel;
  epoch: number;
  /** Optimizer steps taken so far. */
  step: number;
  testAccuracy: number;
}

export interface RunCallbacks {
  onBatch?: (info: { epoch: number; batch: number; batchesPerEpoch: number; loss: number }) => void;
  onEpoch?: (info: { epoch: number; seconds: number; meanLoss: number }) => void;
  onCheckpoint: (checkpoint: Checkpoint) => Promise<void>;
}

/** Fraction of `split` the model classifies correctly (argmax of its output), in batches to bound memory. */
export function accuracy(model: tf.LayersModel, split: FashionSplit, batchSize = 500): number {
  let correct = 0;
  for (let start = 0; start < split.count; start += batchSize) {
    const { x, y } = inputBatch(split, rowRange(start, Math.min(split.count, start + batchSize)));
    const predicted = tf.tidy(() => (model.predict(x) as tf.Tensor).argMax(-1));
    const guesses = predicted.dataSync();
    const labels = y.dataSync();
    for (let i = 0; i < guesses.length; i++) if (guesses[i] === labels[i]) correct++;
    tf.dispose([x, y, predicted]);
  }
  return split.count === 0 ? 0 : correct / split.count;
}

export async function trainRun(plan: RunPlan, train: FashionSplit, test: FashionSplit, callbacks: RunCallbacks): Promise<void> {
  const model = buildModel(plan.architecture, plan.seed);
  model.compile({ optimizer: tf.train.adam(plan.learningRate), loss: 'sparseCategoricalCrossentropy' });
  // A different stream from the initializers' seeds, still fixed by the run seed.
  const random = mulberry32(0x5eed0000 + plan.seed);
  const batchesPerEpoch = Math.ceil(train.count / plan.batchSize);
  let step = 0;
  try {
    for (let epoch = 1; epoch <= plan.epochs; epoch++) {
      const started = process.hrtime.bigint();
      const order = shuffledIndices(train.count, random);
      let lossSum = 0;
      for (let batch = 0; batch < batchesPerEpoch; batch++) {
        const rows = order.subarray(batch * plan.batchSize, Math.min(train.count, (batch + 1) * plan.batchSize));
        const { x, y } = inputBatch(train, rows);
        const loss = (await model.trainOnBatch(x, y)) as number;
        tf.dispose([x, y]);
        step++;
        lossSum += loss;
        callbacks.onBatch?.({ epoch, batch, batchesPerEpoch, loss });
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      callbacks.onEpoch?.({ epoch, seconds, meanLoss: lossSum / batchesPerEpoch });
      if (plan.checkpointEpochs.includes(epoch)) {
        await callbacks.onCheckpoint({ model, epoch, step, testAccuracy: accuracy(model, test) });
      }
    }
  } finally {
    model.dispose();
  }
}
