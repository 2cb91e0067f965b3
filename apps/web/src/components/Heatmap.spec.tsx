import { renderToStaticMarkup } from 'react-dom/server';
import { Heatmap } from './Heatmap';

describe('Heatmap', () => {
  const rows = ['conv1', 'conv2'];
  const columns = ['conv1', 'conv2', 'dense'];

  it('draws one cell per layer pair, labelled with both layers and the value', () => {
    const html = renderToStaticMarkup(
      <Heatmap rows={rows} columns={columns} values={[[1, 0.5, null], [0.25, 0.75, 0]]} rowTitle="A" columnTitle="B" cellHref={(r, c) => `/m?r=${r}&c=${c}`} />,
    );
    expect(html.match(/role="cell"/g)).toHaveLength(6);
    expect(html).toContain('aria-label="conv2 × conv1: 0.25"');
    expect(html).toContain('aria-label="conv1 × dense: not computed"');
    expect(html).toContain('href="/m?r=1&amp;c=2"');
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
