export * from './render-worker';
export * from './activations/extract-activations';
export * from './models/model-cache';
export * from './progress';
export { visualizeUnits, type RenderedUnit, type VisualizeUnitsOptions } from './renders/visualize-units';
export { networkForward } from './renders/model-input';
export { tuningRows, type TuningRow } from './renders/tuning-rows';
export { startRenderThread, type RenderThread, type RenderThreadOptions } from './start-render-thread';
