import { coversUnit, layerDream, layerKey, newestPerObjective, pictureByUnit } from './pictures';

describe('pictureByUnit', () => {
  it('leads with the newest channel visualization, else the newest picture of the unit', () => {
    const pictures = pictureByUnit([
      { unit: 0, renders: [{ unit: 0, objective: 'neuron', key: 'n0' }, { unit: 0, objective: 'channel', key: 'c0-new' }, { unit: 0, objective: 'channel', key: 'c0-old' }] },
      { unit: 3, renders: [{ unit: 3, objective: 'negative', key: 'neg3' }, { unit: 3, objective: 'neuron', key: 'n3' }] },
      { unit: 4, renders: [] },
    ]);
    expect([...pictures]).toEqual([
      [0, 'c0-new'],
      [3, 'neg3'],
    ]);
  });
});

describe('layerDream', () => {
  it('finds the newest DeepDream among a layer’s whole-layer pictures', () => {
    expect(layerDream([{ unit: 'caricature', objective: 'caricature', key: 'c' }, { unit: 'layer', objective: 'dream', key: 'd2' }, { unit: 'layer', objective: 'dream', key: 'd1' }])).toBe('d2');
    expect(layerDream([])).toBeUndefined();
  });
  it('keys layers of versions without collisions between names that contain separators', () => {
    expect(layerKey('a', 'b/c', 'd')).not.toBe(layerKey('a/b', 'c', 'd'));
  });
});

describe('a unit’s pictures', () => {
  it('keeps the newest of each objective, in the order given', () => {
    const renders = [
      { unit: 1, objective: 'channel', key: 'c-new' },
      { unit: 1, objective: 'neuron', key: 'n' },
      { unit: 1, objective: 'channel', key: 'c-old' },
    ];
    expect(newestPerObjective(renders).map((r) => r.key)).toEqual(['c-new', 'n']);
  });
  it('knows which visualize jobs cover a unit', () => {
    expect(coversUnit({ units: [] }, 5)).toBe(true);
    expect(coversUnit({}, 5)).toBe(true);
    expect(coversUnit({ units: [1, 5] }, 5)).toBe(true);
    expect(coversUnit({ units: [1, 2] }, 5)).toBe(false);
  });
});
