export * from './logger';
export * from './trpc';
export * from './env';
export * from './http-server';
export * from './run-service';
export * from './service-env';
