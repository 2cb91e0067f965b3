import { unitList } from './render';

describe('unitList', () => {
  it('reads single units and ranges, sorted and without repeats', () => {
    expect(unitList('0-3,7, 2,10-11')).toEqual([0, 1, 2, 3, 7, 10, 11]);
    expect(unitList('5')).toEqual([5]);
  });

  it('names what it cannot read', () => {
    expect(() => unitList('3-1')).toThrow(/runs backwards/);
    expect(() => unitList('a-b')).toThrow(/"a-b" is not a unit or a range/);
    expect(() => unitList(',')).toThrow(/no units/);
  });
});
