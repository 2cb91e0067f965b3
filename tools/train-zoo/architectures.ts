/**
 * The two demo-zoo architectures. Every layer has an explicit, stable name (the UI's node names) and every random
 * initializer gets its own seed derived from the run's seed, so a run is reproducible and layers do not share draws.
 */
import * as tf from '@tensorflow/tfjs';

export const ARCHITECTURES = ['small-cnn', 'bn-cnn'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

export const INPUT_SHAPE: [number, number, number] = [28, 28, 1];
export const CLASS_COUNT = 10;

/** Adam learning rates: the global-average-pooled bn-cnn learns slowly at 1e-3 in a few hundred steps. */
export const DEFAULT_LEARNING_RATE: Record<Architecture, number> = { 'small-cnn': 1e-3, 'bn-cnn': 3e-3 };

/**
 * Batch-norm moving-average momentum. Keras' 0.99 leaves the moving statistics far from the batch statistics after
 * the ~125 steps of a first epoch here (test accuracy 26% against a training loss that said otherwise); 0.9 tracks.
 */
const BN_MOMENTUM = 0.9;

/** Seeds for one model's initializers: distinct per layer, fixed by the run seed. */
function seedSource(runSeed: number) {
  let layer = 0;
  return () => runSeed * 1000 + ++layer;
}

function glorot(seed: number) {
  return tf.initializers.glorotUniform({ seed });
}

function heNormal(seed: number) {
  return tf.initializers.heNormal({ seed });
}

/** conv3x3 relu → maxpool → conv3x3 relu → maxpool → flatten → dense softmax. */
function smallCnn(runSeed: number): tf.LayersModel {
  const seed = seedSource(runSeed);
  return tf.sequential({
    name: 'small-cnn',
    layers: [
      tf.layers.conv2d({ name: 'conv1', inputShape: INPUT_SHAPE, filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: heNormal(seed()) }),
      tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2, strides: 2 }),
      tf.layers.conv2d({ name: 'conv2', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: heNormal(seed()) }),
      tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2, strides: 2 }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ name: 'logits', units: CLASS_COUNT, activation: 'softmax', kernelInitializer: glorot(seed()) }),
    ],
  });
}

/**
 * More op types for the importers and the executor: a strided Conv2D without bias + BatchNormalization + a separate
 * ReLU, a MobileNet-style DepthwiseConv2D → pointwise Conv2D block, a SeparableConv2D and GlobalAveragePooling2D.
 * The stem is strided (not pooled) because batch norm at full 28×28 resolution dominated training time on the cpu
 * backend.
 */
function bnCnn(runSeed: number): tf.LayersModel {
  const seed = seedSource(runSeed);
  return tf.sequential({
    name: 'bn-cnn',
    layers: [
      tf.layers.conv2d({ name: 'conv1', inputShape: INPUT_SHAPE, filters: 16, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: heNormal(seed()) }),
      tf.layers.batchNormalization({ name: 'bn1', momentum: BN_MOMENTUM }),
      tf.layers.activation({ name: 'relu1', activation: 'relu' }),
      tf.layers.depthwiseConv2d({ name: 'dw2', kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: heNormal(seed()) }),
      tf.layers.conv2d({ name: 'pw2', filters: 32, kernelSize: 1, useBias: false, kernelInitializer: heNormal(seed()) }),
      tf.layers.batchNormalization({ name: 'bn2', momentum: BN_MOMENTUM }),
      tf.layers.activation({ name: 'relu2', activation: 'relu' }),
      tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2, strides: 2 }),
      tf.layers.separableConv2d({ name: 'sep3', filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', depthwiseInitializer: heNormal(seed()), pointwiseInitializer: heNormal(seed()) }),
      tf.layers.globalAveragePooling2d({ name: 'gap' }),
      tf.layers.dense({ name: 'logits', units: CLASS_COUNT, activation: 'softmax', kernelInitializer: glorot(seed()) }),
    ],
  });
}

export function buildModel(architecture: Architecture, runSeed: number): tf.LayersModel {
  return architecture === 'small-cnn' ? smallCnn(runSeed) : bnCnn(runSeed);
}
