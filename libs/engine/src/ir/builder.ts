import { MicroscopeError } from '@microscope/contracts';
import type { AttrValue, GraphIR, IRNode, OpType, SourceFormat, WeightTensor } from './graph';
import { inferOutputShape, ShapeError } from './shapes';

export interface NodeSpec {
  name: string;
  op: OpType;
  inputs: string[];
  attrs?: Record<string, AttrValue>;
  params?: Record<string, string>;
  isLayer: boolean;
}

/**
 * Builds a GraphIR in topological order for importers: computes each node's output shape as it is added, so a
 * bad model fails at the node that breaks, with the source layer's name in the message.
 */
export class GraphBuilder {
  private readonly nodes: IRNode[] = [];
  private readonly byName = new Map<string, IRNode>();
  private readonly weights: Record<string, WeightTensor> = {};
  private input?: GraphIR['input'];

  constructor(private readonly format: SourceFormat) {}

  has(name: string): boolean {
    return this.byName.has(name);
  }

  shapeOf(name: string): number[] {
    const node = this.byName.get(name);
    if (!node) throw new MicroscopeError('INVALID_MODEL', `"${name}" is used before it is defined`);
    return node.outputShape;
  }

  node(name: string): IRNode | undefined {
    return this.byName.get(name);
  }

  /** A node name not yet taken, starting from `base`. */
  uniqueName(base: string): string {
    if (!this.byName.has(base) && !(base in this.weights)) return base;
    for (let i = 1; ; i++) {
      const candidate = `${base}_${i}`;
      if (!this.byName.has(candidate) && !(candidate in this.weights)) return candidate;
    }
  }

  addInput(name: string, shape: [number, number, number]): string {
    if (this.input) throw new MicroscopeError('UNSUPPORTED', `the model has more than one input ("${this.input.name}", "${name}"); only single-image models are supported`);
    if (shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new MicroscopeError('INVALID_MODEL', `input "${name}" has shape [${shape.join(', ')}]; give the input size explicitly`);
    }
    this.input = { name, shape };
    this.push({ name, op: 'input', inputs: [], attrs: {}, params: {}, outputShape: [...shape], isLayer: false });
    return name;
  }

  /** Registers a weight under a unique name and returns that name. */
  addWeight(baseName: string, weight: WeightTensor): string {
    let name = baseName;
    for (let i = 1; name in this.weights; i++) name = `${baseName}_${i}`;
    this.weights[name] = weight;
    return name;
  }

  add(spec: NodeSpec): string {
    if (this.byName.has(spec.name)) throw new MicroscopeError('INVALID_MODEL', `two nodes are named "${spec.name}"`);
    const attrs = spec.attrs ?? {};
    const params = spec.params ?? {};
    const paramShapes: Record<string, number[]> = {};
    for (const [role, w] of Object.entries(params)) {
      const weight = this.weights[w];
      if (!weight) throw new MicroscopeError('INVALID_MODEL', `"${spec.name}" refers to a missing weight "${w}"`);
      paramShapes[role] = weight.shape;
    }
    let outputShape: number[];
    try {
      outputShape = inferOutputShape({ op: spec.op, attrs, params }, spec.inputs.map((i) => this.shapeOf(i)), paramShapes);
    } catch (e) {
      if (e instanceof ShapeError) throw new MicroscopeError('INVALID_MODEL', `"${spec.name}" (${spec.op}): ${e.message}`);
      throw e;
    }
    this.push({ name: spec.name, op: spec.op, inputs: [...spec.inputs], attrs, params, outputShape, isLayer: spec.isLayer });
    return spec.name;
  }

  build(outputs: string[]): GraphIR {
    if (!this.input) throw new MicroscopeError('INVALID_MODEL', 'the model has no input');
    for (const o of outputs) this.shapeOf(o);
    return { format: this.format, input: this.input, nodes: this.nodes, weights: this.weights, outputs };
  }

  private push(node: IRNode): void {
    this.nodes.push(node);
    this.byName.set(node.name, node);
  }
}
