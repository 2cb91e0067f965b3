import { MicroscopeError } from '@microscope/contracts';
import type { GraphIR } from './graph';
import { validateGraph } from './validate';

/** input [8, 8, 3] → conv (3×3 valid, 4 filters) → relu → global average pool. */
function validGraph(): GraphIR {
  return {
    format: 'onnx',
    input: { name: 'x', shape: [8, 8, 3] },
    nodes: [
      { name: 'x', op: 'input', inputs: [], attrs: {}, params: {}, outputShape: [8, 8, 3], isLayer: false },
      {
        name: 'conv',
        op: 'conv2d',
        inputs: ['x'],
        attrs: { strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], groups: 1 },
        params: { filter: 'conv/w', bias: 'conv/b' },
        outputShape: [6, 6, 4],
        isLayer: false,
      },
      { name: 'relu', op: 'relu', inputs: ['conv'], attrs: {}, params: {}, outputShape: [6, 6, 4], isLayer: true },
      { name: 'gap', op: 'globalAvgPool', inputs: ['relu'], attrs: { keepDims: false }, params: {}, outputShape: [4], isLayer: true },
    ],
    weights: {
      'conv/w': { shape: [3, 3, 3, 4], data: new Float32Array(108) },
      'conv/b': { shape: [4], data: new Float32Array(4) },
    },
    outputs: ['gap'],
  };
}

function expectInvalid(edit: (ir: GraphIR) => void, pattern: RegExp): void {
  const ir = validGraph();
  edit(ir);
  let error: unknown;
  try {
    validateGraph(ir);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(MicroscopeError);
  expect((error as MicroscopeError).code).toBe('INVALID_MODEL');
  expect((error as MicroscopeError).message).toMatch(pattern);
}

describe('validateGraph', () => {
  it('accepts a consistent graph', () => {
    expect(() => validateGraph(validGraph())).not.toThrow();
  });

  it.each<[string, (ir: GraphIR) => void, RegExp]>([
    ['duplicate names', (ir) => (ir.nodes[3].name = 'relu'), /"relu" is used more than once/],
    ['a missing input', (ir) => (ir.nodes[2].inputs = ['ghost']), /node "relu" \(relu\): input "ghost" does not exist/],
    [
      'an input that comes later',
      (ir) => {
        ir.nodes[2].inputs = ['x'];
        ir.nodes[1].inputs = ['relu'];
        ir.nodes[1].outputShape = [4, 4, 4];
      },
      /node "conv" \(conv2d\): input "relu" comes after it/,
    ],
    [
      'a cycle',
      (ir) => {
        ir.nodes[1].inputs = ['relu'];
      },
      /cycle: (conv -> relu -> conv|relu -> conv -> relu)/,
    ],
    ['a missing weight', (ir) => delete ir.weights['conv/b'], /node "conv" \(conv2d\): weight "conv\/b" \(bias\) does not exist/],
    [
      'a filter inconsistent with the input channels',
      (ir) => (ir.weights['conv/w'] = { shape: [3, 3, 2, 4], data: new Float32Array(72) }),
      /node "conv" \(conv2d\): filter \[3, 3, 2, 4\] with groups=1 expects 2 input channels, got 3/,
    ],
    ['a bias of the wrong length', (ir) => (ir.weights['conv/b'] = { shape: [5], data: new Float32Array(5) }), /node "conv".*bias has shape \[5\], expected \[4\]/],
    ['weight data that does not fill its shape', (ir) => (ir.weights['conv/b'].data = new Float32Array(3)), /weight "conv\/b" has 3 values but its shape \[4\] needs 4/],
    ['a stored shape that differs from the computed one', (ir) => (ir.nodes[2].outputShape = [6, 6, 5]), /node "relu".*stored output shape \[6, 6, 5\] differs from the computed \[6, 6, 4\]/],
    [
      'a kernel larger than its input',
      (ir) => {
        ir.weights['conv/w'] = { shape: [9, 9, 3, 4], data: new Float32Array(972) };
      },
      /node "conv" \(conv2d\): output shape \[0, 0, 4\] is not positive/,
    ],
    ['an unknown op', (ir) => ((ir.nodes[2] as { op: string }).op = 'frobnicate'), /node "relu" \(frobnicate\): unknown op "frobnicate"/],
    ['an undeclared output', (ir) => (ir.outputs = ['nowhere']), /output "nowhere" is not a node/],
    ['a clip with min > max', (ir) => Object.assign(ir.nodes[2], { op: 'clip', attrs: { min: 1, max: 0 } }), /node "relu" \(clip\): min \(1\) is greater than max \(0\)/],
    ['two inputs', (ir) => ir.nodes.push({ ...ir.nodes[0], name: 'x2' }), /exactly one input node, found 2/],
  ])('rejects %s, naming the node', (_label, edit, pattern) => expectInvalid(edit, pattern));
});
