import * as tf from '@tensorflow/tfjs';

/**
 * An InceptionV1 (GoogLeNet)-shaped network with seeded random weights: the stem, the nine inception modules with
 * the original channel counts, and the classifier. tf.layers has no LRN layer, so the two LRNs of the stem are left
 * out (a per-pixel op, a small share of the time). Used to measure throughput, not to mean anything.
 */
export function inceptionV1(size = 224, seed = 1): tf.LayersModel {
  let s = seed * 1000;
  const init = () => tf.initializers.heNormal({ seed: s++ });
  const conv = (x: tf.SymbolicTensor, filters: number, k: number, name: string, strides = 1) =>
    tf.layers.conv2d({ name, filters, kernelSize: k, strides, padding: 'same', activation: 'relu', kernelInitializer: init() }).apply(x) as tf.SymbolicTensor;
  const pool = (x: tf.SymbolicTensor, name: string, strides = 2) =>
    tf.layers.maxPooling2d({ name, poolSize: 3, strides, padding: 'same' }).apply(x) as tf.SymbolicTensor;
  const mixed = (x: tf.SymbolicTensor, name: string, c: [number, number, number, number, number, number]) => {
    const b1 = conv(x, c[0], 1, `${name}_1x1`);
    const b2 = conv(conv(x, c[1], 1, `${name}_3x3_bottleneck`), c[2], 3, `${name}_3x3`);
    const b3 = conv(conv(x, c[3], 1, `${name}_5x5_bottleneck`), c[4], 5, `${name}_5x5`);
    const b4 = conv(pool(x, `${name}_pool`, 1), c[5], 1, `${name}_pool_reduce`);
    return tf.layers.concatenate({ name, axis: -1 }).apply([b1, b2, b3, b4]) as tf.SymbolicTensor;
  };
  const input = tf.input({ shape: [size, size, 3], name: 'input' });
  let x = conv(input, 64, 7, 'conv2d0', 2);
  x = pool(x, 'maxpool0');
  x = conv(x, 64, 1, 'conv2d1');
  x = conv(x, 192, 3, 'conv2d2');
  x = pool(x, 'maxpool1');
  x = mixed(x, 'mixed3a', [64, 96, 128, 16, 32, 32]);
  x = mixed(x, 'mixed3b', [128, 128, 192, 32, 96, 64]);
  x = pool(x, 'maxpool4');
  x = mixed(x, 'mixed4a', [192, 96, 204, 16, 48, 64]);
  x = mixed(x, 'mixed4b', [160, 112, 224, 24, 64, 64]);
  x = mixed(x, 'mixed4c', [128, 128, 256, 24, 64, 64]);
  x = mixed(x, 'mixed4d', [112, 144, 288, 32, 64, 64]);
  x = mixed(x, 'mixed4e', [256, 160, 320, 32, 128, 128]);
  x = pool(x, 'maxpool10');
  x = mixed(x, 'mixed5a', [256, 160, 320, 48, 128, 128]);
  x = mixed(x, 'mixed5b', [384, 192, 384, 48, 128, 128]);
  x = tf.layers.globalAveragePooling2d({ name: 'avgpool0' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ name: 'softmax2', units: 1008, activation: 'softmax', kernelInitializer: init() }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'inception_v1_shaped' });
}
