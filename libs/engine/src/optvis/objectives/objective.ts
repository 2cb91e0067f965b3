import * as tf from '@tensorflow/tfjs';
import { MicroscopeError } from '@microscope/contracts';

/** Layer name → activations of the transformed batch ([N, H, W, C] for conv layers, [N, C] for dense ones). */
export type Activations = ReadonlyMap<string, tf.Tensor>;

/**
 * A scalar to maximise, computed from layer activations (Lucid's Objective). Objectives compose with `sum`,
 * `product`, `scaled` and `negative`.
 */
export interface Objective {
  /** Layers whose activations it reads. */
  readonly layers: readonly string[];
  /** Batch indices it reads; undefined = the whole batch. */
  readonly items?: readonly number[];
  /** For logs and job records, e.g. "channel(mixed4a:97)@3". */
  readonly description: string;
  evaluate(activations: Activations): tf.Scalar;
}

export function objective(
  description: string,
  layers: readonly string[],
  items: readonly number[] | undefined,
  evaluate: (activations: Activations) => tf.Scalar,
): Objective {
  return { description, layers: [...new Set(layers)], items: items ? [...new Set(items)].sort((a, b) => a - b) : undefined, evaluate };
}

export function sum(...terms: Objective[]): Objective {
  if (terms.length === 0) throw new MicroscopeError('INVALID_INPUT', 'a sum needs at least one objective');
  return objective(
    terms.map((t) => t.description).join(' + '),
    terms.flatMap((t) => t.layers),
    unionItems(terms),
    (acts) => tf.tidy(() => (terms.length === 1 ? terms[0].evaluate(acts) : (tf.addN(terms.map((t) => t.evaluate(acts))) as tf.Scalar))),
  );
}

export function product(a: Objective, b: Objective): Objective {
  return objective(`(${a.description}) * (${b.description})`, [...a.layers, ...b.layers], unionItems([a, b]), (acts) =>
    tf.tidy(() => tf.mul(a.evaluate(acts), b.evaluate(acts))),
  );
}

export function scaled(weight: number, term: Objective): Objective {
  return objective(`${weight} * ${term.description}`, term.layers, term.items, (acts) => tf.tidy(() => tf.mul(term.evaluate(acts), weight)));
}

/** Minimise instead of maximise (Microscope's "negative" pictures of a unit). */
export function negative(term: Objective): Objective {
  return objective(`-(${term.description})`, term.layers, term.items, (acts) => tf.tidy(() => tf.neg(term.evaluate(acts))));
}

function unionItems(terms: readonly Objective[]): number[] | undefined {
  if (terms.some((t) => t.items === undefined)) return undefined;
  return terms.flatMap((t) => t.items!);
}

/** The activations of `layer`, with an error a user can act on when the forward pass did not produce them. */
export function layerActivations(activations: Activations, layer: string): tf.Tensor {
  const t = activations.get(layer);
  if (!t) throw new MicroscopeError('INVALID_INPUT', `no activations for layer "${layer}" (ask the forward pass for it)`);
  return t;
}

/** Batch item `batch` kept as a batch of one, or the whole batch when undefined. */
export function selectItem(t: tf.Tensor, batch: number | undefined): tf.Tensor {
  if (batch === undefined) return t;
  if (!Number.isInteger(batch) || batch < 0 || batch >= t.shape[0]) {
    throw new MicroscopeError('INVALID_INPUT', `batch index ${batch} is outside a batch of ${t.shape[0]}`);
  }
  const begin = t.shape.map(() => 0);
  const size = t.shape.map(() => -1);
  begin[0] = batch;
  size[0] = 1;
  return tf.slice(t, begin, size);
}
