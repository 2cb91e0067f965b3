// Next's ambient types, for type-checking before `next build` has generated apps/web/next-env.d.ts (which is
// build output: it points into .next/ and is rewritten by every build).
/// <reference types="next" />
/// <reference types="next/image-types/global" />
