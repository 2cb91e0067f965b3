export { OnnxForward, type OnnxForwardOptions } from './onnx-forward';
export { modelWithOutputs, modelWithPooledOutputs, type PooledOutputNames } from './model-outputs';
