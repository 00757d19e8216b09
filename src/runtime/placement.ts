/**
 * Where onnxruntime placed each node, read from its profiler: every kernel event names the node,
 * its operator and the execution provider that ran it. On a GPU provider, onnxruntime quietly
 * assigns nodes the provider has no kernel for to the CPU (and copies tensors across for them);
 * shape arithmetic belongs there, a MatMul or an attention does not. `heavyFallbacks` lists the
 * latter, so a session that would run its real work on the CPU is caught at load time.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One node as the profiler saw it (its first run). */
export interface PlacedNode {
  readonly node: string;
  readonly op: string;
  readonly provider: string;
  /** Bytes of the node's outputs and of its weights. */
  readonly outputBytes: number;
  readonly parameterBytes: number;
  readonly us: number;
}

export interface PlacementReport {
  /** The provider the session was meant to run on (e.g. WebGpuExecutionProvider). */
  readonly expected: string;
  readonly nodes: readonly PlacedNode[];
  /** Per provider: node count, time and node count per operator. */
  readonly byProvider: Readonly<Record<string, { nodes: number; us: number; ops: Record<string, number> }>>;
  /** Nodes doing real work on another provider than the expected one (empty when all is well). */
  readonly heavyFallbacks: readonly PlacedNode[];
}

/**
 * Operators that are compute, whatever their size. Everything else counts as heavy only when it
 * moves at least HEAVY_BYTES: a Shape, a Range or a Gather of one index is cheaper on the CPU,
 * where onnxruntime's GPU providers deliberately leave shape computations.
 */
const COMPUTE_OPS = new Set([
  'Attention',
  'BiasGelu',
  'Conv',
  'DynamicQuantizeMatMul',
  'Einsum',
  'Erf',
  'FastGelu',
  'FusedConv',
  'FusedGemm',
  'FusedMatMul',
  'Gelu',
  'Gemm',
  'LayerNormalization',
  'MatMul',
  'MatMulInteger',
  'MatMulIntegerToFloat',
  'MatMulNBits',
  'MultiHeadAttention',
  'SimplifiedLayerNormalization',
  'SkipLayerNormalization',
  'Softmax',
]);
export const HEAVY_BYTES = 64 * 1024;

interface TraceEvent {
  readonly cat: string;
  readonly name: string;
  readonly dur: number;
  readonly args?: { op_name?: string; provider?: string; output_size?: string; parameter_size?: string };
}

/** Builds the report from onnxruntime's profile events (the JSON array it writes). */
export function placementFromProfile(events: readonly TraceEvent[], expected: string): PlacementReport {
  const seen = new Map<string, PlacedNode>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || !e.args?.op_name || !e.args.provider) continue;
    const node = e.name.slice(0, -'_kernel_time'.length);
    if (seen.has(node)) continue; // later runs repeat the same placement
    seen.set(node, {
      node,
      op: e.args.op_name,
      provider: e.args.provider,
      outputBytes: Number(e.args.output_size ?? 0),
      parameterBytes: Number(e.args.parameter_size ?? 0),
      us: e.dur,
    });
  }
  const nodes = [...seen.values()];
  const byProvider: Record<string, { nodes: number; us: number; ops: Record<string, number> }> = {};
  for (const n of nodes) {
    const p = (byProvider[n.provider] ??= { nodes: 0, us: 0, ops: {} });
    p.nodes++;
    p.us += n.us;
    p.ops[n.op] = (p.ops[n.op] ?? 0) + 1;
  }
  const heavyFallbacks = nodes.filter(
    (n) =>
      n.provider !== expected &&
      !n.op.startsWith('Memcpy') &&
      (COMPUTE_OPS.has(n.op) || n.outputBytes >= HEAVY_BYTES || n.parameterBytes >= HEAVY_BYTES),
  );
  return { expected, nodes, byProvider, heavyFallbacks };
}

/** A temporary folder for one profile and the prefix to hand onnxruntime (it appends a timestamp). */
export async function profileTarget(): Promise<{ prefix: string; read(): Promise<TraceEvent[]> }> {
  const dir = await mkdtemp(join(tmpdir(), 'imagebind-placement-'));
  return {
    prefix: join(dir, 'profile'),
    async read() {
      try {
        const file = (await readdir(dir)).find((f) => f.startsWith('profile'));
        if (!file) return [];
        return JSON.parse(await readFile(join(dir, file), 'utf8')) as TraceEvent[];
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** One line per provider: "WebGpuExecutionProvider: 410 nodes (Gemm ×128, …)". */
export function formatPlacement(r: PlacementReport): string {
  const lines = Object.entries(r.byProvider)
    .sort((a, b) => b[1].nodes - a[1].nodes)
    .map(([p, s]) => {
      const ops = Object.entries(s.ops)
        .sort((a, b) => b[1] - a[1])
        .map(([op, n]) => `${op} ×${n}`)
        .join(', ');
      return `${p}: ${s.nodes} nodes, ${(s.us / 1000).toFixed(1)} ms in the first run (${ops})`;
    });
  if (r.heavyFallbacks.length > 0)
    lines.push(
      `not on ${r.expected}: ${r.heavyFallbacks
        .slice(0, 8)
        .map((n) => `${n.node} (${n.op})`)
        .join(', ')}${r.heavyFallbacks.length > 8 ? `, … ${r.heavyFallbacks.length - 8} more` : ''}`,
    );
  return lines.join('\n');
}
