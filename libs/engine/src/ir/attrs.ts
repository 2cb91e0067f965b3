import type { AttrValue, IRNode } from './graph';

/** Typed readers for IR node attributes, with the defaults every consumer (shapes, executor, export) must agree on. */

export class AttrError extends Error {}

function read(node: Pick<IRNode, 'attrs'>, key: string): AttrValue | undefined {
  return node.attrs[key];
}

export function numAttr(node: Pick<IRNode, 'attrs'>, key: string, fallback?: number): number {
  const v = read(node, key);
  if (v === undefined || v === null) {
    if (fallback === undefined) throw new AttrError(`attribute "${key}" is missing`);
    return fallback;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new AttrError(`attribute "${key}" must be a number`);
  return v;
}

export function numsAttr(node: Pick<IRNode, 'attrs'>, key: string, fallback?: number[]): number[] {
  const v = read(node, key);
  if (v === undefined || v === null) {
    if (fallback === undefined) throw new AttrError(`attribute "${key}" is missing`);
    return fallback;
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) {
    throw new AttrError(`attribute "${key}" must be a list of numbers`);
  }
  return v as number[];
}

export function nestedNumsAttr(node: Pick<IRNode, 'attrs'>, key: string): number[][] {
  const v = read(node, key);
  if (!Array.isArray(v) || !v.every((row) => Array.isArray(row) && row.every((x) => typeof x === 'number'))) {
    throw new AttrError(`attribute "${key}" must be a list of number pairs`);
  }
  return v as number[][];
}

export function boolAttr(node: Pick<IRNode, 'attrs'>, key: string, fallback: boolean): boolean {
  const v = read(node, key);
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw new AttrError(`attribute "${key}" must be true or false`);
  return v;
}

export function strAttr<T extends string>(node: Pick<IRNode, 'attrs'>, key: string, allowed: readonly T[], fallback: T): T {
  const v = read(node, key);
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new AttrError(`attribute "${key}" must be one of ${allowed.join(', ')}`);
  }
  return v as T;
}

/** [kh, kw] window geometry shared by convolutions and pools. */
export interface Window2D {
  strides: [number, number];
  dilations: [number, number];
  /** [top, bottom, left, right] */
  pads: [number, number, number, number];
}

export function windowAttrs(node: Pick<IRNode, 'attrs'>): Window2D {
  const strides = numsAttr(node, 'strides', [1, 1]);
  const dilations = numsAttr(node, 'dilations', [1, 1]);
  const pads = numsAttr(node, 'pads', [0, 0, 0, 0]);
  if (strides.length !== 2 || strides.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new AttrError('attribute "strides" must be two positive integers');
  }
  if (dilations.length !== 2 || dilations.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new AttrError('attribute "dilations" must be two positive integers');
  }
  if (pads.length !== 4 || pads.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new AttrError('attribute "pads" must be four non-negative integers [top, bottom, left, right]');
  }
  return {
    strides: [strides[0], strides[1]],
    dilations: [dilations[0], dilations[1]],
    pads: [pads[0], pads[1], pads[2], pads[3]],
  };
}
