/** Turns the speed harness's measurements into bench/results/speed.json and bench/speed.md. */
import type { MachineInfo } from './machine.ts';

export interface SpeedRow {
  precision: string; modality: string; batch: number; median_ms: number; peak_rss_mib: number; weight_mib: number;
  gflops: number; torch_ms: number | null; torch_rss_mib: number | null; speedup: number | null;
  outputs: Float32Array; fp32: Float32Array | null; torchOut: Float32Array | null; dim: number;
}

function rowCosines(a: Float32Array, b: Float32Array, dim: number): number[] {
  const out: number[] = [];
  for (let r = 0; r * dim < a.length; r++) {
    let d = 0, na = 0, nb = 0;
    for (let j = r * dim; j < (r + 1) * dim; j++) { d += a[j] * b[j]; na += a[j] ** 2; nb += b[j] ** 2; }
    out.push(d / Math.sqrt(na * nb));
  }
  return out;
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function renderSpeedReport(r: { machine: MachineInfo; ceiling: { fp32_gflops: number; int8_gflops: number; shape: string }; torch: { version: string } | null; rows: SpeedRow[]; runs: number }) {
  const rows = r.rows.map((x) => {
    const cos = x.fp32 ? rowCosines(x.outputs, x.fp32, x.dim) : null;
    return {
      precision: x.precision, modality: x.modality, batch: x.batch, median_ms: x.median_ms, items_per_s: (1000 * x.batch) / x.median_ms,
      gflops: x.gflops, pct_of_ceiling: (100 * x.gflops) / (x.precision === 'int8' ? r.ceiling.int8_gflops : r.ceiling.fp32_gflops),
      peak_rss_mib: x.peak_rss_mib, weight_mib: x.weight_mib, rss_over_weights: x.peak_rss_mib / x.weight_mib,
      torch_ms: x.torch_ms, torch_rss_mib: x.torch_rss_mib, speedup_vs_torch: x.speedup,
      max_abs_diff_vs_torch: x.torchOut ? maxAbs(x.outputs, x.torchOut) : null,
      cosine_vs_fp32_mean: cos ? cos.reduce((a, b) => a + b, 0) / cos.length : null,
      cosine_vs_fp32_min: cos ? Math.min(...cos) : null,
    };
  });
  const json = { benchmark: 'speed', machine: r.machine, runs: r.runs, threads: 2, ceiling: r.ceiling, torch: r.torch, rows };
  const f = (v: number | null, d = 1) => (v === null ? '–' : v.toFixed(d));
  const md = [
    '# Speed: our encoders vs the official PyTorch, same machine, same random-weight `huge` checkpoint',
    '',
    `Machine: ${r.machine.cpu}, ${r.machine.cores} cores (${r.machine.flags.join(', ')}), Node ${r.machine.node}, onnxruntime-node ${r.machine.onnxruntime}${r.torch ? `, PyTorch ${r.torch.version} (Debian, OpenBLAS)` : ''}; ${r.machine.date.slice(0, 10)}. 2 threads, median of ${r.runs} runs after a warm-up.`,
    `MatMul ceiling measured in the same run (onnxruntime, ${r.ceiling.shape}, 2 threads): fp32 **${r.ceiling.fp32_gflops.toFixed(0)} GFLOP/s**, int8 DynamicQuantizeMatMul **${r.ceiling.int8_gflops.toFixed(0)} GFLOP/s-equivalent**.`,
    'Reproduce: `npx tsx bench/speed.ts --precisions fp32,fp16,int8` (needs `apt-get install python3-torch` and the official source for the PyTorch columns).',
    '',
    '| precision | modality | batch | ms | items/s | GFLOP/s | % ceiling | PyTorch ms | speed-up | peak RSS MiB | RSS/weights | max diff vs PyTorch | cos vs fp32 mean / min |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map((x) => `| ${x.precision} | ${x.modality} | ${x.batch} | ${f(x.median_ms)} | ${f(x.items_per_s, 2)} | ${f(x.gflops, 0)} | ${f(x.pct_of_ceiling, 0)}% | ${f(x.torch_ms)} | ${x.speedup_vs_torch === null ? '–' : `${x.speedup_vs_torch.toFixed(2)}×`} | ${f(x.peak_rss_mib, 0)} | ${f(x.rss_over_weights, 2)} | ${x.max_abs_diff_vs_torch === null ? '–' : x.max_abs_diff_vs_torch.toExponential(1)} | ${x.cosine_vs_fp32_mean === null ? '–' : `${x.cosine_vs_fp32_mean.toFixed(5)} / ${x.cosine_vs_fp32_min!.toFixed(5)}`} |`),
    '',
  ].join('\n');
  return { json, md };
}
