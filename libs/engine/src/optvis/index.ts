export { render, type ForwardFn, type RenderOptions, type RenderResult, type RenderProgress } from './render';
export * from './objectives';
export * from './transforms';
export * from './param';
export { dominantOrientation, orientationDifference, type DominantOrientation } from './spectrum';
export { dft2d, signedFrequency, type ComplexGrid } from './dft';
export { Rng, deriveSeed } from './rng';
export { Adam } from './adam';
export { renderWithRestarts, RESTART_LEVELS, RESTART_MARGIN, type RestartOptions, type RestartedResult } from './restarts';
export { optimisedNode } from './optimised-node';
export { OPTVIS_VERSION } from './version';
export {
  renderParamsHash,
  renderKey,
  visualizationKeys,
  dreamKey,
  caricatureKey,
  DIVERSITY_IMAGES,
  type RenderSettings,
  type RenderedVersion,
} from './render-keys';
