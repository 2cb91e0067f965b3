/**
 * The CLI commands that produce what a page is missing, in one place so the pages' advice follows the CLI.
 * `ready: false` marks work whose job is still being built: the page says so rather than offering a command
 * that does not run yet.
 */
export interface Advice {
  /** What produces it, in a few words. */
  producer: string;
  command: string;
  ready: boolean;
}

const q = (s: string) => (/^[\w.@/-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export const advice = {
  activations: (study: string, model?: string, version?: string, dataset?: string): Advice => ({
    producer: 'the activations job (dataset activations, unit statistics and top-k examples)',
    command: ['npx microscope run activations', q(study), model && `--model ${q(model)}`, version && `--version ${q(version)}`, dataset && `--dataset ${q(dataset)}`]
      .filter(Boolean)
      .join(' '),
    ready: true,
  }),
  visualize: (study: string, model: string, version: string, layer?: string): Advice => ({
    producer: 'the visualize job (feature visualization renders)',
    command: ['npx microscope run visualize', q(study), `--model ${q(model)}`, `--version ${q(version)}`, layer && `--layer ${q(layer)}`].filter(Boolean).join(' '),
    ready: false,
  }),
  dream: (study: string, model: string, version: string, layer: string): Advice => ({
    producer: 'the dream job (DeepDream per layer)',
    command: `npx microscope run dream ${q(study)} --model ${q(model)} --version ${q(version)} --layer ${q(layer)}`,
    ready: false,
  }),
  tuning: (study: string, model: string, version: string, layer?: string): Advice => ({
    producer: 'the tuning job (tuning curves on synthetic stimuli)',
    command: ['npx microscope run tuning', q(study), `--model ${q(model)}`, `--version ${q(version)}`, layer && `--layer ${q(layer)}`].filter(Boolean).join(' '),
    ready: false,
  }),
  compare: (study: string): Advice => ({
    producer: 'the compare job (unit matches and layer × layer similarity)',
    command: `npx microscope run compare ${q(study)}`,
    ready: false,
  }),
  addModel: (study: string): Advice => ({
    producer: 'a model version upload',
    command: `npx microscope model add ${q(study)} <model> <version> <path to model.json or .onnx>`,
    ready: true,
  }),
  addDataset: (study: string): Advice => ({
    producer: 'a probe dataset upload',
    command: `npx microscope dataset add ${q(study)} <name> <folder of images>`,
    ready: true,
  }),
};
