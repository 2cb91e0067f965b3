import { MicroscopeError } from '@microscope/contracts';
import { onnx } from 'onnx-proto';
import { memoryModelFiles } from '../model-files';
import { importOnnx } from './import-onnx';
import { mobilenetV2 } from './test-support/families';
import { OnnxGraphBuilder, valueInfo } from './test-support/onnx-graph-builder';

/** Every kind of bad file gets a MicroscopeError with a code and a message naming the problem. */

async function importBytes(bytes: Uint8Array, extra: Record<string, Uint8Array> = {}, inputShape?: [number, number, number]) {
  return importOnnx(memoryModelFiles({ 'model.onnx': bytes, ...extra }), { inputShape });
}

async function expectError(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(MicroscopeError);
  expect((error as MicroscopeError).code).toBe(code);
  expect((error as MicroscopeError).message).toMatch(message);
}

function tiny(opset = 13, build?: (b: OnnxGraphBuilder, x: string) => string, inputDims: (number | string)[] = ['N', 3, 8, 8]): Uint8Array {
  const b = new OnnxGraphBuilder(opset);
  const x = b.input('x', inputDims);
  return b.toBytes([build ? build(b, x) : b.relu(b.conv(x, 3, 4, 3))]);
}

describe('importOnnx on bad input', () => {
  const valid = mobilenetV2({ opset: 13, size: 32 }).bytes;

  it('accepts the valid model the corruptions start from', async () => {
    const ir = await importBytes(valid);
    expect(ir.format).toBe('onnx');
    expect(ir.input.shape).toEqual([32, 32, 3]);
  });

  it('rejects a truncated file', async () => {
    await expectError(importBytes(valid.slice(0, Math.floor(valid.length * 0.6))), 'INVALID_MODEL', /not a valid ONNX file|truncated/);
  });

  it('rejects bytes that are not protobuf, and an empty file', async () => {
    await expectError(importBytes(new Uint8Array(Buffer.from('{"format": "layers-model"}'))), 'INVALID_MODEL', /ONNX/);
    await expectError(importBytes(new Uint8Array(0)), 'INVALID_MODEL', /empty/);
  });

  it('says when the .onnx file is missing', async () => {
    await expectError(importOnnx(memoryModelFiles({}), {}), 'INVALID_MODEL', /has no model\.onnx/);
  });

  it('names the unsupported operator and its node', async () => {
    await expectError(importBytes(tiny(13, (b, x) => b.node('Erf', [x]))), 'UNSUPPORTED', /node "Erf_\d+" \(Erf\).*operator "Erf" is not supported/);
    await expectError(importBytes(tiny(13, (b, x) => b.node('Resize', [x, '', b.floats('s', [4], [1, 1, 2, 2])], { mode: 'cubic' }))), 'UNSUPPORTED', /Resize.*mode "cubic"/);
    await expectError(importBytes(tiny(13, (b, x) => b.node('LRN', [x], { size: 4 }))), 'UNSUPPORTED', /even LRN size/);
    await expectError(importBytes(tiny(13, (b, x) => b.node('Reshape', [x, b.ints('s', [3, -1])]))), 'UNSUPPORTED', /changes the batch axis/);
  });

  it('rejects operators from other domains', async () => {
    const model = onnx.ModelProto.decode(tiny());
    model.graph!.node![0].domain = 'com.microsoft';
    await expectError(importBytes(onnx.ModelProto.encode(model).finish()), 'UNSUPPORTED', /domain "com\.microsoft"/);
  });

  it('says which external data file is missing, and refuses paths outside the model', async () => {
    const model = onnx.ModelProto.decode(tiny());
    const weight = model.graph!.initializer![0];
    weight.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    weight.externalData = [{ key: 'location', value: 'weights.bin' }, { key: 'offset', value: '0' }];
    weight.rawData = new Uint8Array(0);
    const bytes = onnx.ModelProto.encode(model).finish();
    await expectError(importBytes(bytes), 'INVALID_MODEL', /external data file "weights\.bin".*missing/);
    await expectError(importBytes(bytes, { 'weights.bin': new Uint8Array(8) }), 'INVALID_MODEL', /bytes of data|points at bytes/);
    weight.externalData = [{ key: 'location', value: '../../etc/passwd' }];
    await expectError(importBytes(onnx.ModelProto.encode(model).finish()), 'INVALID_MODEL', /outside/);
  });

  it('rejects absurd dimensions before allocating', async () => {
    const model = onnx.ModelProto.decode(tiny());
    model.graph!.initializer![0].dims = [1e9, 1e9, 3, 3];
    await expectError(importBytes(onnx.ModelProto.encode(model).finish()), 'INVALID_MODEL', /absurd|more than/);
    await expectError(importBytes(tiny(13, undefined, ['N', 3, 1e7, 1e7])), 'INVALID_MODEL', /absurd|more than/);
    await expectError(importBytes(tiny(13, (b, x) => b.node('Resize', [x, '', '', b.ints('s', [1, 3, 200000, 200000])]))), 'INVALID_MODEL', /more than|absurd/);
  });

  it('rejects data that does not fit its shape', async () => {
    const model = onnx.ModelProto.decode(tiny());
    model.graph!.initializer![0].rawData = new Uint8Array(12);
    await expectError(importBytes(onnx.ModelProto.encode(model).finish()), 'INVALID_MODEL', /bytes of data, its shape needs/);
  });

  it('rejects cycles and values nothing produces', async () => {
    const cyclic = onnx.ModelProto.encode(onnx.ModelProto.create({
      irVersion: 7,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        node: [
          { name: 'a', opType: 'Add', input: ['x', 'b_out'], output: ['a_out'] },
          { name: 'b', opType: 'Relu', input: ['a_out'], output: ['b_out'] },
        ],
        input: [valueInfo('x', ['N', 3, 8, 8])],
        output: [{ name: 'b_out' }],
      },
    })).finish();
    await expectError(importBytes(cyclic), 'INVALID_MODEL', /cycle through node "a" \(Add\), node "b" \(Relu\)/);
    await expectError(importBytes(tiny(13, (b, x) => b.node('Add', [x, 'ghost']))), 'INVALID_MODEL', /reads "ghost"/);
  });

  it('needs a static channel count, and a size for symbolic height and width', async () => {
    await expectError(importBytes(tiny(13, undefined, ['N', 'C', 8, 8])), 'INVALID_MODEL', /no static channel count/);
    await expectError(importBytes(tiny(13, undefined, ['N', 3, 'H', 'W'])), 'INVALID_INPUT', /no fixed height; give the input shape/);
    const ir = await importBytes(tiny(13, undefined, ['N', 3, 'H', 'W']), {}, [16, 12, 3]);
    expect(ir.input.shape).toEqual([16, 12, 3]);
    await expectError(importBytes(tiny(13, undefined, ['N', 3, 8, 8]), {}, [16, 16, 3]), 'INVALID_INPUT', /fixed height of 8/);
  });

  it('accepts only one float image input and known opsets', async () => {
    const b = new OnnxGraphBuilder(13);
    const x = b.input('x', ['N', 3, 8, 8]);
    const y = b.input('y', ['N', 3, 8, 8]);
    await expectError(importBytes(b.toBytes([b.node('Add', [x, y])])), 'UNSUPPORTED', /2 inputs/);
    await expectError(importBytes(tiny(13, undefined, ['N', 64])), 'UNSUPPORTED', /only image inputs/);
    const model = onnx.ModelProto.decode(tiny());
    model.graph!.input![0].type!.tensorType!.elemType = onnx.TensorProto.DataType.INT32;
    await expectError(importBytes(onnx.ModelProto.encode(model).finish()), 'UNSUPPORTED', /only float32 image inputs/);
    model.graph!.input![0].type!.tensorType!.elemType = onnx.TensorProto.DataType.FLOAT;
    model.opsetImport![0].version = 5;
    await expectError(importBytes(onnx.ModelProto.encode(model).finish()), 'UNSUPPORTED', /opset 5/);
  });
});
