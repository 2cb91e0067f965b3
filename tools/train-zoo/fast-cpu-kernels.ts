/**
 * Faster gradient kernels for the pure-JS `cpu` backend, used only to train the demo zoo.
 *
 * The stock `Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropFilter` and `MaxPoolGrad` kernels read every
 * element through `TensorBuffer.get(b, y, x, c)`; the first alone took ~5 s of a ~5.5 s training step of a tiny CNN
 * (batch 64, 28×28). These versions walk the NHWC arrays with flat offsets and accumulate in float64. Same
 * mathematics (max pooling keeps the stock tie rule: the first maximum in row-major window order takes the gradient),
 * different summation order: results agree with the stock kernels to float32 rounding (see the spec) and are
 * deterministic. Channels-first convolution data is passed to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type TensorInfo = tf.TensorInfo;
type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

interface CpuBackendLike {
  data: { get(dataId: unknown): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): TensorInfo;
}

function floatValues(backend: CpuBackendLike, info: TensorInfo): Float32Array {
  const values = backend.data.get(info.dataId).values;
  if (!(values instanceof Float32Array)) throw new Error(`expected float32 data, got ${info.dtype}`);
  return values;
}

/**
 * dW[wr, wc, ci, co] = Σ_{b, yr, yc} x[b, yr·sh + wr − top, yc·sw + wc − left, ci] · dy[b, yr, yc, co]
 * (channels-last, dilation 1 — the only dilation Conv2DBackpropFilter has). Shared by the depthwise case, where
 * `depthwise` maps output channel co to input channel ⌊co / multiplier⌋ and the filter is [kh, kw, ci, multiplier].
 */
export function filterGradient(x: Float32Array, dy: Float32Array, info: Conv2DInfo, depthwise: boolean): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth, dilationHeight, dilationWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const filterSize = filterHeight * filterWidth * (depthwise ? outChannels : inChannels * outChannels);
  const acc = new Float64Array(filterSize);
  const multiplier = depthwise ? outChannels / inChannels : 1;
  for (let b = 0; b < batchSize; b++) {
    for (let yr = 0; yr < outHeight; yr++) {
      for (let yc = 0; yc < outWidth; yc++) {
        const dyOffset = ((b * outHeight + yr) * outWidth + yc) * outChannels;
        for (let wr = 0; wr < filterHeight; wr++) {
          const xr = yr * strideHeight + wr * dilationHeight - top;
          if (xr < 0 || xr >= inHeight) continue;
          for (let wc = 0; wc < filterWidth; wc++) {
            const xc = yc * strideWidth + wc * dilationWidth - left;
            if (xc < 0 || xc >= inWidth) continue;
            const xOffset = ((b * inHeight + xr) * inWidth + xc) * inChannels;
            if (depthwise) {
              // Filter [kh, kw, ci, m] flattened is exactly output channel co = ci·m + j.
              const wOffset = (wr * filterWidth + wc) * outChannels;
              for (let co = 0; co < outChannels; co++) {
                acc[wOffset + co] += x[xOffset + Math.floor(co / multiplier)] * dy[dyOffset + co];
              }
            } else {
              const wOffset = (wr * filterWidth + wc) * inChannels * outChannels;
              for (let ci = 0; ci < inChannels; ci++) {
                const xv = x[xOffset + ci];
                if (xv === 0) continue; // post-ReLU inputs are often zero
                const rowOffset = wOffset + ci * outChannels;
                for (let co = 0; co < outChannels; co++) acc[rowOffset + co] += xv * dy[dyOffset + co];
              }
            }
          }
        }
      }
    }
  }
  return Float32Array.from(acc);
}

function conv2dBackpropFilter(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, attrs } = args;
    const backend = args.backend as unknown as CpuBackendLike;
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (a.dataFormat === 'NCHW') return stock(args);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      a.filterShape,
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
      false,
      'channelsLast',
    );
    const dW = filterGradient(floatValues(backend, x), floatValues(backend, dy), info, false);
    return backend.makeTensorInfo(info.filterShape, 'float32', dW);
  };
}

function depthwiseBackpropFilter(): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, attrs } = args;
    const backend = args.backend as unknown as CpuBackendLike;
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      a.filterShape,
      a.strides,
      a.dilations,
      a.pad,
      a.dimRoundingMode,
      true,
    );
    const dW = filterGradient(floatValues(backend, x), floatValues(backend, dy), info, true);
    return backend.makeTensorInfo(info.filterShape, 'float32', dW);
  };
}

type Pool2DInfo = ReturnType<typeof tf.backend_util.computePool2DInfo>;

/** dx of a max pool: each output's gradient goes to the first maximal input of its window (row-major order). */
export function maxPoolGradient(x: Float32Array, dy: Float32Array, info: Pool2DInfo): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, effectiveFilterHeight, effectiveFilterWidth, dilationHeight, dilationWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dx = new Float64Array(x.length);
  for (let b = 0; b < batchSize; b++) {
    for (let yr = 0; yr < outHeight; yr++) {
      const rowStart = yr * strideHeight - top;
      for (let yc = 0; yc < outWidth; yc++) {
        const colStart = yc * strideWidth - left;
        const dyOffset = ((b * outHeight + yr) * outWidth + yc) * inChannels;
        for (let d = 0; d < inChannels; d++) {
          let best = Number.NEGATIVE_INFINITY;
          let bestIndex = -1;
          for (let wr = 0; wr < effectiveFilterHeight; wr += dilationHeight) {
            const xr = rowStart + wr;
            if (xr < 0 || xr >= inHeight) continue;
            for (let wc = 0; wc < effectiveFilterWidth; wc += dilationWidth) {
              const xc = colStart + wc;
              if (xc < 0 || xc >= inWidth) continue;
              const index = ((b * inHeight + xr) * inWidth + xc) * inChannels + d;
              if (x[index] > best) {
                best = x[index];
                bestIndex = index;
              }
            }
          }
          if (bestIndex >= 0) dx[bestIndex] += dy[dyOffset + d];
        }
      }
    }
  }
  return Float32Array.from(dx);
}

function maxPoolGrad(): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, attrs } = args;
    const backend = args.backend as unknown as CpuBackendLike;
    const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
    const a = attrs as unknown as tf.MaxPoolGradAttrs;
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      a.filterSize,
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
    );
    const dx = maxPoolGradient(floatValues(backend, input), floatValues(backend, dy), info);
    return backend.makeTensorInfo(input.shape, 'float32', dx);
  };
}

let installed = false;

/** Replace the three cpu gradient kernels (idempotent). Call after `tf.setBackend('cpu')`. */
export function installFastCpuKernels(): void {
  if (installed) return;
  const stockConv = tf.getKernel(tf.Conv2DBackpropFilter, 'cpu');
  const stockDepthwise = tf.getKernel(tf.DepthwiseConv2dNativeBackpropFilter, 'cpu');
  if (!stockConv || !stockDepthwise) throw new Error('the tfjs cpu backend is not registered');
  tf.unregisterKernel(tf.Conv2DBackpropFilter, 'cpu');
  tf.registerKernel({ kernelName: tf.Conv2DBackpropFilter, backendName: 'cpu', kernelFunc: conv2dBackpropFilter(stockConv.kernelFunc) });
  tf.unregisterKernel(tf.DepthwiseConv2dNativeBackpropFilter, 'cpu');
  tf.registerKernel({ kernelName: tf.DepthwiseConv2dNativeBackpropFilter, backendName: 'cpu', kernelFunc: depthwiseBackpropFilter() });
  tf.unregisterKernel(tf.MaxPoolGrad, 'cpu');
  tf.registerKernel({ kernelName: tf.MaxPoolGrad, backendName: 'cpu', kernelFunc: maxPoolGrad() });
  installed = true;
}
