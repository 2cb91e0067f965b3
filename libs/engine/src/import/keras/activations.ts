import type { AttrValue, OpType } from '../../ir/graph';

export interface ActivationOp {
  op: OpType;
  attrs: Record<string, AttrValue>;
}

/**
 * Keras activation identifiers (as Keras writes them and as TF.js writes them) → IR op. `null` is the identity.
 * Semantics follow TF.js layers, whose predictions imported models must reproduce.
 */
const ACTIVATIONS: Record<string, ActivationOp | null> = {
  linear: null,
  relu: { op: 'relu', attrs: {} },
  relu6: { op: 'relu6', attrs: {} },
  elu: { op: 'elu', attrs: { alpha: 1 } },
  selu: { op: 'selu', attrs: {} },
  sigmoid: { op: 'sigmoid', attrs: {} },
  hard_sigmoid: { op: 'hardSigmoid', attrs: { alpha: 0.2, beta: 0.5 } },
  hardSigmoid: { op: 'hardSigmoid', attrs: { alpha: 0.2, beta: 0.5 } },
  tanh: { op: 'tanh', attrs: {} },
  softmax: { op: 'softmax', attrs: { axis: -1 } },
  softplus: { op: 'softplus', attrs: {} },
  softsign: { op: 'softsign', attrs: {} },
  swish: { op: 'swish', attrs: { beta: 1 } },
  mish: { op: 'mish', attrs: {} },
  gelu: { op: 'gelu', attrs: { approximate: 'none' } },
  gelu_new: { op: 'gelu', attrs: { approximate: 'tanh' } },
};

/** The IR op of a Keras activation; `undefined` when the activation is not supported. */
export function kerasActivation(identifier: unknown): ActivationOp | null | undefined {
  if (identifier === undefined || identifier === null) return null;
  // Keras 3 may serialize an activation as { class_name, config }; TF.js and Keras 2 write a plain string.
  const name = typeof identifier === 'string' ? identifier : (identifier as { config?: { name?: unknown } })?.config?.name;
  if (typeof name !== 'string' || !(name in ACTIVATIONS)) return undefined;
  return ACTIVATIONS[name];
}
