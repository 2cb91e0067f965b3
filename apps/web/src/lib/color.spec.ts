import { normalise, sequentialColor, textOn } from './color';

describe('sequentialColor', () => {
  it('runs from the first stop to the last', () => {
    expect(sequentialColor(0)).toBe('rgb(68, 1, 84)');
    expect(sequentialColor(1)).toBe('rgb(253, 231, 37)');
    expect(sequentialColor(0.5)).toBe('rgb(33, 145, 140)');
  });
  it('interpolates between stops and clamps outside [0, 1]', () => {
    expect(sequentialColor(0.125)).toBe('rgb(64, 42, 112)');
    expect(sequentialColor(-3)).toBe(sequentialColor(0));
    expect(sequentialColor(7)).toBe(sequentialColor(1));
    expect(sequentialColor(Number.NaN)).toBe(sequentialColor(0));
  });
  it('gets brighter along the scale', () => {
    const lum = (c: string) => c.match(/\d+/g)!.map(Number).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
    for (let t = 0.1; t <= 1; t += 0.1) expect(lum(sequentialColor(t))).toBeGreaterThan(lum(sequentialColor(t - 0.1)));
  });
  it('picks readable text and normalises ranges', () => {
    expect(textOn(0.9)).toBe('#111');
    expect(textOn(0.1)).toBe('#fff');
    expect(normalise(5, 0, 10)).toBe(0.5);
    expect(normalise(3, 3, 3)).toBe(0.5);
  });
});
