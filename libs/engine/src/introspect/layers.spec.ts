import { GraphBuilder } from '../ir/builder';
import { listLayers } from './layers';

describe('listLayers', () => {
  it('lists layer nodes with a channel axis in order, with their unit counts', () => {
    const b = new GraphBuilder('tfjs-layers');
    b.addInput('img', [6, 6, 3]);
    const filter = b.addWeight('c/w', { shape: [3, 3, 3, 5], data: new Float32Array(135) });
    b.add({ name: 'c/linear', op: 'conv2d', inputs: ['img'], params: { filter }, attrs: { pads: [1, 1, 1, 1] }, isLayer: false });
    b.add({ name: 'c', op: 'relu', inputs: ['c/linear'], isLayer: true });
    b.add({ name: 'gap', op: 'globalAvgPool', inputs: ['c'], isLayer: true });
    const kernel = b.addWeight('d/k', { shape: [5, 7], data: new Float32Array(35) });
    b.add({ name: 'd', op: 'dense', inputs: ['gap'], params: { kernel }, isLayer: true });
    expect(listLayers(b.build(['d']))).toEqual([
      { name: 'c', op: 'relu', outputShape: [6, 6, 5], unitCount: 5, index: 0 },
      { name: 'gap', op: 'globalAvgPool', outputShape: [5], unitCount: 5, index: 1 },
      { name: 'd', op: 'dense', outputShape: [7], unitCount: 7, index: 2 },
    ]);
  });
});
