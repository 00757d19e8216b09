/**
 * fp16-compute graphs, emulated exactly on the CPU. onnxruntime's CPU provider has few float16
 * kernels: it runs the others in float32 behind Casts it inserts and then removes the Cast pairs
 * between neighbouring nodes, so an fp16-compute graph on the CPU mostly computes in float32 and
 * says nothing about float16 activations. This rewrite of the same graph keeps every value float32
 * but rounds it to float16 wherever the fp16-compute graph stores one: every weight and constant,
 * and every float output of every node. What it does not reproduce is float16 accumulation inside
 * a kernel (a GPU's MatMul may accumulate in float16 or float32; this is the float32 case).
 */
import type { CheckpointReader } from '../../src/checkpoint/types.ts';
import { floatToHalf, halfToFloat } from '../../src/core/tensor.ts';
import { type Graph, type NodeDef, attr } from '../../src/model/graph.ts';

const roundHalf = (a: Float32Array) => a.map((v) => halfToFloat(floatToHalf(v)));

/** Operators whose outputs are integers whatever their inputs (shape arithmetic). */
const INT_OUTPUT = new Set(['Shape', 'Range', 'ArgMax']);

/**
 * Rewrites an fp16-compute graph in place into its float32 emulation; checkpoint weights are read
 * from `reader` and inlined, rounded to float16.
 */
export async function emulateHalfActivations(g: Graph, reader: CheckpointReader): Promise<void> {
  if (g.precision !== 'fp16-compute') throw new Error(`expected an fp16-compute graph, got ${g.precision}`);
  const ints = new Set<string>(g.inputs.filter((i) => i.dtype === 'int64').map((i) => i.name));
  // Values that are float32 in the fp16-compute graph too: its input, the post-processing after
  // the head's Cast back, and the float32 constants that post-processing uses.
  const wide = new Set<string>(g.inputs.filter((i) => i.dtype === 'float32').map((i) => i.name));
  for (let i = 0; i < g.initializers.length; i++) {
    const init = g.initializers[i];
    if (init.dtype === 'int64') ints.add(init.name);
    if (init.dtype === 'float32') wide.add(init.name);
    if (init.dtype !== 'float16' && init.dtype !== 'float32') continue;
    let data: Float32Array;
    if (init.source.kind === 'checkpoint') data = await reader.readFloat32(init.source.key);
    else if (init.dtype === 'float16') data = Float32Array.from(init.source.data as Uint16Array, halfToFloat);
    else data = init.source.data as Float32Array;
    const stored = init.dtype === 'float16' ? roundHalf(data) : data;
    g.initializers[i] = { ...init, dtype: 'float32', source: { kind: 'inline', data: stored } };
  }
  const outputs = new Set(g.outputs.map((o) => o.name));
  const renamed = new Map<string, string>();
  const nodes: NodeDef[] = [];
  for (const n of g.nodes) {
    const inputs = n.inputs.map((i) => renamed.get(i) ?? i);
    const given = inputs.filter((i) => i !== '');
    const intOut = INT_OUTPUT.has(n.opType) || given.every((i) => ints.has(i));
    const toHalf = n.opType === 'Cast' && n.attrs.to?.v === 10;
    const wideOut =
      (n.opType === 'Cast' && n.attrs.to?.v === 1) || (!toHalf && given.every((i) => ints.has(i) || wide.has(i)));
    // Casts to float16 become float32 (the rounding follows below); casts to float32 stay as they are.
    nodes.push({ ...n, inputs, attrs: toHalf ? { to: attr.i(1) } : n.attrs });
    for (const o of n.outputs) {
      if (intOut) ints.add(o);
      else if (wideOut) wide.add(o);
      if (intOut || wideOut || outputs.has(o)) continue;
      // value → float16 → float32: what a float16 tensor between two nodes holds.
      const half = `${o}.as_half`;
      const back = `${o}.rounded`;
      nodes.push({
        opType: 'Cast',
        domain: '',
        name: `${half}/Cast`,
        inputs: [o],
        outputs: [half],
        attrs: { to: attr.i(10) },
      });
      nodes.push({
        opType: 'Cast',
        domain: '',
        name: `${back}/Cast`,
        inputs: [half],
        outputs: [back],
        attrs: { to: attr.i(1) },
      });
      renamed.set(o, back);
    }
  }
  g.nodes.splice(0, g.nodes.length, ...nodes);
}
