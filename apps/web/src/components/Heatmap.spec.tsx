import { renderToStaticMarkup } from 'react-dom/server';
import { Heatmap } from './Heatmap';

describe('Heatmap', () => {
  const rows = ['conv1', 'conv2'];
  const columns = ['conv1', 'conv2', 'dense'];
  const values = [
    [1, 0.5, null],
    [0.25, 0.75, 0],
  ];

  it('draws one labelled cell per layer pair', () => {
    const html = renderToStaticMarkup(<Heatmap rows={rows} columns={columns} values={values} rowTitle="A" columnTitle="B" />);
    expect(html).toContain('role="table"');
    expect(html.match(/role="cell"/g)).toHaveLength(6);
    expect(html).toContain('aria-label="conv2 × conv1: 0.25"');
    expect(html).toContain('aria-label="conv1 × dense: not computed"');
    expect(html).not.toContain('<button');
  });

  it('with onSelect, is a grid of buttons with a single tab stop on the selected cell; empty cells cannot be chosen', () => {
    const html = renderToStaticMarkup(<Heatmap rows={rows} columns={columns} values={values} rowTitle="A" columnTitle="B" onSelect={() => undefined} selected={{ row: 1, column: 2 }} />);
    expect(html).toContain('role="grid"');
    expect(html.match(/role="gridcell"/g)).toHaveLength(6);
    expect(html.match(/tabindex="0"/g)).toHaveLength(1);
    expect(html).toMatch(/data-cell="1:2" tabindex="0"/);
    expect(html).toContain('aria-selected="true"');
    expect(html).toMatch(/data-cell="0:2" tabindex="-1" aria-label="conv1 × dense: not computed" aria-disabled="true"/);
  });

  it('puts the tab stop on the first computed cell when nothing is selected', () => {
    const html = renderToStaticMarkup(<Heatmap rows={['a']} columns={['x', 'y']} values={[[null, 0.3]]} rowTitle="A" columnTitle="B" onSelect={() => undefined} />);
    expect(html).toMatch(/data-cell="0:1" tabindex="0"/);
  });

  it('spans the colours over the data range: the extremes get the ends of the scale', () => {
    const html = renderToStaticMarkup(<Heatmap rows={['a']} columns={['x', 'y']} values={[[2, 4]]} rowTitle="A" columnTitle="B" />);
    expect(html).toContain('background:rgb(68, 1, 84)');
    expect(html).toContain('background:rgb(253, 231, 37)');
  });

  it('shows an empty grid (no legend) when nothing is computed', () => {
    const html = renderToStaticMarkup(<Heatmap rows={rows} columns={columns} values={[]} rowTitle="A" columnTitle="B" />);
    expect(html.match(/aria-label="[^"]*: not computed"/g)).toHaveLength(6);
    expect(html).not.toContain('figcaption');
  });
});
