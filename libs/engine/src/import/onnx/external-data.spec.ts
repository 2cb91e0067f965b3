/**
 * @jest-environment ./src/onnxruntime/test-support/native-arrays-environment.js
 */
import { onnx } from 'onnx-proto';
import { compareWithOnnxruntime } from './test-support/compare-with-ort';
import { onnxExternalDataFiles } from './external-files';
import { externalizeInitializers } from './test-support/externalize';
import { resnet50 } from './test-support/families';

describe('ONNX external data', () => {
  it('loads initializers from an external-data file through ModelFiles and matches onnxruntime', async () => {
    const original = resnet50({ opset: 13, size: 32 }).bytes;
    const { model, data } = externalizeInitializers(original, 'weights/resnet.data');
    const external = onnx.ModelProto.decode(model).graph!.initializer!.filter((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL);
    expect(external.length).toBeGreaterThan(10);
    // onnxruntime runs the original self-contained file: the external bytes must decode to the same weights.
    const result = await compareWithOnnxruntime(model, { files: { 'weights/resnet.data': data }, oracleModel: original });
    expect(result.mismatches).toEqual([]);
    expect(result.imported.externalData.size).toBe(external.length);
  });

  it('lists the external-data files a model needs, relative to its folder', () => {
    const original = resnet50({ opset: 13, size: 32 }).bytes;
    expect(onnxExternalDataFiles(original)).toEqual([]);
    expect(onnxExternalDataFiles(externalizeInitializers(original, 'weights/resnet.data').model)).toEqual(['weights/resnet.data']);
    expect(onnxExternalDataFiles(externalizeInitializers(original, 'resnet.data').model, 'sub/model.onnx')).toEqual(['sub/resnet.data']);
    expect(() => onnxExternalDataFiles(externalizeInitializers(original, '../outside.data').model)).toThrow(/points outside the model's files/);
  });
});
