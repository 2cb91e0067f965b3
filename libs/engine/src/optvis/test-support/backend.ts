import * as tf from '@tensorflow/tfjs';

/** Switches TF.js to `name` for a spec file (WASM single-threaded: the engine's usual backend here). */
export async function useBackend(name: 'wasm' | 'cpu'): Promise<void> {
  if (name === 'wasm') require('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} did not start`);
  await tf.ready();
}
