/**
 * The CLI commands that produce what a page is missing, in one place so the pages' advice follows the CLI
 * (tools/cli/main.ts and tools/cli/commands/*.ts). Versions are named `<model>@<version>` as the CLI reads them.
 */
export interface Advice {
  /** What produces it, in a few words. */
  producer: string;
  command: string;
}

const q = (s: string) => (/^[\w.@/-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const ref = (model: string, version: string) => q(`${model}@${version}`);
const cli = (...parts: (string | false | undefined)[]) => ['npx microscope', ...parts].filter(Boolean).join(' ');

export const advice = {
  activations: (study: string, model?: string, version?: string, dataset?: string): Advice => ({
    producer: 'the activations job (dataset activations, unit statistics and top-k examples)',
    command: cli('run activations', q(study), model && `--model ${q(model)}`, version && `--version ${q(version)}`, dataset && `--dataset ${q(dataset)}`),
  }),
  visualize: (study: string, model: string, version: string, layer: string): Advice => ({
    producer: 'the render job (feature visualizations of a layer’s units; add --units 0-31 or --objective neuron to narrow it)',
    command: cli('render', q(study), ref(model, version), q(layer)),
  }),
  dream: (study: string, model: string, version: string, layer: string): Advice => ({
    producer: 'the dream job (DeepDream of a whole layer)',
    command: cli('dream', q(study), ref(model, version), q(layer)),
  }),
  tuning: (study: string, model: string, version: string, layer: string): Advice => ({
    producer: 'the tuning job (every unit of the layer against gratings, colours, curves and edges)',
    command: cli('tuning', q(study), ref(model, version), q(layer)),
  }),
  /** One pair of versions, or (without them) every pair of the study not compared yet. */
  compare: (study: string, a?: { model: string; version: string }, b?: { model: string; version: string }, dataset?: string): Advice => ({
    producer: a && b ? 'the compare job (unit matches both ways and layer × layer similarity)' : 'the compare jobs of every pair of versions not compared yet',
    command: cli('compare', q(study), a && b && `${ref(a.model, a.version)} ${ref(b.model, b.version)}`, dataset && `--dataset ${q(dataset)}`),
  }),
  /** Requests the chain comparisons a trajectory needs, waits, then prints it. */
  trajectory: (study: string, model: string, layer: string, unit: number, version?: string): Advice => ({
    producer: 'the compare jobs between consecutive checkpoints (and each with the last)',
    command: cli('trajectory', q(study), q(model), q(layer), String(unit), version && `--version ${q(version)}`),
  }),
  addModel: (study: string): Advice => ({
    producer: 'a model version upload',
    command: cli('model add', q(study), '<model> <version> <path to model.json or .onnx>'),
  }),
  addDataset: (study: string): Advice => ({
    producer: 'a probe dataset upload',
    command: cli('dataset add', q(study), '<name> <folder of images>'),
  }),
};
