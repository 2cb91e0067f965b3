export { makeFamily, evenly, type StimulusFamily, type StimulusAxis, type StimulusKind } from './family';
export { gratings, type GratingOptions } from './gratings';
export { colours, hsvToRgb, type ColourOptions } from './colour';
export { curves, type CurveOptions } from './curves';
export { edges, type EdgeOptions } from './edges';
export { tuningCurve, tuningCurves, type TuningCurve, type TuningOptions } from './tuning';
