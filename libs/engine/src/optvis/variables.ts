import * as tf from '@tensorflow/tfjs';

/** A variable made from `initial`, which is then freed (tf.variable copies it and leaves the original alive). */
export function ownedVariable(initial: tf.Tensor, trainable = false): tf.Variable {
  const v = tf.variable(initial, trainable);
  initial.dispose();
  return v;
}
