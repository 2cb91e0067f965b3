export * from './render-worker';
export * from './activations/extract-activations';
export * from './models/model-cache';
export * from './progress';
