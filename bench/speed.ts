/**
 * Issue "Speed" harness: in one run on one machine, the MatMul ceiling (onnxruntime fp32 and int8),
 * our encoders per modality × batch × precision, and — when Debian's python3-torch and the
 * official source are available — the official PyTorch implementation on the SAME random-weight
 * huge checkpoint and inputs, plus the output agreement between the two.
 *
 *   npx tsx bench/speed.ts [--dir /tmp/imagebind-speed] [--runs 5] [--precisions fp32,fp16,int8]
 *                          [--official-src DIR] [--modalities vision,text,...] [--batches 1,8]
 *                          [--prepare-only]   (checkpoint, conversions and inputs; no timing)
 * Writes bench/results/speed.json and bench/speed.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { float32Entries, writeSafetensors } from '../src/checkpoint/safetensors-write.ts';
import { readNpy, writeNpy } from '../src/core/npy.ts';
import { modalityArch } from '../src/model/architecture.ts';
import { MODALITIES, type Modality, presetConfig } from '../src/model/config.ts';
import { readManifest } from '../src/model/manifest-file.ts';
import { randomCheckpoint } from '../src/model/random-init.ts';
import { randomInput } from '../src/runtime/benchmark.ts';
import { encoderFlops } from './flops.ts';
import { matmulCeiling } from './matmul-ceiling.ts';
import { machineInfo } from './machine.ts';
import { renderSpeedReport, type SpeedRow } from './speed-report.ts';

const args = process.argv.slice(2);
const flag = (n: string, d: string) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : d;
};
const dir = flag('--dir', '/tmp/imagebind-speed');
const runs = flag('--runs', '5');
const precisions = flag('--precisions', 'fp32').split(',');
const modalities = flag('--modalities', MODALITIES.join(',')).split(',') as Modality[];
const batches = flag('--batches', '1,8').split(',').map(Number);
const officialSrc = flag('--official-src', '/tmp/imagebind-official');
const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'bin', 'imagebind.js');
mkdirSync(join(dir, 'inputs'), { recursive: true });

function run(cmd: string[], env: NodeJS.ProcessEnv = process.env): { stdout: string; rssMiB: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', ...cmd], { encoding: 'utf8', maxBuffer: 1 << 26, env });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed:\n${r.stderr.slice(-2000)}`);
  return { stdout: r.stdout, rssMiB: Number(r.stderr.trim().split('\n').at(-1)) / 1024 };
}

const config = presetConfig('huge');
const ckpt = join(dir, 'huge-random.safetensors');
if (!existsSync(ckpt)) {
  console.error('writing the random-weight huge checkpoint ...');
  await writeSafetensors(ckpt, float32Entries(randomCheckpoint(config, 1)));
}
for (const p of precisions) {
  const out = join(dir, `huge-${p}`);
  if (!existsSync(join(out, 'manifest.json'))) {
    console.error(`converting ${p} ...`);
    run([process.execPath, cli, 'convert', ckpt, '--preset', 'huge', '--out', out, '--precision', p, '--force']);
  }
}
const manifest = await readManifest(join(dir, 'huge-fp32'));
for (const m of modalities)
  for (const b of batches) {
    const f = join(dir, 'inputs', `${m}_b${b}.npy`);
    if (!existsSync(f)) await writeNpy(f, randomInput(m, manifest.modalities[m]!, b, 7));
  }

if (args.includes('--prepare-only')) {
  console.error(`prepared ${dir}`);
  process.exit(0);
}

const ceiling = await matmulCeiling(2);
console.error(
  `MatMul ceiling: fp32 ${ceiling.fp32_gflops.toFixed(0)} GFLOP/s, int8 ${ceiling.int8_gflops.toFixed(0)} GFLOP/s-equivalent`,
);

let torch: {
  rows: { modality: string; batch: number; median_ms: number; peak_rss_mib: number }[];
  torch: string;
  blas: string;
} | null = null;
const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
if (hasTorch && !existsSync(join(officialSrc, 'imagebind'))) {
  const mirror = '/work/.mirror/facebookresearch+ImageBind/repo';
  if (existsSync(mirror)) {
    mkdirSync(officialSrc, { recursive: true });
    execFileSync('bash', ['-c', `git -C ${mirror} archive 53680b0 | tar -x -C ${officialSrc}`]);
  }
}
if (hasTorch && existsSync(join(officialSrc, 'imagebind'))) {
  console.error('running the official PyTorch implementation ...');
  const out = join(dir, 'torch.json');
  // This workplace pins OPENBLAS_CORETYPE=Haswell for old OpenBLAS builds; Debian's 0.3.21 picks its
  // AVX-512 kernel correctly here (checked: same results, 1.6× faster), so PyTorch runs at its best.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OPENBLAS_')));
  run(
    [
      '/usr/bin/python3',
      join(root, 'bench/pytorch/official_runner.py'),
      '--src',
      officialSrc,
      '--checkpoint',
      ckpt,
      '--inputs',
      join(dir, 'inputs'),
      '--out',
      out,
      '--runs',
      runs,
      '--modalities',
      modalities.join(','),
      '--batches',
      batches.join(','),
    ],
    env,
  );
  torch = JSON.parse(readFileSync(out, 'utf8'));
} else console.error('python3-torch or the official source is missing: PyTorch columns are skipped');

const rows: SpeedRow[] = [];
for (const p of precisions)
  for (const m of modalities)
    for (const b of batches) {
      const model = join(dir, `huge-${p}`);
      const r = run([
        process.execPath,
        cli,
        'bench',
        '--model',
        model,
        '--modality',
        m,
        '--batch',
        String(b),
        '--runs',
        runs,
        '--threads',
        '2',
        '--json',
      ]);
      const res = JSON.parse(r.stdout) as { median_ms: number; weight_mib: number };
      const outFile = join(dir, `ours_${p}_${m}_b${b}.npy`);
      run([
        process.execPath,
        cli,
        'embed-tensor',
        '--model',
        model,
        '--modality',
        m,
        '--input',
        join(dir, 'inputs', `${m}_b${b}.npy`),
        '--output',
        outFile,
        '--threads',
        '2',
      ]);
      const flops = encoderFlops(modalityArch(config, m)) * b * (m === 'audio' ? 3 : 1);
      const t = torch?.rows.find((x) => x.modality === m && x.batch === b);
      const ours = (await readNpy(outFile)).data as Float32Array;
      const ref32 = p === 'fp32' ? null : ((await readNpy(join(dir, `ours_fp32_${m}_b${b}.npy`))).data as Float32Array);
      const torchOut = t
        ? ((await readNpy(join(dir, 'inputs', `torch_out_${m}_b${b}.npy`))).data as Float32Array)
        : null;
      rows.push({
        precision: p,
        modality: m,
        batch: b,
        median_ms: res.median_ms,
        peak_rss_mib: r.rssMiB,
        weight_mib: res.weight_mib,
        gflops: flops / res.median_ms / 1e6,
        torch_ms: t?.median_ms ?? null,
        torch_rss_mib: t?.peak_rss_mib ?? null,
        speedup: t ? t.median_ms / res.median_ms : null,
        outputs: ours,
        fp32: ref32,
        torchOut,
        dim: config.out_embed_dim,
      });
      console.error(
        `${p} ${m} b${b}: ${res.median_ms.toFixed(1)} ms${t ? ` (torch ${t.median_ms.toFixed(1)} ms)` : ''}`,
      );
    }
const { json, md } = renderSpeedReport({
  machine: machineInfo(),
  ceiling,
  torch: torch ? { version: torch.torch, blas: torch.blas } : null,
  rows,
  runs: Number(runs),
});
writeFileSync(join(root, 'bench/results/speed.json'), `${JSON.stringify(json, null, 2)}\n`);
writeFileSync(join(root, 'bench/speed.md'), md);
console.log(md);
