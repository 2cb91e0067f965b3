export { OnnxForward, type OnnxForwardOptions } from './onnx-forward';
export { modelWithOutputs } from './model-outputs';
