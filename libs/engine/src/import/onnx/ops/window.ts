import type { Pads } from '../../../ir/padding';
import type { NodeInfo } from './converter';
import { invalid, unsupported } from './converter';

/** Geometry of a 2-D sliding window (Conv, pools) from ONNX attributes, with auto_pad resolved to explicit pads. */
export interface WindowGeometry {
  strides: [number, number];
  dilations: [number, number];
  /** IR order: [top, bottom, left, right]. */
  pads: Pads;
}

function pair(info: NodeInfo, name: string, values: number[], min: number): [number, number] {
  if (values.length !== 2) throw unsupported(info, `attribute "${name}" has ${values.length} entries; only 2-D windows are supported`);
  if (values.some((v) => !Number.isInteger(v) || v < min || v > 1 << 16)) throw invalid(info, `attribute "${name}" [${values}] is out of range`);
  return [values[0], values[1]];
}

export function windowGeometry(info: NodeInfo, inputHW: [number, number], kernel: [number, number]): WindowGeometry {
  const strides = pair(info, 'strides', info.attrs.ints('strides', [1, 1]), 1);
  const dilations = pair(info, 'dilations', info.attrs.ints('dilations', [1, 1]), 1);
  const autoPad = info.attrs.string('auto_pad', 'NOTSET');
  let pads: Pads;
  switch (autoPad) {
    case 'NOTSET': {
      const p = info.attrs.ints('pads', [0, 0, 0, 0]);
      if (p.length !== 4) throw unsupported(info, `attribute "pads" has ${p.length} entries; only 2-D windows are supported`);
      if (p.some((v) => !Number.isInteger(v) || v < 0 || v > 1 << 16)) throw invalid(info, `attribute "pads" [${p}] must be non-negative`);
      // ONNX: [H begin, W begin, H end, W end].
      pads = [p[0], p[2], p[1], p[3]];
      break;
    }
    case 'VALID':
      pads = [0, 0, 0, 0];
      break;
    case 'SAME_UPPER':
    case 'SAME_LOWER': {
      const along = (size: number, k: number, s: number, d: number): [number, number] => {
        const total = Math.max((Math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0);
        const small = Math.floor(total / 2);
        return autoPad === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
      };
      const [t, b] = along(inputHW[0], kernel[0], strides[0], dilations[0]);
      const [l, r] = along(inputHW[1], kernel[1], strides[1], dilations[1]);
      pads = [t, b, l, r];
      break;
    }
    default:
      throw invalid(info, `auto_pad "${autoPad}" is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  }
  return { strides, dilations, pads };
}

export function kernelPair(info: NodeInfo, values: number[]): [number, number] {
  return pair(info, 'kernel_shape', values, 1);
}
