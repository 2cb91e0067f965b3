/**
 * Test support, run as its own process: selects a backend with the thread count given on the command line, runs a
 * convolution and prints the backend and a checksum as JSON. It must then exit without being told to.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../select-backend';

async function main(): Promise<void> {
  const info = await selectBackend({ threads: Number(process.argv[2] ?? 1) });
  const x = tf.randomNormal([2, 32, 32, 16], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 16, 16], 0, 1, 'float32', 2) as tf.Tensor4D;
  const checksum = tf.sum(tf.abs(tf.conv2d(x, w, 1, 'same'))).dataSync()[0];
  process.stdout.write(`${JSON.stringify({ info, checksum })}\n`);
}

void main();
