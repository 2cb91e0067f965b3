import { GraphBuilder } from '../ir/builder';
import { optimisedNode } from './optimised-node';

describe('optimisedNode', () => {
  const b = new GraphBuilder('tfjs-layers');
  b.addInput('image', [4, 4, 3]);
  b.add({ name: 'conv', op: 'relu', inputs: ['image'], isLayer: true });
  b.add({ name: 'pooled', op: 'globalAvgPool', inputs: ['conv'], isLayer: false });
  b.add({ name: 'probabilities', op: 'softmax', inputs: ['pooled'], isLayer: true });
  b.add({ name: 'spatialSoftmax', op: 'softmax', inputs: ['conv'], attrs: { axis: 1 }, isLayer: true });
  b.add({ name: 'channelSoftmax', op: 'softmax', inputs: ['conv'], attrs: { axis: 3 }, isLayer: true });
  const ir = b.build(['probabilities', 'spatialSoftmax', 'channelSoftmax']);

  it("optimises a softmax over channels through its logits (Lucid), every other layer as itself", () => {
    expect(optimisedNode(ir, 'probabilities')).toBe('pooled');
    expect(optimisedNode(ir, 'channelSoftmax')).toBe('conv');
    expect(optimisedNode(ir, 'spatialSoftmax')).toBe('spatialSoftmax');
    expect(optimisedNode(ir, 'conv')).toBe('conv');
    expect(() => optimisedNode(ir, 'nope')).toThrow(/no node "nope"/);
  });
});
