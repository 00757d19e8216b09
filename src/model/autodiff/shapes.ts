/**
 * Static shape inference over the graph IR, just enough for the backward pass to know each
 * value's rank and which of its dims are statically 1 (the axes a broadcasting op expanded).
 *
 * Symbolic dims ('batch') are replaced by distinct probe primes (1009, 1013, ...): no real dim of
 * an ImageBind graph equals them by accident, and a product or quotient of a probe never becomes
 * 1. The backward pass therefore never bakes a probe size into a node — every tensor it builds
 * takes its size from a runtime `Shape` — so the gradient graph stays batch-size agnostic.
 */
import type { Graph, NodeDef } from '../graph.ts';

export interface ShapeInfo {
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  /** Values of small int64 tensors (constants, `Shape` outputs and what is computed from them). */
  readonly values: ReadonlyMap<string, readonly number[]>;
}

const PROBES = [1009, 1013, 1019, 1021, 1031, 1033];

export class ShapeInferenceError extends Error {}

function broadcast(a: readonly number[], b: readonly number[], node: NodeDef): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1)
      throw new ShapeInferenceError(`${node.name}: cannot broadcast [${a}] with [${b}]`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

const norm = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

function intAttr(n: NodeDef, k: string, dflt: number): number {
  const a = n.attrs[k];
  return a && a.kind === 'int' ? a.v : dflt;
}

function intsAttr(n: NodeDef, k: string): readonly number[] | undefined {
  const a = n.attrs[k];
  return a && a.kind === 'ints' ? a.v : undefined;
}

export function inferShapes(g: Graph): ShapeInfo {
  const shapes = new Map<string, readonly number[]>();
  const values = new Map<string, readonly number[]>();
  const symbols = new Map<string, number>();
  for (const io of g.inputs) {
    shapes.set(
      io.name,
      io.shape.map((d) => {
        if (typeof d === 'number') return d;
        if (!symbols.has(d))
          symbols.set(d, PROBES[symbols.size % PROBES.length] + 100 * Math.floor(symbols.size / PROBES.length));
        return symbols.get(d) as number;
      }),
    );
  }
  for (const init of g.initializers) {
    shapes.set(init.name, init.shape);
    const d = init.source.kind === 'inline' ? init.source.data : null;
    if (d instanceof BigInt64Array && d.length <= 16) values.set(init.name, Array.from(d, Number));
  }
  for (const n of g.nodes) inferNode(n, shapes, values);
  return { shapes, values };
}

function inferNode(n: NodeDef, shapes: Map<string, readonly number[]>, values: Map<string, readonly number[]>): void {
  const s = (i: number): readonly number[] => {
    const v = shapes.get(n.inputs[i]);
    if (!v) throw new ShapeInferenceError(`${n.name}: input ${n.inputs[i]} has no known shape`);
    return v;
  };
  const val = (i: number): readonly number[] => {
    const v = values.get(n.inputs[i]);
    if (!v) throw new ShapeInferenceError(`${n.name}: needs the value of ${n.inputs[i]} statically`);
    return v;
  };
  const set = (shape: readonly number[], value?: readonly number[]) => {
    shapes.set(n.outputs[0], shape);
    if (value) values.set(n.outputs[0], value);
  };
  const elementwise = (f: (a: number, b: number) => number) => {
    const out = broadcast(s(0), s(1), n);
    const a = values.get(n.inputs[0]),
      b = values.get(n.inputs[1]);
    // Only same-length or scalar operands appear in shape arithmetic.
    const v =
      a && b && (a.length === b.length || b.length === 1)
        ? a.map((x, i) => f(x, b[b.length === 1 ? 0 : i]))
        : undefined;
    set(out, v);
  };
  switch (n.opType) {
    case 'Add':
      return elementwise((a, b) => a + b);
    case 'Sub':
      return elementwise((a, b) => a - b);
    case 'Mul':
      return elementwise((a, b) => a * b);
    case 'Div':
      return elementwise((a, b) => Math.trunc(a / b));
    case 'Max':
    case 'Min':
    case 'Pow':
    case 'Greater':
    case 'GreaterOrEqual':
    case 'Less':
    case 'LessOrEqual':
    case 'Equal':
      return set(broadcast(s(0), s(1), n));
    case 'Erf':
    case 'Exp':
    case 'Log':
    case 'Neg':
    case 'Sqrt':
    case 'Reciprocal':
    case 'Identity':
    case 'Cast':
    case 'Relu':
    case 'Softmax':
    case 'LogSoftmax':
    case 'LayerNormalization':
    case 'EyeLike':
    case 'Tanh':
    case 'Sigmoid':
    case 'Sin':
    case 'Cos':
      return set(s(0), n.opType === 'Identity' || n.opType === 'Cast' ? values.get(n.inputs[0]) : undefined);
    case 'Gemm': {
      const a = s(0),
        b = s(1);
      const m = intAttr(n, 'transA', 0) ? a[1] : a[0];
      const k = intAttr(n, 'transB', 0) ? b[0] : b[1];
      return set([m, k]);
    }
    case 'MatMul': {
      const a = s(0),
        b = s(1);
      if (a.length < 2 || b.length < 2) throw new ShapeInferenceError(`${n.name}: MatMul needs rank ≥ 2 operands`);
      return set([...broadcast(a.slice(0, -2), b.slice(0, -2), n), a[a.length - 2], b[b.length - 1]]);
    }
    case 'Reshape': {
      const x = s(0);
      const target = val(1).map((d, i) => (d === 0 ? x[i] : d));
      const total = x.reduce((p, d) => p * d, 1);
      const known = target.reduce((p, d) => (d === -1 ? p : p * d), 1);
      return set(target.map((d) => (d === -1 ? total / known : d)));
    }
    case 'Transpose': {
      const x = s(0);
      const perm = intsAttr(n, 'perm') ?? x.map((_, i) => x.length - 1 - i);
      return set(perm.map((p) => x[p]));
    }
    case 'Concat': {
      const parts = n.inputs.map((_, i) => s(i));
      const ax = norm(intAttr(n, 'axis', 0), parts[0].length);
      const out = [...parts[0]];
      out[ax] = parts.reduce((p, q) => p + q[ax], 0);
      const vs = n.inputs.map((name) => values.get(name));
      return set(out, vs.every((v) => v) ? vs.flatMap((v) => v as readonly number[]) : undefined);
    }
    case 'Expand':
      return set(broadcast(s(0), val(1), n));
    case 'Gather': {
      const x = s(0),
        idx = s(1);
      const ax = norm(intAttr(n, 'axis', 0), x.length);
      const xv = values.get(n.inputs[0]),
        iv = values.get(n.inputs[1]);
      const v = xv && iv && x.length === 1 ? iv.map((i) => xv[i < 0 ? i + xv.length : i]) : undefined;
      return set([...x.slice(0, ax), ...idx, ...x.slice(ax + 1)], v);
    }
    case 'Squeeze': {
      const x = s(0);
      const axes = (n.inputs[1] ? val(1) : x.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => norm(a, x.length));
      return set(
        x.filter((_, i) => !axes.includes(i)),
        values.get(n.inputs[0]),
      );
    }
    case 'Unsqueeze': {
      const x = s(0);
      const rank = x.length + val(1).length;
      const axes = val(1).map((a) => norm(a, rank));
      const out: number[] = [];
      for (let i = 0, j = 0; i < rank; i++) out.push(axes.includes(i) ? 1 : x[j++]);
      return set(out, values.get(n.inputs[0]));
    }
    case 'ReduceL2':
    case 'ReduceSum':
    case 'ReduceMean':
    case 'ReduceMax':
    case 'ArgMax': {
      const x = s(0);
      const axes =
        n.opType === 'ArgMax'
          ? [intAttr(n, 'axis', 0)]
          : (intsAttr(n, 'axes') ?? (n.inputs[1] ? val(1) : x.map((_, i) => i)));
      const ax = axes.map((a) => norm(a, x.length));
      const keep = intAttr(n, 'keepdims', 1);
      return set(x.flatMap((d, i) => (ax.includes(i) ? (keep ? [1] : []) : [d])));
    }
    case 'Shape': {
      const x = s(0);
      const start = norm(intAttr(n, 'start', 0), x.length),
        end = norm(intAttr(n, 'end', x.length), x.length);
      const v = x.slice(start, end);
      return set([v.length], v);
    }
    case 'Size':
      return set([], [s(0).reduce((p, d) => p * d, 1)]);
    case 'Range': {
      const [start] = val(0),
        [limit] = val(1),
        [delta] = val(2);
      return set([Math.max(Math.ceil((limit - start) / delta), 0)]);
    }
    case 'Conv': {
      const x = s(0),
        w = s(1);
      const k = intsAttr(n, 'kernel_shape') ?? w.slice(2);
      const st = intsAttr(n, 'strides') ?? k.map(() => 1);
      return set([x[0], w[0], ...k.map((kk, i) => Math.floor((x[i + 2] - kk) / st[i]) + 1)]);
    }
    case 'Slice': {
      const x = s(0);
      const starts = val(1),
        ends = val(2),
        axes = n.inputs[3] ? val(3) : starts.map((_, i) => i);
      const out = [...x];
      axes.forEach((a, i) => {
        const ax = norm(a, x.length);
        const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + x[ax] : v, 0), x[ax]);
        out[ax] = Math.max(clamp(ends[i]) - clamp(starts[i]), 0);
      });
      return set(out);
    }
    default:
      throw new ShapeInferenceError(`${n.name}: no shape rule for ${n.opType}`);
  }
}
