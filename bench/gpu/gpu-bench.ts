/**
 * Our side of the GPU benchmark (bench/gpu/run.sh runs it on the GPU machine, bundled by pack.sh
 * into one file next to onnxruntime-node; it also runs here from a clone with tsx):
 *
 *   prepare --dir D [--config huge|FILE] [--precisions fp32,fp16-compute] [--batches 1,32]
 *       the random-weight checkpoint (D/random.safetensors, for PyTorch too), our model directories
 *       converted from it, and seeded inputs D/inputs/<modality>_b<batch>.npy
 *   ours --dir D --device webgpu|cuda|cpu [--precisions ...] [--modalities ...] [--batches ...] [--runs N]
 *       times each encoder on the device (warm-up first), saves its outputs and where onnxruntime
 *       placed each node; writes D/ours-<device>.json
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { openCheckpoint } from '../../src/checkpoint/open.ts';
import { float32Entries, writeSafetensors } from '../../src/checkpoint/safetensors-write.ts';
import { readNpy, writeNpy } from '../../src/core/npy.ts';
import { ImageBind } from '../../src/embed/imagebind.ts';
import { MODALITIES, type Modality, presetConfig } from '../../src/model/config.ts';
import { loadConfigFile } from '../../src/model/config-file.ts';
import { convertCheckpoint } from '../../src/model/convert.ts';
import type { Precision } from '../../src/model/graph.ts';
import { randomCheckpoint } from '../../src/model/random-init.ts';
import { randomInput } from '../../src/runtime/benchmark.ts';
import { parseDevice } from '../../src/runtime/device.ts';

const [command, ...args] = process.argv.slice(2);
const flag = (n: string, d?: string): string => {
  const i = args.indexOf(n);
  if (i >= 0) return args[i + 1];
  if (d === undefined) throw new Error(`${n} is required`);
  return d;
};
const dir = flag('--dir');
const precisions = flag('--precisions', 'fp32,fp16-compute').split(',') as Precision[];
const modalities = flag('--modalities', 'vision,text,audio').split(',') as Modality[];
const batches = flag('--batches', '1,32').split(',').map(Number);

async function prepare(): Promise<void> {
  const name = flag('--config', 'huge');
  const config = name === 'huge' ? presetConfig('huge') : await loadConfigFile(name);
  mkdirSync(join(dir, 'inputs'), { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const ckpt = join(dir, 'random.safetensors');
  if (!existsSync(ckpt)) {
    console.error(`writing random weights (${name}) ...`);
    await writeSafetensors(ckpt, float32Entries(randomCheckpoint(config, 1)));
  }
  for (const p of precisions) {
    const out = join(dir, `ours-${p}`);
    if (existsSync(join(out, 'manifest.json'))) continue;
    console.error(`converting ${p} ...`);
    const reader = await openCheckpoint(ckpt);
    try {
      await convertCheckpoint(reader, { config, modalities: MODALITIES, outDir: out, precision: p });
    } finally {
      await reader.close();
    }
  }
  const model = await ImageBind.load(join(dir, `ours-${precisions[0]}`));
  for (const m of MODALITIES)
    for (const b of batches) {
      const f = join(dir, 'inputs', `${m}_b${b}.npy`);
      if (!existsSync(f))
        await writeNpy(f, randomInput(m, model.manifest.modalities[m]!, b, 7, config.text_vocab_size));
    }
  console.error(`prepared ${dir}`);
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function ours(): Promise<void> {
  const device = parseDevice(flag('--device'));
  const runs = Number(flag('--runs', '5'));
  mkdirSync(join(dir, 'out'), { recursive: true });
  const rows: Record<string, unknown>[] = [];
  for (const p of precisions) {
    // batchSize: the largest batch in one run, as PyTorch gets it.
    const model = await ImageBind.load(join(dir, `ours-${p}`), { device, batchSize: Math.max(...batches) });
    try {
      for (const m of modalities) {
        const t0 = performance.now();
        const encoder = await model.encoder(m);
        const loadMs = performance.now() - t0;
        const placement = await model.placement(m);
        for (const b of batches) {
          const x = await readNpy(join(dir, 'inputs', `${m}_b${b}.npy`));
          let out = await encoder.encode(x);
          await encoder.encode(x);
          const times: number[] = [];
          for (let i = 0; i < runs; i++) {
            const s = performance.now();
            out = await encoder.encode(x);
            times.push(performance.now() - s);
          }
          await writeNpy(join(dir, 'out', `ours_${device}_${p}_${m}_b${b}.npy`), out.output);
          rows.push({
            precision: p,
            modality: m,
            batch: b,
            median_ms: median(times),
            times_ms: times,
            load_ms: loadMs,
            placement: placement?.byProvider ?? null,
            heavy_fallbacks: placement?.heavyFallbacks.map((n) => `${n.node} (${n.op})`) ?? [],
          });
          console.error(`ours ${device} ${p} ${m} b${b}: ${median(times).toFixed(1)} ms`);
        }
      }
    } finally {
      await model.close();
    }
  }
  writeFileSync(join(dir, `ours-${device}.json`), JSON.stringify({ device, runs, rows }, null, 2));
}

if (command === 'prepare') await prepare();
else if (command === 'ours') await ours();
else throw new Error(`usage: gpu-bench.ts prepare|ours --dir D ... (got ${command})`);
