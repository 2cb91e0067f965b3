/**
 * @jest-environment ./src/onnxruntime/test-support/native-arrays-environment.js
 */
import { compareWithOnnxruntime } from './test-support/compare-with-ort';
import {
  alexnet, densenet, efficientNet, googlenet, inceptionV3, mobilenetV2, resnet50, resnetV2, squeezenet, vgg, type FamilyModel,
} from './test-support/families';

/**
 * Every family of the issue, built as PyTorch exports it with random weights, imported and run in our executor,
 * must match onnxruntime layer by layer (every IR node with an ONNX counterpart) within 1e-4 relative.
 */

const cases: [string, () => FamilyModel][] = [
  ['AlexNet (LRN) opset 9', () => alexnet({ opset: 9, size: 96 })],
  ['VGG opset 9', () => vgg({ opset: 9, size: 32 })],
  ['VGG opset 13', () => vgg({ opset: 13, size: 32 })],
  ['GoogLeNet / InceptionV1 opset 11', () => googlenet({ opset: 11, size: 64 })],
  ['InceptionV3 blocks opset 13', () => inceptionV3({ opset: 13, size: 40 })],
  ['ResNet-50 v1 opset 13', () => resnet50({ opset: 13, size: 64 })],
  ['ResNet-50 v1 opset 9', () => resnet50({ opset: 9, size: 48 })],
  ['ResNet-50 v1 opset 21', () => resnet50({ opset: 21, size: 48 })],
  ['ResNet v2 opset 18', () => resnetV2({ opset: 18, size: 48 })],
  ['ResNet v2 opset 13', () => resnetV2({ opset: 13, size: 48 })],
  ['MobileNetV2 opset 9', () => mobilenetV2({ opset: 9, size: 32 })],
  ['MobileNetV2 opset 11', () => mobilenetV2({ opset: 11, size: 32 })],
  ['MobileNetV2 opset 13', () => mobilenetV2({ opset: 13, size: 32 })],
  ['EfficientNet-B0 MBConv + SE, swish opset 13', () => efficientNet({ opset: 13, size: 32 }, 'swish')],
  ['EfficientNet MBConv, HardSwish opset 14', () => efficientNet({ opset: 14, size: 32 }, 'hardswish')],
  ['EfficientNet MBConv, x * HardSigmoid(x) opset 11', () => efficientNet({ opset: 11, size: 32 }, 'hardsigmoid-mul')],
  ['DenseNet-121 dense blocks opset 11', () => densenet({ opset: 11, size: 32 })],
  ['SqueezeNet 1.1 opset 11', () => squeezenet({ opset: 11, size: 48 })],
];

describe('ONNX families against onnxruntime', () => {
  it.each(cases)('%s matches layer by layer', async (_name, build) => {
    const model = build();
    const result = await compareWithOnnxruntime(model.bytes);
    expect(result.mismatches).toEqual([]);
    expect(result.imported.ir.input.shape).toEqual(model.inputShape);
    // Every layer a person browses has an onnxruntime counterpart and was compared.
    const layers = result.imported.ir.nodes.filter((n) => n.isLayer).map((n) => n.name);
    expect(layers.length).toBeGreaterThan(5);
    expect(layers.filter((l) => !result.compared.includes(l))).toEqual([]);
  });
});
