/** bench/pytorch-anchor.md from bench/pytorch-anchor.ts's measurements. */
import type { MachineInfo } from '../machine.ts';
import { type GemmStudy, TEXT_SHAPES } from './text-gemms.ts';

export interface AnchorRow {
  readonly modality: string;
  readonly batch: number;
  /** torch-pthread, torch-openmp, ours-fp32, ours-int8. */
  readonly engine: string;
  readonly median_ms: number;
  readonly round_medians_ms: number[];
  readonly runs: number;
  readonly load_avg_median: number;
}

export interface AnchorResult {
  readonly machine: MachineInfo;
  readonly torch: string;
  readonly rounds: number;
  readonly runs: number;
  readonly engines: Record<string, Record<string, unknown>>;
  readonly rows: AnchorRow[];
  readonly gemms: GemmStudy | null;
}

const ms = (r: AnchorRow | undefined) =>
  r
    ? `${r.median_ms.toFixed(r.median_ms < 100 ? 1 : 0)} (${Math.min(...r.round_medians_ms).toFixed(0)}–${Math.max(...r.round_medians_ms).toFixed(0)})`
    : '–';
const x = (v: number) => `${v.toFixed(2)}×`;

/** The faster PyTorch for one modality and batch: the anchor every ratio is taken against. */
export function anchorOf(rows: readonly AnchorRow[], m: string, b: number): AnchorRow | undefined {
  const t = rows.filter((r) => r.modality === m && r.batch === b && r.engine.startsWith('torch-'));
  return t.sort((a, b2) => a.median_ms - b2.median_ms)[0];
}

export function speedups(
  rows: readonly AnchorRow[],
  engine: string,
): { m: string; b: number; x: number; blas: string }[] {
  const out: { m: string; b: number; x: number; blas: string }[] = [];
  for (const r of rows.filter((r) => r.engine === engine)) {
    const a = anchorOf(rows, r.modality, r.batch);
    if (a) out.push({ m: r.modality, b: r.batch, x: a.median_ms / r.median_ms, blas: a.engine.replace('torch-', '') });
  }
  return out;
}

function gemmSection(g: GemmStudy, rows: readonly AnchorRow[]): string {
  const rate = (engine: string, m: number, k: number, n: number) =>
    g.rates.find((r) => r.engine === engine && r.m === m && r.k === k && r.n === n)?.gflops ?? NaN;
  /** One layer's four Gemms at `m` rows: the rate over their summed time. */
  const layerRate = (engine: string, m: number) => {
    let flop = 0,
      t = 0;
    for (const [k, n] of TEXT_SHAPES) {
      flop += 2 * m * k * n;
      t += (2 * m * k * n) / rate(engine, m, k, n);
    }
    return flop / t;
  };
  const p = g.profile;
  const other = p.run_ms - p.gemm_ms;
  const r77 = layerRate('onnxruntime', 77);
  const r616 = layerRate('onnxruntime', 616);
  const anchor = anchorOf(rows, 'text', 1);
  const ours = rows.find((r) => r.modality === 'text' && r.batch === 1 && r.engine === 'ours-fp32');
  const atRate = (rate: number) => (p.gemm_gflop * 1000) / rate + other;
  const lines = [
    '## Text at batch 1: what bounds it',
    '',
    `onnxruntime's profiler on our fp32 text encoder at batch 1 (77 tokens, 2 threads, median of the timed runs): ` +
      `${p.run_ms.toFixed(1)} ms a run, of which the Gemms take ${p.gemm_ms.toFixed(1)} ms ` +
      `(${((p.gemm_ms / p.run_ms) * 100).toFixed(0)}%) for ${p.gemm_gflop.toFixed(1)} GFLOP: **${p.gemm_gflops.toFixed(0)} GFLOP/s**.`,
    '',
    '| operator | ms per run | share |',
    '|---|---:|---:|',
    ...p.ops.map((o) => `| ${o.op} | ${o.ms.toFixed(2)} | ${(o.share * 100).toFixed(1)}% |`),
    '',
    "Single Gemms of huge text's Linear shapes ([rows × in] · [in × out] + bias, 2 threads), median GFLOP/s over three alternating rounds:",
    '',
    '| in × out | rows | onnxruntime | PyTorch, pthread OpenBLAS | PyTorch, OpenMP OpenBLAS |',
    '|---|---:|---:|---:|---:|',
    ...TEXT_SHAPES.flatMap(([k, n]) =>
      [77, 616].map(
        (m) =>
          `| ${k} × ${n} | ${m} | ${rate('onnxruntime', m, k, n).toFixed(0)} | ${rate('torch-pthread', m, k, n).toFixed(0)} | ${rate('torch-openmp', m, k, n).toFixed(0)} |`,
      ),
    ),
    `| one layer's four | 77 | ${r77.toFixed(0)} | ${layerRate('torch-pthread', 77).toFixed(0)} | ${layerRate('torch-openmp', 77).toFixed(0)} |`,
    `| one layer's four | 616 | ${r616.toFixed(0)} | ${layerRate('torch-pthread', 616).toFixed(0)} | ${layerRate('torch-openmp', 616).toFixed(0)} |`,
    '',
    `Inside the encoder the Gemms run at ${p.gemm_gflops.toFixed(0)} GFLOP/s, ${((p.gemm_gflops / r77) * 100).toFixed(0)}% of what ` +
      `the same Gemms reach alone at 77 rows (${r77.toFixed(0)}) and ${((p.gemm_gflops / r616) * 100).toFixed(0)}% of their rate at 616 rows (${r616.toFixed(0)}). ` +
      `With every Gemm at the 77-row rate a run would take ${atRate(r77).toFixed(1)} ms; only at the 616-row rate, which one ` +
      `sequence cannot feed, would it take ${atRate(r616).toFixed(1)} ms. The rest of the run (${other.toFixed(1)} ms: attention, ` +
      'LayerNorm, GELU, the bias-free glue) is already small.',
  ];
  if (anchor && ours)
    lines.push(
      '',
      `Against the anchor (PyTorch, ${anchor.engine.replace('torch-', '')} OpenBLAS, ${anchor.median_ms.toFixed(0)} ms in the interleaved run): ` +
        `measured ${x(anchor.median_ms / ours.median_ms)}; the 77-row bound allows at most ${x(anchor.median_ms / atRate(r77))}, ` +
        `and even Gemms at the 616-row rate only ${x(anchor.median_ms / atRate(r616))}.`,
    );
  return lines.join('\n');
}

export function renderAnchorReport(r: AnchorResult): string {
  const mods = [...new Set(r.rows.map((x) => x.modality))];
  const batches = [...new Set(r.rows.map((x) => x.batch))];
  const get = (m: string, b: number, e: string) =>
    r.rows.find((x) => x.modality === m && x.batch === b && x.engine === e);
  const fp32 = speedups(r.rows, 'ours-fp32');
  const int8 = speedups(r.rows, 'ours-int8');
  const range = (s: { x: number }[]) =>
    `${Math.min(...s.map((v) => v.x)).toFixed(2)}–${Math.max(...s.map((v) => v.x)).toFixed(2)}×`;
  const wins = (blas: string) => fp32.filter((s) => s.blas === blas).map((s) => `${s.m} b${s.b}`);
  const blasInfo = (e: string) => String(r.engines[e]?.blas ?? '?');
  const loads = r.rows.map((x) => x.load_avg_median);
  return [
    '# The fastest PyTorch as the anchor: pthread vs OpenMP OpenBLAS, interleaved with our encoders',
    '',
    `Machine: ${r.machine.cpu}, ${r.machine.cores} cores (${r.machine.flags.join(', ')}), ${r.machine.memory_gib} GiB; Node ${r.machine.node}, ` +
      `onnxruntime-node ${r.machine.onnxruntime}; PyTorch ${r.torch} (Debian); ${r.machine.date.slice(0, 10)}.`,
    `- pthread build (\`libopenblas0-pthread\`): ${blasInfo('torch-pthread')}`,
    `- OpenMP build (\`libopenblas0-openmp\`): ${blasInfo('torch-openmp')}`,
    '',
    'Same random-weight huge checkpoint and inputs as [speed.md](speed.md). Every engine (PyTorch on each BLAS, our fp32 and int8 ' +
      'directories) runs 2 threads and stays loaded; each (modality, batch) is timed in ' +
      `${r.rounds} rounds of ${r.runs} runs per engine, the engines taking turns in an order that rotates every round. ` +
      'Figures are medians over all runs, with the range of the round medians in brackets.',
    '',
    `**Load caveat.** Other sessions share these 2 cores: the 1-minute load average during the runs was ${Math.min(...loads).toFixed(1)}–` +
      `${Math.max(...loads).toFixed(1)} (median per row in the JSON). Absolute times are therefore slower and noisier than on an idle ` +
      'machine; the ratios compare engines timed turn by turn under the same load, which is why they are measured this way.',
    '',
    '## Headline',
    '',
    `- Anchor: for each modality and batch, the faster of the two PyTorch builds. OpenMP OpenBLAS was faster for ${wins('openmp').length} of ${fp32.length} ` +
      `rows (${wins('openmp').join(', ') || 'none'}), pthread for ${wins('pthread').length} (${wins('pthread').join(', ') || 'none'}).`,
    `- fp32: ${range(fp32)} faster than the anchor (lowest: ${fp32.sort((a, b) => a.x - b.x)[0]?.m} b${fp32[0]?.b}).`,
    `- int8: ${range(int8)} faster than the anchor's fp32.`,
    '',
    '## All measurements (ms)',
    '',
    '| modality | batch | PyTorch pthread | PyTorch OpenMP | anchor | ours fp32 | fp32 vs anchor | ours int8 | int8 vs anchor |',
    '|---|---:|---:|---:|---|---:|---:|---:|---:|',
    ...mods.flatMap((m) =>
      batches.map((b) => {
        const a = anchorOf(r.rows, m, b);
        const f = get(m, b, 'ours-fp32');
        const q = get(m, b, 'ours-int8');
        return `| ${m} | ${b} | ${ms(get(m, b, 'torch-pthread'))} | ${ms(get(m, b, 'torch-openmp'))} | ${a?.engine.replace('torch-', '') ?? '–'} | ${ms(f)} | ${a && f ? x(a.median_ms / f.median_ms) : '–'} | ${ms(q)} | ${a && q ? x(a.median_ms / q.median_ms) : '–'} |`;
      }),
    ),
    '',
    r.gemms ? gemmSection(r.gemms, r.rows) : '',
    '',
    'Reproduce: `npx tsx bench/speed.ts --prepare-only --precisions fp32,int8`, then `nice -n 10 npx tsx bench/pytorch-anchor.ts` ' +
      '(needs `apt-get install python3-torch libopenblas0-pthread libopenblas0-openmp`). Raw data: ' +
      '[results/pytorch-anchor.json](results/pytorch-anchor.json).',
    '',
  ].join('\n');
}
