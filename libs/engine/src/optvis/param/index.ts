export { imageParameterization, type ImageParamOptions, type ImageParameterization } from './image';
export { InverseRealFft2d, spectrumWeights, realHalfSpectrum } from './fourier';
export { colorMixingMatrix, decorrelateColors, decorrelates, inverseColorMixingMatrix } from './color';
