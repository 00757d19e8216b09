/**
 * What a backward rule sees: the graph being extended, static shapes (rank and unit dims only —
 * see shapes.ts), and helpers that build runtime-shaped tensors so no probe size leaks into the
 * backward graph.
 */
import { type Attr, type Graph, type NodeDef, type Value, attr } from '../graph.ts';
import type { ShapeInfo } from './shapes.ts';

export class GradContext {
  constructor(
    readonly g: Graph,
    private readonly info: ShapeInfo,
  ) {}

  shape(name: string): readonly number[] {
    const s = this.info.shapes.get(name);
    if (!s) throw new Error(`autodiff: no static shape for ${name}`);
    return s;
  }

  rank(name: string): number {
    return this.shape(name).length;
  }

  op(opType: string, inputs: readonly (Value | null)[], attrs: Record<string, Attr> = {}, local?: string): Value {
    return this.g.op(opType, inputs, attrs, local);
  }

  /** Runtime shape of `v` (int64 [rank]). */
  shapeOf(v: Value | string): Value {
    return this.g.op('Shape', [typeof v === 'string' ? { name: v } : v], {}, 'shape');
  }

  scalar(v: number): Value {
    return this.g.constF32('c', [v], []);
  }

  ints(v: readonly number[]): Value {
    return this.g.constI64('axes', v);
  }

  /** Zeros with the runtime shape `shape` (an int64 tensor). */
  zeros(shape: Value): Value {
    return this.g.op('Expand', [this.scalar(0), shape], {}, 'zeros');
  }

  /**
   * Undoes broadcasting: sums `dy` (static shape `dyShape`) over the leading axes `operand` lacks
   * and over the axes where `operand` is 1, then reshapes to the operand's runtime shape.
   */
  reduceTo(dy: Value, dyShape: readonly number[], operand: string): Value {
    const target = this.shape(operand);
    const lead = dyShape.length - target.length;
    const axes: number[] = [];
    for (let i = 0; i < dyShape.length; i++) {
      if (i < lead || (target[i - lead] === 1 && dyShape[i] !== 1)) axes.push(i);
    }
    if (axes.length === 0) return dy;
    const summed = this.g.op('ReduceSum', [dy, this.ints(axes)], { keepdims: attr.i(1) }, 'unbroadcast');
    return this.g.op('Reshape', [summed, this.shapeOf(operand)], {}, 'unbroadcast_shape');
  }

  /** `dy` reshaped to `x`'s runtime shape (views: Reshape, Squeeze, Unsqueeze, Flatten). */
  reshapeLike(dy: Value, x: string): Value {
    return this.g.op('Reshape', [dy, this.shapeOf(x)], {}, 'reshape_back');
  }
}

export type IntAttrReader = (n: NodeDef, key: string, dflt: number) => number;

export const intAttr: IntAttrReader = (n, key, dflt) => {
  const a = n.attrs[key];
  return a && a.kind === 'int' ? a.v : dflt;
};

export function intsAttr(n: NodeDef, key: string): readonly number[] | undefined {
  const a = n.attrs[key];
  return a && a.kind === 'ints' ? a.v : undefined;
}

export function floatAttr(n: NodeDef, key: string, dflt: number): number {
  const a = n.attrs[key];
  return a && a.kind === 'float' ? a.v : dflt;
}

/**
 * A backward rule: given the node, the gradient of the loss w.r.t. its (first) output, and which
 * inputs need a gradient, returns one gradient (or null) per input.
 */
export type GradRule = (ctx: GradContext, node: NodeDef, dy: Value, needs: readonly boolean[]) => (Value | null)[];

export const v = (name: string): Value => ({ name });
