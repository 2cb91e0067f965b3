import { GraphBuilder, samePads } from '@microscope/engine';
import { objectiveNode } from './objective-layer';

/** input → conv (linear) → relu → maxPool → globalAvgPool → dense → softmax. */
function network() {
  const b = new GraphBuilder('tfjs-layers');
  b.addInput('x', [8, 8, 1]);
  const filter = b.addWeight('f', { shape: [3, 3, 1, 4], data: new Float32Array(36) });
  const kernel = b.addWeight('k', { shape: [4, 3], data: new Float32Array(12) });
  b.add({ name: 'conv/linear', op: 'conv2d', inputs: ['x'], attrs: { strides: [1, 1], dilations: [1, 1], pads: samePads([8, 8], [3, 3], [1, 1]) }, params: { filter }, isLayer: false });
  b.add({ name: 'conv', op: 'relu', inputs: ['conv/linear'], isLayer: true });
  b.add({ name: 'pool', op: 'maxPool', inputs: ['conv'], attrs: { size: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] }, isLayer: true });
  b.add({ name: 'gap', op: 'globalAvgPool', inputs: ['pool'], isLayer: true });
  b.add({ name: 'logits/linear', op: 'dense', inputs: ['gap'], params: { kernel }, isLayer: false });
  b.add({ name: 'logits', op: 'softmax', inputs: ['logits/linear'], isLayer: true });
  return b.build(['logits']);
}

describe('objectiveNode', () => {
  const ir = network();

  it('reads a channel objective below the activation and the pooling, like Lucid\'s pre_relu layers', () => {
    expect(objectiveNode(ir, 'conv', 'channel')).toBe('conv/linear');
    expect(objectiveNode(ir, 'pool', 'channel')).toBe('conv/linear');
    expect(objectiveNode(ir, 'gap', 'channel')).toBe('conv/linear');
    expect(objectiveNode(ir, 'conv/linear', 'channel')).toBe('conv/linear');
  });

  it('keeps a neuron objective above pooling (its position belongs to the pooled grid)', () => {
    expect(objectiveNode(ir, 'conv', 'neuron')).toBe('conv/linear');
    expect(objectiveNode(ir, 'pool', 'neuron')).toBe('pool');
  });

  it('does not look through a softmax, which couples the channels', () => {
    expect(objectiveNode(ir, 'logits', 'channel')).toBe('logits');
  });
});
