export * from './render-worker';
export * from './activations/extract-activations';
export * from './models/model-cache';
export * from './progress';
export { visualizationKeys } from './renders/visualize-job';
export { visualizeUnits, DIVERSITY_IMAGES, type RenderedUnit, type VisualizeUnitsOptions } from './renders/visualize-units';
export { renderKey, renderParamsHash, layerPrefix, type RenderSettings } from './renders/render-keys';
export { networkForward } from './renders/model-input';
export { tuningRows, type TuningRow } from './renders/tuning-rows';
