export * from './ids';
export * from './catalog';
export * from './jobs';
export * from './stats';
export * from './bus';
export * from './errors';
