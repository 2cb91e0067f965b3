/**
 * The version of the rendering code's results: part of every render's parameter hash, so a change that alters the
 * images for the same parameters (a transform, a default, a gradient fix) gets new keys instead of stale pictures.
 * Bump it with any such change.
 */
export const OPTVIS_VERSION = 2;
// 2: unit pictures restart from a flat image when one beats them; softmax layers optimise their logits.
