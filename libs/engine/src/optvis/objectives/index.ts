export { objective, sum, product, scaled, negative, type Objective, type Activations } from './objective';
export { channel, neuron, direction, deepdream, caricature, type ItemOptions, type NeuronOptions, type DirectionOptions, type CaricatureOptions } from './units';
export { diversity, type DiversityOptions } from './diversity';
export { unitBatch, unitBatchItemValues, type UnitTarget, type UnitBatchOptions } from './unit-batch';
