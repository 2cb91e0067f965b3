import * as tf from '@tensorflow/tfjs';
import { MicroscopeError } from '@microscope/contracts';
import type { GraphIR, IRNode } from '../ir/graph';
import { formatShape } from '../ir/shapes';
import { runOp } from './ops';

/**
 * Runs a GraphIR on TF.js. Weights are uploaded once; `run` computes only the nodes the requested outputs depend
 * on and frees every intermediate as soon as its last consumer has run. It works under tf.grad / tf.variableGrads:
 * gradients with respect to the input flow through the ops (kernels save what their gradients need).
 */
export class Executor {
  private readonly weights = new Map<string, tf.Tensor>();
  private readonly byName = new Map<string, { node: IRNode; index: number }>();
  private disposed = false;

  constructor(readonly ir: GraphIR) {
    ir.nodes.forEach((node, index) => this.byName.set(node.name, { node, index }));
    tf.tidy(() => {
      for (const [name, w] of Object.entries(ir.weights)) this.weights.set(name, tf.keep(tf.tensor(w.data, w.shape, 'float32')));
    });
  }

  /** Node names in execution order. */
  get nodeNames(): string[] {
    return this.ir.nodes.map((n) => n.name);
  }

  /**
   * Forward pass from `input` ([N, H, W, C], the IR's input shape) to the named nodes. The caller owns (and
   * disposes) the returned tensors; `input` is left untouched.
   */
  run(input: tf.Tensor4D, outputs: string[]): Map<string, tf.Tensor> {
    if (this.disposed) throw new MicroscopeError('INTERNAL', 'the executor has been disposed');
    this.checkInput(input);
    const wanted = new Set(outputs);
    const needed = this.neededNodes(outputs);
    const remainingUses = new Map<string, number>();
    for (const node of needed) for (const i of node.inputs) remainingUses.set(i, (remainingUses.get(i) ?? 0) + 1);

    const values = new Map<string, tf.Tensor>();
    const release = (name: string): void => {
      const t = values.get(name);
      if (t && !wanted.has(name) && t !== input) {
        t.dispose();
        values.delete(name);
      }
    };
    try {
      for (const node of needed) {
        if (node.op === 'input') {
          // The caller keeps its tensor; a requested input is handed back as a copy so disposing results is safe.
          values.set(node.name, wanted.has(node.name) ? tf.clone(input) : input);
          continue;
        }
        values.set(node.name, this.runNode(node, node.inputs.map((i) => values.get(i)!)));
        for (const i of node.inputs) {
          const left = remainingUses.get(i)! - 1;
          remainingUses.set(i, left);
          if (left === 0) release(i);
        }
      }
    } catch (e) {
      for (const name of [...values.keys()]) {
        const t = values.get(name)!;
        if (t !== input) t.dispose();
      }
      throw e;
    }
    const result = new Map<string, tf.Tensor>();
    for (const name of outputs) result.set(name, values.get(name)!);
    for (const [name, t] of values) if (!wanted.has(name) && t !== input) t.dispose();
    return result;
  }

  /** Frees the uploaded weights. */
  dispose(): void {
    if (this.disposed) return;
    for (const t of this.weights.values()) t.dispose();
    this.weights.clear();
    this.disposed = true;
  }

  private runNode(node: IRNode, inputs: tf.Tensor[]): tf.Tensor {
    const params: Record<string, tf.Tensor> = {};
    for (const [role, weightName] of Object.entries(node.params)) params[role] = this.weights.get(weightName)!;
    try {
      return runOp(node, inputs, params);
    } catch (e) {
      const shapes = inputs.map((t) => formatShape(t.shape)).join(', ');
      throw new MicroscopeError('INTERNAL', `node "${node.name}" (${node.op}) failed on inputs ${shapes}: ${(e as Error).message}`, { cause: e });
    }
  }

  private checkInput(input: tf.Tensor): void {
    const [h, w, c] = this.ir.input.shape;
    const s = input.shape;
    if (s.length !== 4 || s[1] !== h || s[2] !== w || s[3] !== c) {
      throw new MicroscopeError('INVALID_INPUT', `the model takes [N, ${h}, ${w}, ${c}] input, got ${formatShape(s)}`);
    }
    if (input.dtype !== 'float32') throw new MicroscopeError('INVALID_INPUT', `the model takes float32 input, got ${input.dtype}`);
  }

  /** The nodes `outputs` depend on, in execution order. */
  private neededNodes(outputs: string[]): IRNode[] {
    const marked = new Set<number>();
    const stack: number[] = [];
    for (const name of outputs) {
      const entry = this.byName.get(name);
      if (!entry) throw new MicroscopeError('INVALID_INPUT', `the model has no node "${name}"`);
      stack.push(entry.index);
    }
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (marked.has(i)) continue;
      marked.add(i);
      for (const input of this.ir.nodes[i].inputs) stack.push(this.byName.get(input)!.index);
    }
    return [...marked].sort((a, b) => a - b).map((i) => this.ir.nodes[i]);
  }
}
