import * as tf from '@tensorflow/tfjs';
import { ownedVariable } from './variables';

/**
 * Adam as TensorFlow 1 (and so Lucid) implements it: lr_t = lr·√(1−β2ᵗ)/(1−β1ᵗ), θ −= lr_t·m/(√v + ε).
 * Our own rather than tf.train.adam, which differs in where ε goes and leaks a tensor per optimizer.
 */
export class Adam {
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  private t = 0;

  constructor(
    private readonly variable: tf.Variable,
    private readonly learningRate = 0.05,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    this.m = ownedVariable(tf.zerosLike(variable));
    this.v = ownedVariable(tf.zerosLike(variable));
  }

  /** One step that decreases `loss`; returns the loss before the step. */
  minimize(loss: () => tf.Scalar): number {
    const { value, grads } = tf.variableGrads(loss, [this.variable]);
    const g = grads[this.variable.name];
    this.t += 1;
    const rate = (this.learningRate * Math.sqrt(1 - this.beta2 ** this.t)) / (1 - this.beta1 ** this.t);
    tf.tidy(() => {
      this.m.assign(tf.add(tf.mul(this.m, this.beta1), tf.mul(g, 1 - this.beta1)));
      this.v.assign(tf.add(tf.mul(this.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
      this.variable.assign(tf.sub(this.variable, tf.mul(tf.div(this.m, tf.add(tf.sqrt(this.v), this.epsilon)), rate)));
    });
    g.dispose();
    const result = value.dataSync()[0];
    value.dispose();
    return result;
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}
