import { onnx } from 'onnx-proto';
import { importModel } from '../import-model';
import { memoryModelFiles } from '../model-files';
import { importOnnx, importOnnxDetailed } from './import-onnx';
import { SUPPORTED_ONNX_OPS } from './supported-ops';
import { inceptionV3, mobilenetV2, vgg } from './test-support/families';
import { OnnxGraphBuilder, valueInfo } from './test-support/onnx-graph-builder';

/** What the importer makes of a model besides numbers: structure, layers, metadata, dispatch. */

const files = (bytes: Uint8Array) => memoryModelFiles({ 'model.onnx': bytes });

describe('importOnnx', () => {
  it('is reached through importModel("onnx")', async () => {
    const ir = await importModel('onnx', files(vgg({ opset: 13, size: 32 }).bytes));
    expect(ir.format).toBe('onnx');
    expect(ir.input.shape).toEqual([32, 32, 3]);
  });

  it('converts NCHW weights to channels-last and folds batch norm into the convolutions it follows', async () => {
    const ir = await importOnnx(files(inceptionV3({ opset: 13, size: 40 }).bytes));
    expect(ir.nodes.some((n) => n.op === 'scaleShift')).toBe(false);
    const conv = ir.nodes.find((n) => n.op === 'conv2d')!;
    // The stem: 3×3 over 3 input channels, HWIO.
    expect(ir.weights[conv.params.filter].shape).toEqual([3, 3, 3, 8]);
    expect(conv.params.bias).toBeDefined();
  });

  it('marks activations, pools, merges and unactivated convolutions as layers, and nothing internal', async () => {
    const ir = await importOnnx(files(mobilenetV2({ opset: 13, size: 32 }).bytes));
    const byOp = (op: string) => ir.nodes.filter((n) => n.op === op);
    expect(byOp('relu6').every((n) => n.isLayer)).toBe(true);
    expect(byOp('add').every((n) => n.isLayer)).toBe(true);
    expect(byOp('depthwiseConv2d').every((n) => !n.isLayer)).toBe(true); // each is followed by ReLU6
    // Projection convolutions (no activation after them) are layers.
    const projections = byOp('conv2d').filter((conv) => !ir.nodes.some((n) => n.inputs.includes(conv.name) && n.op === 'relu6'));
    expect(projections.length).toBeGreaterThan(0);
    expect(projections.every((n) => n.isLayer)).toBe(true);
    expect(ir.nodes.filter((n) => ['reshape', 'flatten', 'transpose', 'input'].includes(n.op)).every((n) => !n.isLayer)).toBe(true);
    expect(ir.nodes.at(-1)!.op).toBe('dense');
    expect(ir.nodes.at(-1)!.isLayer).toBe(true);
  });

  it('maps every layer to the ONNX value it computes', async () => {
    const imported = await importOnnxDetailed(files(vgg({ opset: 9, size: 32 }).bytes));
    for (const n of imported.ir.nodes.filter((x) => x.isLayer)) expect(imported.onnxValues[n.name]).toMatch(/_out0$/);
  });

  it('skips initializers listed among the graph inputs (old exporters) and reads preprocessing metadata', async () => {
    const b = new OnnxGraphBuilder(9);
    const x = b.input('image', ['N', 1, 8, 8]);
    const y = b.relu(b.conv(x, 1, 2, 3));
    const model = b.model([y]);
    model.graph!.input!.push(...model.graph!.initializer!.map((t) => valueInfo(t.name!, t.dims as number[])));
    model.metadataProps = [{ key: 'microscope.preprocessing', value: JSON.stringify({ scale: 1 / 255, mean: [0.5], std: [0.25] }) }];
    const imported = await importOnnxDetailed(files(new Uint8Array(onnx.ModelProto.encode(model).finish())));
    expect(imported.ir.input).toEqual({ name: 'image', shape: [8, 8, 1] });
    expect(imported.preprocessing).toEqual({ scale: 1 / 255, mean: [0.5], std: [0.25] });
    expect(imported.batchSize).toBeNull();
  });

  it('lists the supported operators for the README', () => {
    expect(SUPPORTED_ONNX_OPS.converted).toEqual(expect.arrayContaining(['Conv', 'Gemm', 'LRN', 'Resize', 'Upsample', 'ReduceMean', 'Split']));
    expect(SUPPORTED_ONNX_OPS.foldedOnly).toEqual(expect.arrayContaining(['Constant', 'Gather']));
    expect(SUPPORTED_ONNX_OPS.converted).not.toContain('Erf');
  });
});
