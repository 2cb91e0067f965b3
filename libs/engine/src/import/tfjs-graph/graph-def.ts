import { MicroscopeError } from '@microscope/contracts';
import { z } from 'zod';

/** The GraphDef-like JSON of a TF.js graph model (modelTopology.node) and typed reads of its attributes. */

const AttrList = z
  .object({
    s: z.array(z.string()).optional(),
    i: z.array(z.union([z.string(), z.number()])).optional(),
    f: z.array(z.number()).optional(),
    b: z.array(z.boolean()).optional(),
    type: z.array(z.string()).optional(),
  })
  .loose();

const AttrValue = z
  .object({
    s: z.string().optional(),
    i: z.union([z.string(), z.number()]).optional(),
    f: z.number().optional(),
    b: z.boolean().optional(),
    type: z.string().optional(),
    shape: z.object({ dim: z.array(z.object({ size: z.union([z.string(), z.number()]).optional() }).loose()).optional(), unknownRank: z.boolean().optional() }).loose().optional(),
    list: AttrList.optional(),
    tensor: z.unknown().optional(),
  })
  .loose();
export type AttrValueJson = z.infer<typeof AttrValue>;

export const GraphNodeJson = z
  .object({
    name: z.string().min(1),
    op: z.string().min(1),
    input: z.array(z.string()).optional(),
    attr: z.record(z.string(), AttrValue).optional(),
  })
  .loose();
export type GraphNodeJson = z.infer<typeof GraphNodeJson>;

export const GraphTopology = z.object({ node: z.array(GraphNodeJson) }).loose();

export function parseGraphTopology(topology: Record<string, unknown>): GraphNodeJson[] {
  if (!Array.isArray(topology.node)) {
    const hint = topology.class_name || topology.model_config ? ' (it holds a layers model)' : '';
    throw new MicroscopeError('INVALID_MODEL', `model.json has no graph (modelTopology.node)${hint}`);
  }
  const parsed = GraphTopology.safeParse(topology);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MicroscopeError('INVALID_MODEL', `model.json graph is malformed at modelTopology.${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data.node;
}

/** A TF tensor reference "name", "name:1" or control input "^name". */
export interface TensorRef {
  node: string;
  output: number;
  control: boolean;
}

export function parseRef(ref: string): TensorRef {
  if (ref.startsWith('^')) return { node: ref.slice(1), output: 0, control: true };
  const m = /^(.*):(\d+)$/.exec(ref);
  return m ? { node: m[1], output: Number(m[2]), control: false } : { node: ref, output: 0, control: false };
}

export const refKey = (r: TensorRef): string => (r.output === 0 ? r.node : `${r.node}:${r.output}`);

const decodeBase64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

/** Typed attribute access for one node; errors name the node. */
export class NodeAttrs {
  constructor(private readonly node: GraphNodeJson) {}

  private get(key: string): AttrValueJson | undefined {
    return this.node.attr?.[key];
  }

  private bad(key: string, expected: string): MicroscopeError {
    return new MicroscopeError('INVALID_MODEL', `node "${this.node.name}" (${this.node.op}): attribute "${key}" should be ${expected}`);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  string(key: string, fallback?: string): string {
    const v = this.get(key)?.s;
    if (v === undefined) {
      if (fallback === undefined) throw this.bad(key, 'a string');
      return fallback;
    }
    return decodeBase64(v);
  }

  int(key: string, fallback?: number): number {
    const v = this.get(key)?.i;
    if (v === undefined) {
      if (fallback === undefined) throw this.bad(key, 'an integer');
      return fallback;
    }
    return Number(v);
  }

  float(key: string, fallback?: number): number {
    const v = this.get(key)?.f;
    if (v === undefined) {
      if (fallback === undefined) throw this.bad(key, 'a number');
      return fallback;
    }
    return v;
  }

  bool(key: string, fallback: boolean): boolean {
    return this.get(key)?.b ?? fallback;
  }

  ints(key: string, fallback?: number[]): number[] {
    const v = this.get(key)?.list?.i;
    if (v === undefined) {
      if (this.get(key)?.list && fallback === undefined) return [];
      if (fallback === undefined) throw this.bad(key, 'a list of integers');
      return fallback;
    }
    return v.map(Number);
  }

  strings(key: string): string[] {
    return (this.get(key)?.list?.s ?? []).map(decodeBase64);
  }

  dtype(key: string, fallback = 'DT_FLOAT'): string {
    return this.get(key)?.type ?? fallback;
  }

  /** A shape attribute; unknown dimensions are -1. */
  shape(key: string): number[] | undefined {
    const s = this.get(key)?.shape;
    if (!s || s.unknownRank) return undefined;
    return (s.dim ?? []).map((d) => Number(d.size ?? -1));
  }

  tensor(key: string): unknown {
    return this.get(key)?.tensor;
  }
}
