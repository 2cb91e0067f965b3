import { MicroscopeError } from '@microscope/contracts';
import type { ConstTensor } from './const-tensor';
import { int64, int64s, onnx, utf8 } from './proto';
import { decodeInlineTensor } from './tensor-data';

const AT = onnx.AttributeProto.AttributeType;

/** Typed access to one node's attributes; a wrong type or a missing required attribute names the node. */
export class NodeAttributes {
  private readonly byName = new Map<string, onnx.IAttributeProto>();

  constructor(node: onnx.INodeProto, private readonly where: string) {
    for (const a of node.attribute ?? []) if (a.name) this.byName.set(a.name, a);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  int(name: string, fallback?: number): number {
    const a = this.get(name, fallback === undefined);
    if (!a) return fallback!;
    this.expect(a, AT.INT, 'an integer');
    return int64(a.i);
  }

  ints(name: string, fallback?: number[]): number[] {
    const a = this.get(name, fallback === undefined);
    if (!a) return fallback!;
    this.expect(a, AT.INTS, 'a list of integers');
    return int64s(a.ints);
  }

  float(name: string, fallback?: number): number {
    const a = this.get(name, fallback === undefined);
    if (!a) return fallback!;
    this.expect(a, AT.FLOAT, 'a float');
    return a.f ?? 0;
  }

  floats(name: string, fallback?: number[]): number[] {
    const a = this.get(name, fallback === undefined);
    if (!a) return fallback!;
    this.expect(a, AT.FLOATS, 'a list of floats');
    return [...(a.floats ?? [])];
  }

  string(name: string, fallback?: string): string {
    const a = this.get(name, fallback === undefined);
    if (!a) return fallback!;
    this.expect(a, AT.STRING, 'a string');
    return utf8(a.s);
  }

  tensor(name: string): ConstTensor | undefined {
    const a = this.get(name, false);
    if (!a) return undefined;
    this.expect(a, AT.TENSOR, 'a tensor');
    if (!a.t) throw this.error(`attribute "${name}" holds no tensor`);
    return decodeInlineTensor(a.t, `${this.where}.${name}`);
  }

  error(message: string): MicroscopeError {
    return new MicroscopeError('INVALID_MODEL', `${this.where}: ${message}`);
  }

  private get(name: string, required: boolean): onnx.IAttributeProto | undefined {
    const a = this.byName.get(name);
    if (!a && required) throw this.error(`the required attribute "${name}" is missing`);
    return a;
  }

  /** Old exporters leave `type` unset (0); accept those when the field for the expected type is filled. */
  private expect(a: onnx.IAttributeProto, type: number, what: string): void {
    if (a.type === type || a.type === AT.UNDEFINED || a.type === undefined || a.type === null) return;
    throw this.error(`attribute "${a.name}" must be ${what}`);
  }
}
