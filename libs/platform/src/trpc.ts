import { initTRPC, TRPCError } from '@trpc/server';
import { isMicroscopeError, type ErrorCode } from '@microscope/contracts';
import { ZodError } from 'zod';

/** One tRPC instance for every app, so their routers nest into one API in the single-process product. */
const t = initTRPC.create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return {
      ...shape,
      data: {
        ...shape.data,
        microscopeCode: isMicroscopeError(cause) ? cause.code : undefined,
        issues: cause instanceof ZodError ? cause.issues : undefined,
      },
    };
  },
});

const trpcCodes: Record<ErrorCode, TRPCError['code']> = {
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  INVALID_INPUT: 'BAD_REQUEST',
  INVALID_MODEL: 'UNPROCESSABLE_CONTENT',
  UNSUPPORTED: 'UNPROCESSABLE_CONTENT',
  INVALID_IMAGE: 'UNPROCESSABLE_CONTENT',
  TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
};

/** Turns our typed errors into tRPC errors with the matching HTTP status and the message intact. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && isMicroscopeError(result.error.cause)) {
    const cause = result.error.cause;
    throw new TRPCError({ code: trpcCodes[cause.code], message: cause.message, cause });
  }
  return result;
});

export const router = t.router;
export const publicProcedure = t.procedure.use(mapErrors);
export const mergeRouters = t.mergeRouters;
