import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Preprocessing, TrainingMetadata } from '@microscope/contracts';
import { Executor, importTfjsGraphModel, listLayers, memoryModelFiles, selectBackend } from '@microscope/engine';
import { imageToInput } from '@microscope/imaging';
import { findSkimageData } from './natural-probes';
import { COCO_CLASSES, DEMO_LAYERS, loadPretrainedDemoModel, PRETRAINED_PACKAGE, type PretrainedDemoModel } from './pretrained';

/** The demo's pretrained CenterNet: imported through our importer, run by our executor on real photos. */
jest.setTimeout(120_000);

let model: PretrainedDemoModel;
beforeAll(async () => {
  await selectBackend({ prefer: 'wasm', threads: 1 });
  model = await loadPretrainedDemoModel();
});

const packageFile = (name: string) => readFileSync(path.join(path.dirname(require.resolve(`${PRETRAINED_PACKAGE}/package.json`)), 'models', name));

describe('the pretrained demo model', () => {
  it('keeps the network and leaves out the detection post-processing', () => {
    expect(model.format).toBe('tfjs-graph');
    expect(model.input).toEqual({ height: 256, width: 256, channels: 3 });
    expect(model.dropped.map((d) => d.op)).toEqual(expect.arrayContaining(['TopKV2', 'GatherV2']));
    const outputs = model.ir.outputs.map((name) => model.ir.nodes.find((n) => n.name === name)!.outputShape);
    expect(outputs).toEqual(expect.arrayContaining([[64, 64, 80], [64, 64, 4]]));
    expect(listLayers(model.ir).length).toBeGreaterThan(150);
    const demo = listLayers(model.ir).filter((l) => DEMO_LAYERS.includes(l.name));
    expect(demo.map((l) => l.name)).toEqual(DEMO_LAYERS);
    expect(demo.reduce((sum, l) => sum + l.unitCount, 0)).toBe(744);
  });

  it('registers the package\'s weights byte for byte, with a model.json that imports strictly', async () => {
    expect(model.files.get('centernet.bin')!.equals(packageFile('centernet.bin'))).toBe(true);
    const ir = await importTfjsGraphModel(memoryModelFiles(Object.fromEntries([...model.files].map(([k, v]) => [k, new Uint8Array(v)]))));
    expect(ir.nodes.map((n) => [n.name, n.outputShape])).toEqual(model.ir.nodes.map((n) => [n.name, n.outputShape]));
    // The untouched file does not import strictly: its post-processing is what the narrowed signature leaves out.
    const original = memoryModelFiles({ 'model.json': packageFile('centernet.json'), 'centernet.bin': new Uint8Array(packageFile('centernet.bin')) });
    await expect(importTfjsGraphModel(original)).rejects.toThrow(/not supported/);
  });

  it('records where it came from, its licence and its training data', () => {
    expect(TrainingMetadata.parse(model.training)).toEqual(model.training);
    expect(model.training.source).toContain(`${PRETRAINED_PACKAGE}@3.0.4`);
    expect(model.training.source).toContain('centernet.bin');
    expect(model.training.licence).toMatch(/MIT/);
    expect(model.training.dataset).toMatch(/COCO/);
    expect(model.preprocessing).toEqual(Preprocessing.parse({ scale: 1, mean: [0], std: [1] }));
  });

  it('runs at the size it was trained at too, and refuses sizes the head cannot upsample to', async () => {
    const full = await loadPretrainedDemoModel({ inputSize: 512 });
    expect(full.input).toEqual({ height: 512, width: 512, channels: 3 });
    expect(full.ir.nodes.find((n) => n.name === 'tower_0/Sigmoid')!.outputShape).toEqual([128, 128, 80]);
    await expect(loadPretrainedDemoModel({ inputSize: 300 })).rejects.toThrow(/multiple of 32/);
  });

  const photos = findSkimageData();
  (photos ? it : it.skip)('finds a person in the astronaut photo and a cat in chelsea (COCO heatmaps, raw 0–255 input)', async () => {
    const executor = new Executor(model.ir);
    const topClasses = async (file: string, preprocessing: Preprocessing) => {
      const pixels = await imageToInput(readFileSync(path.join(photos!, file)), model.input, preprocessing);
      const input = tf.tensor4d(pixels, [1, 256, 256, 3]);
      const heatmaps = executor.run(input, ['tower_0/Sigmoid']).get('tower_0/Sigmoid')!;
      const peaks = Array.from(await tf.max(heatmaps, [0, 1, 2]).data());
      tf.dispose([input, heatmaps]);
      const order = peaks.map((p, c) => ({ p, c })).sort((a, b) => b.p - a.p);
      return { names: order.slice(0, 3).map((o) => COCO_CLASSES[o.c]), peak: order[0].p };
    };
    expect((await topClasses('astronaut.png', model.preprocessing)).names[0]).toBe('person');
    expect((await topClasses('chelsea.png', model.preprocessing)).names[0]).toBe('cat');
    expect((await topClasses('coffee.png', model.preprocessing)).names).toContain('cup');
    // Scaled to [0, 1] the network sees a nearly black image and finds nothing: the preprocessing recorded matters.
    expect((await topClasses('astronaut.png', Preprocessing.parse({ scale: 1 / 255 }))).peak).toBeLessThan(0.1);
    executor.dispose();
  });
});
