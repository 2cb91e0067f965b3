/** Error codes a user can act on; the API maps them to HTTP statuses. */
export type ErrorCode =
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'INVALID_INPUT'
  | 'INVALID_MODEL'
  | 'UNSUPPORTED'
  | 'INVALID_IMAGE'
  | 'TOO_LARGE'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export class MicroscopeError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MicroscopeError';
  }
}

export const isMicroscopeError = (e: unknown): e is MicroscopeError => e instanceof MicroscopeError;
