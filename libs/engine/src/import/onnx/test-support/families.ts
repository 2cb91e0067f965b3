import { OnnxGraphBuilder } from './onnx-graph-builder';

/**
 * The classic vision families, built as PyTorch exports them (topology and op spelling), with random weights.
 * Tests use small widths and resolutions; the benchmark builds ResNet-50 and MobileNetV2 at full size.
 */

export interface FamilyModel {
  bytes: Uint8Array;
  /** [H, W, C] */
  inputShape: [number, number, number];
}

export interface FamilyOptions {
  opset: number;
  /** Input height and width. */
  size: number;
  /** Channel multiplier on the family's (already reduced) widths. */
  width?: number;
  seed?: number;
}

type Family = (o: FamilyOptions) => FamilyModel;

const ch = (o: FamilyOptions, c: number): number => Math.max(1, Math.round(c * (o.width ?? 1)));

function finish(b: OnnxGraphBuilder, outputs: string[], o: FamilyOptions): FamilyModel {
  return { bytes: b.toBytes(outputs), inputShape: [o.size, o.size, 3] };
}

/** Dropout as exported at each opset (an attribute ratio before 12, inputs from 12). */
function dropout(b: OnnxGraphBuilder, x: string): string {
  return b.opset < 12 ? b.node('Dropout', [x], { ratio: { f: 0.5 } }) : b.node('Dropout', [x, b.floats('ratio', [], [0.5])]);
}

const spatialAfter = (size: number, k: number, s: number, p: number): number => Math.floor((size + 2 * p - k) / s) + 1;

/** AlexNet with LRN (the original paper's variant): 11×11 stride-4 stem, three pools, two hidden dense layers. */
export const alexnet: Family = (o) => {
  const b = new OnnxGraphBuilder(o.opset, o.seed);
  const [c1, c2, c3, c4] = [ch(o, 8), ch(o, 12), ch(o, 16), ch(o, 12)];
  let x = b.input('input', ['N', 3, o.size, o.size]);
  x = b.node('LRN', [b.relu(b.conv(x, 3, c1, 11, { stride: 4, pads: 2 }))], { size: 5, alpha: { f: 1e-4 }, beta: { f: 0.75 }, bias: { f: 2 } });
  x = b.maxPool(x, 3, 2);
  x = b.node('LRN', [b.relu(b.conv(x, c1, c2, 5, { pads: 2 }))], { size: 5, alpha: { f: 1e-4 }, beta: { f: 0.75 }, bias: { f: 2 } });
  x = b.maxPool(x, 3, 2);
  x = b.relu(b.conv(x, c2, c3, 3, { pads: 1 }));
  x = b.relu(b.conv(x, c3, c3, 3, { pads: 1 }));
  x = b.relu(b.conv(x, c3, c4, 3, { pads: 1 }));
  x = b.maxPool(x, 3, 2);
  let s = spatialAfter(o.size, 11, 4, 2);
  for (let i = 0; i < 3; i++) s = spatialAfter(s, 3, 2, 0);
  x = b.node('Flatten', [x], { axis: 1 });
  x = b.relu(b.gemm(dropout(b, x), c4 * s * s, 32));
  x = b.gemm(dropout(b, x), 32, 10);
  return finish(b, [x], o);
};

/** VGG: stacks of 3×3 convs and 2×2 pools, flatten of a multi-pixel map, dense head, softmax. */
export const vgg: Family = (o) => {
  const b = new OnnxGraphBuilder(o.opset, o.seed);
  let x = b.input('input', ['N', 3, o.size, o.size]);
  let c = 3;
  let s = o.size;
  for (const [width, convs] of [[ch(o, 8), 2], [ch(o, 16), 2], [ch(o, 16), 3]] as const) {
    for (let i = 0; i < convs; i++) {
      x = b.relu(b.conv(x, c, width, 3, { pads: 1 }));
      c = width;
    }
    x = b.maxPool(x, 2, 2);
    s = Math.floor(s / 2);
  }
  x = b.node('Flatten', [x], { axis: 1 });
  x = dropout(b, b.relu(b.gemm(x, c * s * s, 32)));
  x = b.gemm(x, 32, 10);
  return finish(b, [b.node('Softmax', [x], { axis: 1 })], o);
};

/** GoogLeNet / InceptionV1: LRN in the stem, ceil-mode pools, four-branch inception modules. */
export const googlenet: Family = (o) => {
  const b = new OnnxGraphBuilder(o.opset, o.seed);
  const lrn = (x: string) => b.node('LRN', [x], { size: 5, alpha: { f: 1e-4 }, beta: { f: 0.75 }, bias: { f: 1 } });
  let x = b.input('input', ['N', 3, o.size, o.size]);
  const c1 = ch(o, 8);
  const c2 = ch(o, 16);
  x = b.maxPool(b.relu(b.conv(x, 3, c1, 7, { stride: 2, pads: 3 })), 3, 2, 0, true);
  x = lrn(x);
  x = b.relu(b.conv(x, c1, c1, 1));
  x = lrn(b.relu(b.conv(x, c1, c2, 3, { pads: 1 })));
  x = b.maxPool(x, 3, 2, 0, true);
  const inception = (x: string, c: number, widths: [number, number, number, number, number, number]): [string, number] => {
    const [w1, w2r, w2, w3r, w3, w4] = widths.map((w) => ch(o, w));
    const b1 = b.relu(b.conv(x, c, w1, 1));
    const b2 = b.relu(b.conv(b.relu(b.conv(x, c, w2r, 1)), w2r, w2, 3, { pads: 1 }));
    const b3 = b.relu(b.conv(b.relu(b.conv(x, c, w3r, 1)), w3r, w3, 5, { pads: 2 }));
    const b4 = b.relu(b.conv(b.maxPool(x, 3, 1, 1, true), c, w4, 1));
    return [b.node('Concat', [b1, b2, b3, b4], { axis: 1 }), w1 + w2 + w3 + w4];
  };
  let c: number;
  [x, c] = inception(x, c2, [8, 6, 8, 4, 4, 4]);
  [x, c] = inception(x, c, [8, 8, 12, 4, 6, 6]);
  x = b.maxPool(x, 3, 2, 0, true);
  [x, c] = inception(x, c, [10, 6, 10, 4, 4, 4]);
  x = b.node('Flatten', [b.node('GlobalAveragePool', [x])], { axis: 1 });
  return finish(b, [b.gemm(dropout(b, x), c, 10)], o);
};

/** InceptionV3: conv–BN–ReLU units, factorized 1×7 / 7×1 convolutions, avg-pool branches, grid reduction. */
export const inceptionV3: Family = (o) => {
  const b = new OnnxGraphBuilder(o.opset, o.seed);
  const unit = (x: string, inC: number, outC: number, k: number | [number, number], pads: number | [number, number, number, number] = 0, stride = 1) =>
    b.relu(b.batchNorm(b.conv(x, inC, outC, k, { pads, stride, bias: false }), outC));
  let x = b.input('input', ['N', 3, o.size, o.size]);
  const c0 = ch(o, 8);
  x = unit(unit(x, 3, c0, 3, 0, 2), c0, c0, 3, 1);
  // InceptionA
  const a = [ch(o, 4), ch(o, 4), ch(o, 6), ch(o, 4), ch(o, 6), ch(o, 4)];
  const a1 = unit(x, c0, a[0], 1);
  const a2 = unit(unit(x, c0, a[1], 1), a[1], a[2], 5, 2);
  const a3 = unit(unit(unit(x, c0, a[3], 1), a[3], a[4], 3, 1), a[4], a[4], 3, 1);
  const a4 = unit(b.avgPool(x, 3, 1, 1, true), c0, a[5], 1);
  x = b.node('Concat', [a1, a2, a3, a4], { axis: 1 });
  let c = a[0] + a[2] + a[4] + a[5];
  // InceptionC: 1×7 then 7×1 (pads [h0, w0, h1, w1]).
  const m = ch(o, 4);
  const c1 = unit(x, c, ch(o, 6), 1);
  const c2 = unit(unit(unit(x, c, m, 1), m, m, [1, 7], [0, 3, 0, 3]), m, ch(o, 6), [7, 1], [3, 0, 3, 0]);
  let c3 = unit(x, c, m, 1);
  for (const [k, p] of [[[7, 1], [3, 0, 3, 0]], [[1, 7], [0, 3, 0, 3]], [[7, 1], [3, 0, 3, 0]]] as const) c3 = unit(c3, m, m, [k[0], k[1]], [p[0], p[1], p[2], p[3]]);
  c3 = unit(c3, m, ch(o, 6), [1, 7], [0, 3, 0, 3]);
  const c4 = unit(b.avgPool(x, 3, 1, 1, true), c, ch(o, 6), 1);
  x = b.node('Concat', [c1, c2, c3, c4], { axis: 1 });
  c = 4 * ch(o, 6);
  // Reduction: stride-2 conv branch beside a stride-2 max pool.
  const r1 = unit(x, c, ch(o, 8), 3, 0, 2);
  const r2 = b.maxPool(x, 3, 2);
  x = b.node('Concat', [r1, r2], { axis: 1 });
  c += ch(o, 8);
  x = b.node('Flatten', [b.node('GlobalAveragePool', [x])], { axis: 1 });
  return finish(b, [b.gemm(x, c, 10)], o);
};

/** ResNet-50 v1(.5): bottlenecks with the stride on the 3×3 conv, projection shortcuts, Add then ReLU. */
export function resnet50Layout(o: FamilyOptions, stages: [number, number, number][]): FamilyModel {
  const b = new OnnxGraphBuilder(o.opset, o.seed);
  const convBn = (x: string, inC: number, outC: number, k: number, stride = 1) => b.batchNorm(b.conv(x, inC, outC, k, { stride, pads: (k - 1) / 2, bias: false }), outC);
  let x = b.input('input', ['N', 3, o.size, o.size]);
  let c = ch(o, 16);
  x = b.maxPool(b.relu(convBn(x, 3, c, 7, 2)), 3, 2, 1);
  stages.forEach(([mid, out, blocks], stage) => {
    const [m, w] = [ch(o, mid), ch(o, out)];
    for (let i = 0; i < blocks; i++) {
      const stride = i === 0 && stage > 0 ? 2 : 1;
      let y = b.relu(convBn(x, c, m, 1));
      y = b.relu(convBn(y, m, m, 3, stride));
      y = convBn(y, m, w, 1);
      const shortcut = i === 0 ? convBn(x, c, w, 1, stride) : x;
      x = b.relu(b.node('Add', [y, shortcut]));
      c = w;
    }
  });
  x = b.flattenLikeView(b.node('GlobalAveragePool', [x]));
  return finish(b, [b.gemm(x, c, 10)], o);
}

export const resnet50: Family = (o) => resnet50Layout(o, [[4, 16, 2], [8, 32, 2]]);

/** The real ResNet-50 widths and depths (for the benchmark). */
export const resnet50Full: Family = (o) => resnet50Layout(o, [[64, 256, 3], [128, 512, 4], [256, 1024, 6], [512, 2048, 3]]);

/** ResNet v2: pre-activation bottlenecks (BN–ReLU before each conv), ReduceMean head. */
export const resnetV2: Family = (o) => {
  const b = new OnnxGraphBuilder(o.opset, o.seed);
  const bnRelu = (x: string, c: number) => b.relu(b.batchNorm(x, c));
  let x = b.input('input', ['N', 3, o.size, o.size]);
  let c = ch(o, 8);
  x = b.maxPool(b.conv(x, 3, c, 7, { stride: 2, pads: 3 }), 3, 2, 1);
  for (const [mid, out, stride] of [[4, 16, 1], [4, 16, 1], [8, 32, 2]] as const) {
    const [m, w] = [ch(o, mid), ch(o, out)];
    const pre = bnRelu(x, c);
    let y = b.conv(pre, c, m, 1, { bias: false });
    y = b.conv(bnRelu(y, m), m, m, 3, { stride, pads: 1, bias: false });
    y = b.conv(bnRelu(y, m), m, w, 1);
    const shortcut = c !== w || stride !== 1 ? b.conv(pre, c, w, 1, { stride }) : x;
    x = b.node('Add', [y, shortcut]);
    c = w;
  }
  x = b.axesOp('ReduceMean', bnRelu(x, c), [2, 3], { keepdims: 0 });
  return finish(b, [b.gemm(x, c, 10)], o);
};

/** MobileNetV2: inverted residuals (1×1 expand, depthwise 3×3, linear 1×1 project), ReLU6 as Clip. */
export function mobilenetV2Layout(o: FamilyOptions, settings: [number, number, number, number][], stem: number, head: number): FamilyModel {
  const b = new OnnxGraphBuilder(o.opset, o.seed);
  const convBn = (x: string, inC: number, outC: number, k: number, stride = 1, group = 1) =>
    b.batchNorm(b.conv(x, inC, outC, k, { stride, pads: (k - 1) / 2, group, bias: false }), outC);
  let x = b.input('input', ['N', 3, o.size, o.size]);
  let c = ch(o, stem);
  x = b.relu6(convBn(x, 3, c, 3, 2));
  for (const [t, out, n, s] of settings) {
    const w = ch(o, out);
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const hidden = c * t;
      let y = t === 1 ? x : b.relu6(convBn(x, c, hidden, 1));
      y = b.relu6(convBn(y, hidden, hidden, 3, stride, hidden));
      y = convBn(y, hidden, w, 1);
      x = stride === 1 && c === w ? b.node('Add', [x, y]) : y;
      c = w;
    }
  }
  const h = ch(o, head);
  x = b.relu6(convBn(x, c, h, 1));
  x = b.flattenLikeView(b.node('GlobalAveragePool', [x]));
  return finish(b, [b.gemm(dropout(b, x), h, 10)], o);
}

export const mobilenetV2: Family = (o) => mobilenetV2Layout(o, [[1, 8, 1, 1], [4, 12, 2, 2], [4, 16, 2, 2]], 8, 32);

export const mobilenetV2Full: Family = (o) =>
  mobilenetV2Layout(o, [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]], 32, 1280);

/**
 * EfficientNet-B0 MBConv blocks with squeeze-and-excitation. `activation` picks how the nonlinearity is spelled:
 * swish as Sigmoid + Mul (PyTorch before opset 14), HardSwish ops (MobileNetV3 style, opset 14+) or
 * x * HardSigmoid(x) (hardswish before opset 14).
 */
export function efficientNet(o: FamilyOptions, activation: 'swish' | 'hardswish' | 'hardsigmoid-mul' = 'swish'): FamilyModel {
  const b = new OnnxGraphBuilder(o.opset, o.seed);
  const act = (x: string) => {
    if (activation === 'hardswish') return b.node('HardSwish', [x]);
    if (activation === 'hardsigmoid-mul') return b.node('Mul', [x, b.node('HardSigmoid', [x], { alpha: { f: 1 / 6 }, beta: { f: 0.5 } })]);
    return b.node('Mul', [x, b.node('Sigmoid', [x])]);
  };
  const gate = (x: string) => (activation === 'swish' ? b.node('Sigmoid', [x]) : b.node('HardSigmoid', [x], { alpha: { f: 1 / 6 }, beta: { f: 0.5 } }));
  const convBn = (x: string, inC: number, outC: number, k: number, stride = 1, group = 1, pads?: [number, number, number, number]) =>
    b.batchNorm(b.conv(x, inC, outC, k, { stride, pads: pads ?? (k - 1) / 2, group, bias: false }), outC);
  let x = b.input('input', ['N', 3, o.size, o.size]);
  let c = ch(o, 8);
  x = act(convBn(x, 3, c, 3, 2));
  // [expand ratio, kernel, stride, out]; the stride-2 5×5 uses TF-style asymmetric padding.
  for (const [t, k, s, out] of [[1, 3, 1, 8], [6, 5, 2, 12], [6, 3, 1, 12]] as const) {
    const w = ch(o, out);
    const hidden = c * t;
    let y = t === 1 ? x : act(convBn(x, c, hidden, 1));
    y = act(convBn(y, hidden, hidden, k, s, hidden, s === 2 ? [1, 1, 2, 2] : undefined));
    const squeezed = Math.max(1, Math.floor(c / 4));
    const se = gate(b.conv(act(b.conv(b.node('GlobalAveragePool', [y]), hidden, squeezed, 1)), squeezed, hidden, 1));
    y = convBn(b.node('Mul', [y, se]), hidden, w, 1);
    x = s === 1 && c === w ? b.node('Add', [y, x]) : y;
    c = w;
  }
  const h = ch(o, 32);
  x = act(convBn(x, c, h, 1));
  x = b.node('Flatten', [b.node('GlobalAveragePool', [x])], { axis: 1 });
  return finish(b, [b.gemm(dropout(b, x), h, 10)], o);
}

/** DenseNet-121: BN–ReLU–conv dense layers concatenated onto their input, transition with avg pool. */
export const densenet: Family = (o) => {
  const b = new OnnxGraphBuilder(o.opset, o.seed);
  const bnReluConv = (x: string, inC: number, outC: number, k: number) => b.conv(b.relu(b.batchNorm(x, inC)), inC, outC, k, { pads: (k - 1) / 2, bias: false });
  const growth = ch(o, 4);
  let x = b.input('input', ['N', 3, o.size, o.size]);
  let c = ch(o, 8);
  x = b.maxPool(b.relu(b.batchNorm(b.conv(x, 3, c, 7, { stride: 2, pads: 3, bias: false }), c)), 3, 2, 1);
  const block = (layers: number) => {
    for (let i = 0; i < layers; i++) {
      const y = bnReluConv(bnReluConv(x, c, 4 * growth, 1), 4 * growth, growth, 3);
      x = b.node('Concat', [x, y], { axis: 1 });
      c += growth;
    }
  };
  block(3);
  const half = Math.floor(c / 2);
  x = b.avgPool(bnReluConv(x, c, half, 1), 2, 2);
  c = half;
  block(2);
  x = b.relu(b.batchNorm(x, c));
  x = b.node('Flatten', [b.node('GlobalAveragePool', [x])], { axis: 1 });
  return finish(b, [b.gemm(x, c, 10)], o);
};

/** SqueezeNet 1.1: fire modules (squeeze 1×1, expand 1×1 ‖ 3×3), ceil-mode pools, conv classifier. */
export const squeezenet: Family = (o) => {
  const b = new OnnxGraphBuilder(o.opset, o.seed);
  const fire = (x: string, inC: number, s: number, e: number): [string, number] => {
    const sq = b.relu(b.conv(x, inC, s, 1));
    return [b.node('Concat', [b.relu(b.conv(sq, s, e, 1)), b.relu(b.conv(sq, s, e, 3, { pads: 1 }))], { axis: 1 }), 2 * e];
  };
  let x = b.input('input', ['N', 3, o.size, o.size]);
  let c = ch(o, 8);
  x = b.maxPool(b.relu(b.conv(x, 3, c, 3, { stride: 2 })), 3, 2, 0, true);
  [x, c] = fire(x, c, ch(o, 4), ch(o, 8));
  [x, c] = fire(x, c, ch(o, 4), ch(o, 8));
  x = b.maxPool(x, 3, 2, 0, true);
  [x, c] = fire(x, c, ch(o, 6), ch(o, 12));
  x = b.relu(b.conv(dropout(b, x), c, 10, 1));
  x = b.node('Flatten', [b.node('GlobalAveragePool', [x])], { axis: 1 });
  return finish(b, [x], o);
};
