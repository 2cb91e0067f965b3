export * from './catalog';
export * from './rows';
