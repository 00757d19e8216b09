/**
 * The GPU run's report (bench/gpu/run.sh, last step): our encoders on the GPU provider against the
 * official PyTorch on CUDA, from the JSON and outputs the two sides left in D:
 *   compare --dir D --device webgpu --torch-device cuda --out bench/gpu.md --json bench/results/gpu.json
 * Agreement: our GPU fp32 against PyTorch fp32 and against our CPU provider (batch 1, when
 * D/ours-cpu.json exists); fp16-compute against our GPU fp32 (cosine per item). Speed: ratios of
 * median times. Target: vision at the largest batch within 3× of PyTorch fp32.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { readNpy } from '../../src/core/npy.ts';

const args = process.argv.slice(2);
const flag = (n: string, d?: string): string => {
  const i = args.indexOf(n);
  if (i >= 0) return args[i + 1];
  if (d === undefined) throw new Error(`${n} is required`);
  return d;
};
const dir = flag('--dir');
const device = flag('--device', 'webgpu');
const torchDevice = flag('--torch-device', 'cuda');

interface Row {
  precision: string;
  modality: string;
  batch: number;
  median_ms: number;
  heavy_fallbacks?: string[];
  placement?: Record<string, { nodes: number }> | null;
}
const ours = JSON.parse(readFileSync(join(dir, `ours-${device}.json`), 'utf8')) as { rows: Row[] };
const torch = JSON.parse(readFileSync(join(dir, `torch-${torchDevice}.json`), 'utf8')) as {
  torch: string;
  gpu: string | null;
  cuda: string | null;
  rows: Row[];
};
const cpuRun = existsSync(join(dir, 'ours-cpu.json')) && device !== 'cpu';

async function out(name: string): Promise<Float32Array | null> {
  const f = join(dir, 'out', `${name}.npy`);
  return existsSync(f) ? ((await readNpy(f)).data as Float32Array) : null;
}
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
function minCosine(a: Float32Array, b: Float32Array, dim: number): number {
  let worst = 1;
  for (let r = 0; r < a.length / dim; r++) {
    let d = 0,
      na = 0,
      nb = 0;
    for (let j = r * dim; j < (r + 1) * dim; j++) {
      d += a[j] * b[j];
      na += a[j] * a[j];
      nb += b[j] * b[j];
    }
    worst = Math.min(worst, d / Math.sqrt(na * nb));
  }
  return worst;
}

const lines: string[] = [];
const results: Record<string, unknown>[] = [];
for (const r of ours.rows) {
  const t32 = torch.rows.find((t) => t.precision === 'fp32' && t.modality === r.modality && t.batch === r.batch);
  const t16 = torch.rows.find((t) => t.precision === 'fp16' && t.modality === r.modality && t.batch === r.batch);
  const mine = await out(`ours_${device}_${r.precision}_${r.modality}_b${r.batch}`);
  const ref32 = await out(`torch_${torchDevice}_fp32_${r.modality}_b${r.batch}`);
  const own32 = await out(`ours_${device}_fp32_${r.modality}_b${r.batch}`);
  const cpu = cpuRun ? await out(`ours_cpu_${r.precision}_${r.modality}_b${r.batch}`) : null;
  const dim = mine && t32 ? mine.length / r.batch : 0;
  const row = {
    ...r,
    torch_fp32_ms: t32?.median_ms ?? null,
    torch_fp16_ms: t16?.median_ms ?? null,
    vs_torch_fp32: t32 ? r.median_ms / t32.median_ms : null,
    max_diff_torch_fp32: mine && ref32 && r.precision === 'fp32' ? maxDiff(mine, ref32) : null,
    max_diff_cpu: mine && cpu ? maxDiff(mine, cpu) : null,
    min_cos_own_fp32: mine && own32 && r.precision !== 'fp32' ? minCosine(mine, own32, dim) : null,
  };
  results.push(row);
  const f = (v: number | null, d = 1) => (v === null ? '–' : v.toFixed(d));
  const e = (v: number | null) => (v === null ? '–' : v.toExponential(1));
  lines.push(
    `| ${r.precision} | ${r.modality} | ${r.batch} | ${f(r.median_ms)} | ${f(row.torch_fp32_ms)} | ${f(row.torch_fp16_ms)} | ` +
      `${row.vs_torch_fp32 === null ? '–' : `${row.vs_torch_fp32.toFixed(2)}×`} | ${e(row.max_diff_torch_fp32)} | ${e(row.max_diff_cpu)} | ` +
      `${row.min_cos_own_fp32 === null ? '–' : row.min_cos_own_fp32.toFixed(5)} | ${(r.heavy_fallbacks ?? []).length} |`,
  );
}
const vision = results.filter((r) => r.modality === 'vision' && r.precision === 'fp32') as {
  batch: number;
  vs_torch_fp32: number | null;
}[];
const biggest = vision.sort((a, b) => b.batch - a.batch)[0];
const md = [
  `# GPU: this project's graphs on onnxruntime-node's ${device} provider vs the official PyTorch on ${torchDevice}`,
  '',
  `Measured by bench/gpu/run.sh on ${torch.gpu ?? torchDevice} (host CPU ${cpus()[0]?.model ?? '?'}), PyTorch ${torch.torch}, CUDA ${torch.cuda ?? '–'}; ` +
    `${new Date().toISOString().slice(0, 10)}. Random-weight huge model built on that machine; medians of the timed runs after two warm-ups.`,
  '',
  `Target: vision at batch ${biggest?.batch ?? '?'} within 3× of PyTorch fp32: ${biggest?.vs_torch_fp32 ? `${biggest.vs_torch_fp32.toFixed(2)}× → ${biggest.vs_torch_fp32 <= 3 ? 'met' : 'missed'}` : 'not measured'}.`,
  '',
  '| ours precision | modality | batch | ours ms | PyTorch fp32 ms | PyTorch fp16 ms | ours ÷ PyTorch fp32 | max diff vs PyTorch fp32 | max diff vs our CPU | min cosine vs our GPU fp32 | compute nodes on the CPU |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...lines,
  '',
].join('\n');
writeFileSync(flag('--out'), md);
writeFileSync(
  flag('--json'),
  `${JSON.stringify({ device, torch_device: torchDevice, torch, rows: results }, null, 2)}\n`,
);
console.error(md);
