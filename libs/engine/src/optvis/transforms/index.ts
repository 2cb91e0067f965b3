export { affineTransform, DEFAULT_FILL, type Transform, type AffineStep } from './transform';
export { warpAffine, composeMaps, IDENTITY, type AffineMap } from './warp';
export { pad } from './pad';
export { jitter } from './jitter';
export { randomScale } from './scale';
export { rotate, rotationStep, randomRotate } from './rotate';
export { compose, standardTransforms, STANDARD_SCALES, STANDARD_ANGLES } from './compose';
export { resizeTo } from './resize';
