export type { Transform } from './transform';
export { pad } from './pad';
export { jitter } from './jitter';
export { randomScale } from './scale';
export { rotate, randomRotate, shear } from './rotate';
export { compose, standardTransforms, STANDARD_SCALES, STANDARD_ANGLES } from './compose';
