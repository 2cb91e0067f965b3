import { MicroscopeError, type Pooling } from '@microscope/contracts';
import { matrix, type FloatArray, type Matrix } from './matrix';

/** A batch of layer outputs, channels-last (NHWC) as the executor produces them. */
export interface ActivationShape {
  readonly images: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** images × channels: each unit's map reduced to one number per image (the form unit-to-unit comparison uses). */
export function spatiallyPooled(data: FloatArray, shape: ActivationShape, pooling: Pooling): Matrix {
  checkShape(data, shape);
  const { images, height, width, channels } = shape;
  const positions = height * width;
  const out = new Float64Array(images * channels);
  for (let image = 0; image < images; image++) {
    const row = out.subarray(image * channels, (image + 1) * channels);
    const first = image * positions * channels;
    if (pooling === 'max') row.set(data.subarray(first, first + channels));
    for (let position = pooling === 'max' ? 1 : 0; position < positions; position++) {
      const at = first + position * channels;
      if (pooling === 'max') for (let c = 0; c < channels; c++) row[c] = Math.max(row[c], data[at + c]);
      else for (let c = 0; c < channels; c++) row[c] += data[at + c];
    }
    if (pooling === 'mean') for (let c = 0; c < channels; c++) row[c] /= positions;
  }
  return matrix(images, channels, out);
}

/**
 * images × (height · width · channels), without copying: every spatial position of every channel is a column.
 * Layer similarity (CKA, SVCCA) accepts this form, which keeps spatial structure that pooling discards.
 */
export function spatiallyFlattened(data: FloatArray, shape: ActivationShape): Matrix {
  checkShape(data, shape);
  return matrix(shape.images, shape.height * shape.width * shape.channels, data);
}

function checkShape(data: FloatArray, shape: ActivationShape): void {
  const { images, height, width, channels } = shape;
  const dims = [images, height, width, channels];
  if (!dims.every((d) => Number.isInteger(d) && d > 0)) {
    throw new MicroscopeError('INVALID_INPUT', `activation shape must be positive integers, got [${dims.join(', ')}]`);
  }
  if (data.length !== images * height * width * channels) {
    throw new MicroscopeError(
      'INVALID_INPUT',
      `activations of shape [${dims.join(', ')}] need ${images * height * width * channels} values, got ${data.length}`,
    );
  }
}
