export * from './analytics-service';
export * from './router';
export * from './activations/activation-sink';
export * from './activations/layer-statistics';
export * from './queries/unit-queries';
export * from './compare';
