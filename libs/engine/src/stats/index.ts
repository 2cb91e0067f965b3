export * from './unit-stats';
export * from './top-k';
export * from './summarize-unit';
