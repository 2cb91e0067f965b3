import { parseRenderKey, renderLayerPrefix } from '@microscope/contracts';
import { renderKey, renderParamsHash, type RenderSettings } from './render-keys';

const version = { input: { height: 28, width: 28, channels: 1 }, preprocessing: { scale: 1 / 255, mean: [0], std: [1] } };
const settings: RenderSettings = { objective: 'channel', steps: 256, size: 64, learningRate: 0.05, seed: 0 };

describe('render keys', () => {
  it('hash every setting, the input spec and the preprocessing, and nothing else', () => {
    const hash = renderParamsHash(version, settings);
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect(renderParamsHash({ ...version }, { ...settings })).toBe(hash);
    const changed = [
      renderParamsHash(version, { ...settings, objective: 'neuron' }),
      renderParamsHash(version, { ...settings, steps: 255 }),
      renderParamsHash(version, { ...settings, size: 65 }),
      renderParamsHash(version, { ...settings, learningRate: 0.06 }),
      renderParamsHash(version, { ...settings, seed: 1 }),
      renderParamsHash(version, { ...settings, extra: { images: 4 } }),
      renderParamsHash({ ...version, input: { height: 32, width: 28, channels: 1 } }, settings),
      renderParamsHash({ ...version, preprocessing: { scale: 1 / 255, mean: [0.5], std: [1] } }, settings),
    ];
    expect(new Set([hash, ...changed]).size).toBe(changed.length + 1);
    // Extra settings are canonical whatever their order.
    expect(renderParamsHash(version, { ...settings, extra: { a: 1, b: 'x' } })).toBe(renderParamsHash(version, { ...settings, extra: { b: 'x', a: 1 } }));
  });

  it('lay pictures out as renders/<version>/<layer>/<unit>/<objective>-<hash>.png and read back', () => {
    const key = renderKey('abc', 'mixed4a', 97, 'channel', '0123456789abcdef');
    expect(key).toBe('renders/abc/mixed4a/97/channel-0123456789abcdef.png');
    expect(parseRenderKey(key.slice(renderLayerPrefix('abc', 'mixed4a').length))).toEqual({ unit: 97, objective: 'channel', paramsHash: '0123456789abcdef' });
    expect(parseRenderKey('layer/deepdream-0123456789abcdef.png')).toEqual({ unit: 'layer', objective: 'deepdream', paramsHash: '0123456789abcdef' });
    expect(parseRenderKey('7/channel.png')).toBeNull();
  });

  it('keep a layer name with slashes or a leading dot in one key segment', () => {
    expect(renderLayerPrefix('abc', '/features/0/Conv_output_0')).toBe('renders/abc/%2Ffeatures%2F0%2FConv_output_0/');
    expect(renderLayerPrefix('abc', '.hidden')).toBe('renders/abc/%2Ehidden/');
  });
});
