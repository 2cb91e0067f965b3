import { decodeSegment, parseUnit, parseVersionRef, routes, versionRef, withQuery } from './routes';

describe('routes', () => {
  const unit = { study: 'demo', model: 'small-cnn-seed1', version: 's1-e6', layer: 'conv2d_1', unit: 7 };

  it('names every level of a unit in its permalink', () => {
    expect(routes.unit(unit)).toBe('/studies/demo/small-cnn-seed1/s1-e6/conv2d_1/7');
    expect(routes.unit(unit, 'fashion')).toBe('/studies/demo/small-cnn-seed1/s1-e6/conv2d_1/7?dataset=fashion');
  });

  it('escapes layer names that hold slashes, and decodes them back', () => {
    const url = routes.layer({ ...unit, layer: 'block1/conv/Conv2D' });
    expect(url).toBe('/studies/demo/small-cnn-seed1/s1-e6/block1%2Fconv%2FConv2D');
    const segment = url.split('/').pop()!;
    expect(decodeSegment(segment)).toBe('block1/conv/Conv2D');
    expect(decodeSegment(decodeSegment(segment))).toBe('block1/conv/Conv2D');
  });

  it('keeps layer query parameters and drops empty ones', () => {
    expect(routes.layer(unit, { sort: 'max', dir: 'desc', dataset: '' })).toBe('/studies/demo/small-cnn-seed1/s1-e6/conv2d_1?sort=max&dir=desc');
    expect(withQuery('/x', {})).toBe('/x');
  });

  it('puts study tools under a segment no model can be named', () => {
    expect(routes.compare('demo', 'a@1', 'b@2')).toBe('/studies/demo/-/compare?a=a%401&b=b%402');
    expect(routes.compare('demo', 'a@1', 'b@2', { metric: 'svcca', layer: 'conv/1', other: 'conv2' })).toBe(
      '/studies/demo/-/compare?a=a%401&b=b%402&metric=svcca&layer=conv%2F1&other=conv2',
    );
    expect(routes.compare('demo', undefined, undefined, { scope: 'study', metric: 'cka' })).toBe('/studies/demo/-/compare?scope=study&metric=cka');
    expect(routes.upload('demo', 'dataset')).toBe('/studies/demo/-/upload?kind=dataset');
  });

  it('escapes each segment of a blob key but keeps its folders', () => {
    expect(routes.blob('datasets/abc/0 1.png')).toBe('/blobs/datasets/abc/0%201.png');
  });

  it('parses model@version references', () => {
    expect(parseVersionRef(versionRef('small-cnn', 's1-e6'))).toEqual({ model: 'small-cnn', version: 's1-e6' });
    expect(parseVersionRef('no-at')).toBeNull();
    expect(parseVersionRef('@x')).toBeNull();
    expect(parseVersionRef('x@')).toBeNull();
    expect(parseVersionRef(undefined)).toBeNull();
  });

  it('accepts only plain non-negative integers as units', () => {
    expect(parseUnit('0')).toBe(0);
    expect(parseUnit('511')).toBe(511);
    expect(parseUnit('-1')).toBeNull();
    expect(parseUnit('1e3')).toBeNull();
    expect(parseUnit('abc')).toBeNull();
  });
});
