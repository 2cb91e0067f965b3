import { MicroscopeError } from '@microscope/contracts';
import type { GraphIR, IRNode } from './graph';
import { formatShape, inferOutputShape, shapeSize, ShapeError } from './shapes';

/**
 * Checks a GraphIR before anything runs it: unique names, inputs that exist and come earlier, no cycles, weights
 * present and consistent with each op, stored output shapes that match what the ops compute and are positive.
 * Throws MicroscopeError('INVALID_MODEL') naming the offending node.
 */
export function validateGraph(ir: GraphIR): void {
  const fail = (message: string): never => {
    throw new MicroscopeError('INVALID_MODEL', message);
  };
  const nodeFail = (node: IRNode, message: string): never => fail(`node "${node.name}" (${node.op}): ${message}`);

  if (ir.nodes.length === 0) fail('the graph has no nodes');

  const position = new Map<string, number>();
  ir.nodes.forEach((node, i) => {
    if (typeof node.name !== 'string' || node.name === '') fail(`node #${i} has no name`);
    if (position.has(node.name)) fail(`node name "${node.name}" is used more than once`);
    position.set(node.name, i);
  });

  checkAcyclic(ir.nodes, position, fail);

  const inputNodes = ir.nodes.filter((n) => n.op === 'input');
  if (inputNodes.length !== 1) fail(`the graph must have exactly one input node, found ${inputNodes.length}`);
  if (inputNodes[0].name !== ir.input.name) fail(`GraphIR.input names "${ir.input.name}" but the input node is "${inputNodes[0].name}"`);
  if (ir.input.shape.length !== 3 || ir.input.shape.some((d) => !Number.isInteger(d) || d < 1)) {
    fail(`the input shape ${formatShape(ir.input.shape)} must be three positive integers [H, W, C]`);
  }

  for (const [name, w] of Object.entries(ir.weights)) {
    if (w.shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`weight "${name}" has an invalid shape ${formatShape(w.shape)}`);
    if (w.data.length !== shapeSize(w.shape)) {
      fail(`weight "${name}" has ${w.data.length} values but its shape ${formatShape(w.shape)} needs ${shapeSize(w.shape)}`);
    }
  }

  const shapes = new Map<string, number[]>();
  ir.nodes.forEach((node, i) => {
    for (const input of node.inputs) {
      const at = position.get(input);
      if (at === undefined) nodeFail(node, `input "${input}" does not exist`);
      if (at! >= i) nodeFail(node, `input "${input}" comes after it; nodes must be in topological order`);
    }
    const paramShapes: Record<string, number[]> = {};
    for (const [role, weightName] of Object.entries(node.params)) {
      const w = ir.weights[weightName];
      if (!w) nodeFail(node, `weight "${weightName}" (${role}) does not exist`);
      paramShapes[role] = w.shape;
    }
    if (node.op === 'clip') checkClipBounds(node, nodeFail);
    let expected: number[];
    if (node.op === 'input') {
      if (node.inputs.length > 0) nodeFail(node, 'an input node takes no inputs');
      expected = [...ir.input.shape];
    } else {
      try {
        expected = inferOutputShape(node, node.inputs.map((n) => shapes.get(n)!), paramShapes);
      } catch (e) {
        if (e instanceof ShapeError) return nodeFail(node, e.message);
        throw e;
      }
    }
    if (node.outputShape.some((d) => !Number.isInteger(d) || d < 1)) nodeFail(node, `output shape ${formatShape(node.outputShape)} is not positive`);
    if (node.outputShape.length !== expected.length || node.outputShape.some((d, k) => d !== expected[k])) {
      nodeFail(node, `stored output shape ${formatShape(node.outputShape)} differs from the computed ${formatShape(expected)}`);
    }
    shapes.set(node.name, node.outputShape);
  });

  if (ir.outputs.length === 0) fail('the graph declares no outputs');
  for (const out of ir.outputs) if (!position.has(out)) fail(`output "${out}" is not a node`);
}

/** The executor's clip needs two ordered numbers; an importer must resolve exporter quirks before this. */
function checkClipBounds(node: IRNode, nodeFail: (node: IRNode, m: string) => never): void {
  const { min, max } = node.attrs ?? {};
  if (typeof min !== 'number' || typeof max !== 'number' || Number.isNaN(min) || Number.isNaN(max)) {
    nodeFail(node, 'needs numeric attributes min and max');
  }
  if ((min as number) > (max as number)) nodeFail(node, `min (${min}) is greater than max (${max})`);
}

/** Depth-first search for a cycle, so a cyclic graph gets a message naming the loop rather than an ordering error. */
function checkAcyclic(nodes: IRNode[], position: Map<string, number>, fail: (m: string) => never): void {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'open') {
      const loop = [...stack.slice(stack.indexOf(name)), name];
      fail(`the graph has a cycle: ${loop.join(' -> ')}`);
    }
    state.set(name, 'open');
    stack.push(name);
    const at = position.get(name);
    if (at !== undefined) for (const input of nodes[at].inputs) if (position.has(input)) visit(input);
    stack.pop();
    state.set(name, 'done');
  };
  // Iterative deepening would avoid recursion limits, but IR graphs are at most a few thousand nodes deep.
  for (const node of nodes) visit(node.name);
}
