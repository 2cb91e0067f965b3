import * as tf from '@tensorflow/tfjs';
import type { ModelVersion } from '@microscope/contracts';
import { withRedirectedReluGradients, type Executor, type optvis } from '@microscope/engine';

/**
 * The network as the optimisation and the stimuli see it: images [N, H, W, C] with values in [0, 1], resized to the
 * version's input when they differ, then the version's preprocessing (x = (255·p·scale − mean[c]) / std[c]),
 * then the executor. Differentiable in the images, with Lucid's redirected ReLU gradients (a unit that is off on
 * the grey start image would otherwise get no gradient and its picture would stay grey).
 */
export function networkForward(executor: Executor, version: Pick<ModelVersion, 'input' | 'preprocessing'>): optvis.ForwardFn {
  const { height, width, channels } = version.input;
  const { scale, mean, std } = version.preprocessing;
  const perChannel = (values: number[]): number[] => Array.from({ length: channels }, (_, c) => values[c % values.length] ?? values[0]);
  const m = perChannel(mean);
  const s = perChannel(std);
  return (images, layers) => {
    const x = tf.tidy(() => {
      const sized = images.shape[1] === height && images.shape[2] === width ? images : tf.image.resizeBilinear(images, [height, width], false, true);
      // 255·scale / std and mean / std per channel: one multiply-add.
      const gain = tf.tensor1d(s.map((sd) => (255 * scale) / sd));
      const offset = tf.tensor1d(m.map((mu, c) => mu / s[c]));
      return tf.sub(tf.mul(sized, gain), offset) as tf.Tensor4D;
    });
    try {
      return withRedirectedReluGradients(() => executor.run(x, layers));
    } finally {
      x.dispose();
    }
  };
}
