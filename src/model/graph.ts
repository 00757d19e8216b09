/**
 * A small graph IR: named values, nodes, and initializers that point into a checkpoint (no weight
 * bytes are held until the graph is written). `serialize.ts` turns it into an ONNX ModelProto.
 *
 * Every value gets a stable, scoped name such as `vision.blocks.3.attn_out`, so a debug build can
 * expose any stage for parity checks (llama.cpp's habit of naming every intermediate).
 */
import type { DType } from '../core/tensor.ts';
import { floatToHalf, numel } from '../core/tensor.ts';

export type ElemType = Exclude<DType, 'int16' | 'float64'> | 'int8' | 'bool';

export interface Value {
  readonly name: string;
}

export type Attr =
  | { kind: 'int'; v: number }
  | { kind: 'float'; v: number }
  | { kind: 'ints'; v: readonly number[] }
  | { kind: 'floats'; v: readonly number[] }
  | { kind: 'string'; v: string };

export const attr = {
  i: (v: number): Attr => ({ kind: 'int', v }),
  f: (v: number): Attr => ({ kind: 'float', v }),
  ints: (v: readonly number[]): Attr => ({ kind: 'ints', v }),
  floats: (v: readonly number[]): Attr => ({ kind: 'floats', v }),
  s: (v: string): Attr => ({ kind: 'string', v }),
};

export interface NodeDef {
  readonly opType: string;
  readonly domain: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, Attr>>;
}

/** Where an initializer's bytes come from when the graph is written. */
export type InlineData = Float32Array | BigInt64Array | Int32Array | Uint8Array | Int8Array | Uint16Array;

/**
 * How a model directory stores and computes: fp32 (exact); fp16 (weights stored as float16, cast
 * back, computed in float32); int8 (int8 Linear layers); fp16-compute (float16 weights AND
 * activations from the stem to the head, for GPUs with fp16 arithmetic: WebGPU's shader-f16,
 * CUDA's tensor cores; the input and the L2-normalised output stay float32).
 */
export type Precision = 'fp32' | 'fp16' | 'int8' | 'fp16-compute';
export const PRECISIONS: readonly Precision[] = ['fp32', 'fp16', 'int8', 'fp16-compute'];

/**
 * A storage transform applied when the weights are written: `fp16` halves each value;
 * `int8-transposed` stores a Linear weight [out, in] as int8 [in, out] quantized symmetrically per
 * output channel, and `int8-scale` its [out] scales.
 */
export type WeightTransform = 'fp16' | 'int8-transposed' | 'int8-scale';

export type WeightSource =
  { kind: 'checkpoint'; key: string; transform?: WeightTransform } | { kind: 'inline'; data: InlineData };

/** What a weight is, so random initialisation (benchmarks, training) can pick a sensible scale. */
export type WeightRole = 'weight' | 'bias' | 'norm_weight' | 'norm_bias' | 'causal_mask' | 'logit_scale';

export interface InitializerDef {
  readonly name: string;
  readonly role?: WeightRole;
  readonly dtype: ElemType;
  readonly shape: readonly number[];
  readonly source: WeightSource;
}

export interface IODef {
  readonly name: string;
  readonly dtype: ElemType;
  readonly shape: readonly (number | string)[];
}

export class Graph {
  readonly nodes: NodeDef[] = [];
  readonly initializers: InitializerDef[] = [];
  readonly inputs: IODef[] = [];
  readonly outputs: IODef[] = [];
  private readonly names = new Set<string>();
  private scopes: string[] = [];
  private counter = 0;
  private readonly weightValues = new Map<string, Value>();

  /** `precision` decides how checkpoint weights are stored and which float type activations have. */
  constructor(
    readonly name: string,
    readonly precision: Precision = 'fp32',
  ) {}

  /** The element type of activations between the stem and the head. */
  get computeType(): 'float32' | 'float16' {
    return this.precision === 'fp16-compute' ? 'float16' : 'float32';
  }

  /** Runs `fn` with `part` appended to the naming scope (`blocks.3` → `vision.blocks.3.*`). */
  scope<T>(part: string, fn: () => T): T {
    this.scopes.push(part);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /** A fully scoped, unique value name. */
  qualify(local: string): string {
    const base = [...this.scopes, local].join('.');
    let name = base;
    while (this.names.has(name)) name = `${base}_${++this.counter}`;
    this.names.add(name);
    return name;
  }

  /** Marks a name as taken (values copied in from another graph). */
  reserve(name: string): void {
    this.names.add(name);
  }

  input(name: string, dtype: ElemType, shape: readonly (number | string)[]): Value {
    this.names.add(name);
    this.inputs.push({ name, dtype, shape });
    return { name };
  }

  output(value: Value, dtype: ElemType, shape: readonly (number | string)[]): void {
    this.outputs.push({ name: value.name, dtype, shape });
  }

  /**
   * A float32 weight read from the checkpoint under its official key (the initializer keeps that
   * name). In fp16 and int8 graphs it is stored as float16 and cast back, so compute stays float32
   * (int8 graphs quantize only the Linear layers, through `quantizedWeight`); fp16-compute graphs
   * use the float16 weight as is. The logit scale stays float32: it scales the float32 output.
   */
  weight(key: string, shape: readonly number[], role: WeightRole = 'weight'): Value {
    const known = this.weightValues.get(key);
    if (known) return known;
    this.names.add(key);
    const half = this.precision !== 'fp32' && role !== 'logit_scale';
    this.initializers.push({
      name: key,
      role,
      dtype: half ? 'float16' : 'float32',
      shape: [...shape],
      source: { kind: 'checkpoint', key, ...(half ? { transform: 'fp16' as const } : {}) },
    });
    let value: Value = { name: key };
    if (half && this.computeType === 'float32') {
      const cast = `${key}.float32`;
      this.names.add(cast);
      this.nodes.push({
        opType: 'Cast',
        domain: '',
        name: `${cast}/Cast`,
        inputs: [key],
        outputs: [cast],
        attrs: { to: { kind: 'int', v: 1 } },
      });
      value = { name: cast };
    }
    this.weightValues.set(key, value);
    return value;
  }

  /** A Linear weight [out, in] as int8 [in, out] plus per-output-channel scales (int8 graphs). */
  quantizedWeight(key: string, outDim: number, inDim: number): { q: Value; scale: Value } {
    const scaleName = `${key}.scale`;
    if (!this.weightValues.has(key)) {
      this.names.add(key);
      this.names.add(scaleName);
      this.initializers.push({
        name: key,
        role: 'weight',
        dtype: 'int8',
        shape: [inDim, outDim],
        source: { kind: 'checkpoint', key, transform: 'int8-transposed' },
      });
      this.initializers.push({
        name: scaleName,
        role: 'weight',
        dtype: 'float32',
        shape: [outDim],
        source: { kind: 'checkpoint', key, transform: 'int8-scale' },
      });
      this.weightValues.set(key, { name: key });
    }
    return { q: { name: key }, scale: { name: scaleName } };
  }

  constF32(local: string, values: readonly number[], shape: readonly number[] = [values.length]): Value {
    return this.inline(local, 'float32', shape, Float32Array.from(values));
  }

  /** A constant applied to activations: float16 in fp16-compute graphs, else float32. */
  constAct(local: string, values: readonly number[], shape: readonly number[] = [values.length]): Value {
    if (this.computeType === 'float32') return this.constF32(local, values, shape);
    return this.inline(local, 'float16', shape, Uint16Array.from(values.map(floatToHalf)));
  }

  constI64(local: string, values: readonly number[], shape: readonly number[] = [values.length]): Value {
    return this.inline(local, 'int64', shape, BigInt64Array.from(values.map((v) => BigInt(v))));
  }

  inline(local: string, dtype: ElemType, shape: readonly number[], data: InlineData): Value {
    if (data.length !== numel(shape))
      throw new RangeError(`constant ${local}: ${data.length} values for shape [${shape}]`);
    const name = this.qualify(local);
    this.initializers.push({ name, dtype, shape: [...shape], source: { kind: 'inline', data } });
    return { name };
  }

  /** Adds one node with a single output named `local` in the current scope. */
  op(
    opType: string,
    inputs: readonly (Value | null)[],
    attrs: Record<string, Attr> = {},
    local?: string,
    domain = '',
  ): Value {
    return this.opN(opType, inputs, 1, attrs, local, domain)[0];
  }

  opN(
    opType: string,
    inputs: readonly (Value | null)[],
    outputs: number,
    attrs: Record<string, Attr> = {},
    local?: string,
    domain = '',
  ): Value[] {
    const base = local ?? opType.toLowerCase();
    const outs = Array.from({ length: outputs }, (_, i) => this.qualify(outputs === 1 ? base : `${base}_${i}`));
    this.nodes.push({
      opType,
      domain,
      name: `${outs[0]}/${opType}`,
      inputs: inputs.map((v) => (v === null ? '' : v.name)),
      outputs: outs,
      attrs,
    });
    return outs.map((name) => ({ name }));
  }
}

/**
 * Graph transforms used by training (additive: inference graphs never go through them). A copy
 * shares the immutable node/initializer definitions but owns its arrays and name set, so nodes
 * appended to it (a backward pass, a loss) leave the original untouched.
 */
export function cloneGraph(src: Graph, name = src.name): Graph {
  const g = new Graph(name);
  absorbGraph(g, src, new Map());
  g.inputs.push(...src.inputs);
  g.outputs.push(...src.outputs);
  return g;
}

/**
 * Copies `src`'s nodes and initializers into `dst`, renaming values per `rename` (e.g. each
 * encoder's `input` → `input.text`), and reserves every name so later `qualify` calls stay unique.
 * Initializers already present in `dst` (shared weights) are kept once.
 */
export function absorbGraph(dst: Graph, src: Graph, rename: ReadonlyMap<string, string>): void {
  const r = (n: string) => rename.get(n) ?? n;
  const have = new Set(dst.initializers.map((i) => i.name));
  for (const init of src.initializers) {
    if (have.has(r(init.name))) continue;
    dst.initializers.push({ ...init, name: r(init.name) });
    dst.reserve(r(init.name));
  }
  for (const n of src.nodes) {
    dst.nodes.push({ ...n, inputs: n.inputs.map((i) => (i === '' ? i : r(i))), outputs: n.outputs.map(r) });
    for (const o of n.outputs) dst.reserve(r(o));
  }
}

/**
 * Replaces checkpoint-backed initializers: names for which `place` returns 'input' become float32
 * graph inputs (trainable weights fed each run); returned data becomes an inline constant (frozen
 * weights). Returns the names turned into inputs, in initializer order.
 */
export function bindWeights(g: Graph, place: (init: InitializerDef) => 'input' | InlineData): string[] {
  const promoted: string[] = [];
  for (let i = 0; i < g.initializers.length; i++) {
    const init = g.initializers[i];
    if (init.source.kind !== 'checkpoint') continue;
    const p = place(init);
    if (p === 'input') {
      g.inputs.push({ name: init.name, dtype: init.dtype, shape: init.shape });
      promoted.push(init.name);
      g.initializers.splice(i--, 1);
    } else {
      if (p.length !== numel(init.shape))
        throw new RangeError(`weight ${init.name}: ${p.length} values for shape [${init.shape}]`);
      g.initializers[i] = { ...init, source: { kind: 'inline', data: p } };
    }
  }
  return promoted;
}
