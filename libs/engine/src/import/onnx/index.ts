export { importOnnx, importOnnxDetailed, MAX_OPSET, MIN_OPSET, type OnnxImport, type OnnxImportOptions } from './import-onnx';
export { onnxExternalDataFiles } from './external-files';
export { SUPPORTED_ONNX_OPS } from './supported-ops';
