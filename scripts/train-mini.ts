/**
 * Trains the embedded mini ImageBind from the synthetic world and writes models/mini (+ upper-bound/)
 * and bench/train-throughput.{md,json}. Takes tens of minutes on 2 cores.
 *
 *   npx tsx scripts/train-mini.ts [--out models/mini] [--quick]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { trainMiniModel } from '../src/synth/mini/recipe.ts';
import { machineInfo } from '../bench/machine.ts';

const args = process.argv.slice(2);
const flag = (n: string, d: string) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : d;
};
const quick = args.includes('--quick');
const root = new URL('..', import.meta.url).pathname;
const outDir = flag('--out', join(root, 'models/mini'));
const num = (n: string, d: number) => Number(flag(n, String(d)));
const stats: { stage: string; samples_per_s: number; final_loss: number }[] = [];
const t0 = Date.now();
await trainMiniModel({
  outDir,
  seed: 1,
  jointSamples: quick ? 128 : num('--joint-samples', 6400),
  jointSteps: quick ? 4 : num('--joint-steps', 2000),
  bindSamples: quick ? 64 : num('--bind-samples', 4800),
  bindSteps: quick ? 3 : num('--bind-steps', 1000),
  batchSize: quick ? 16 : num('--batch', 64),
  jointLr: num('--joint-lr', 3e-4),
  bindLr: num('--bind-lr', 1e-3),
  log: (l) => console.error(`[${((Date.now() - t0) / 1000).toFixed(0)}s] ${l}`),
  onStats: (stage, sps, loss) => stats.push({ stage, samples_per_s: sps, final_loss: loss }),
});
if (!quick) {
  const machine = machineInfo();
  writeFileSync(
    join(root, 'bench/results/train-throughput.json'),
    `${JSON.stringify({ benchmark: 'train-throughput', machine, batch: num('--batch', 64), stats, total_seconds: (Date.now() - t0) / 1000 }, null, 2)}\n`,
  );
  writeFileSync(
    join(root, 'bench/train-throughput.md'),
    [
      '# Training throughput: the mini config (src/model/configs/mini.json), batch 64, 2 threads',
      '',
      `Machine: ${machine.cpu}, ${machine.cores} cores; ${machine.date.slice(0, 10)}. Measured while training the shipped model (\`npx tsx scripts/train-mini.ts\`); samples/s is the mean over the stage's steps (forward + backward + AdamW).`,
      '',
      '| stage | samples/s | final loss |',
      '|---|---:|---:|',
      ...stats.map((s) => `| ${s.stage} | ${s.samples_per_s.toFixed(0)} | ${s.final_loss.toFixed(3)} |`),
      '',
      `Whole recipe (rendering, training, target embedding, export): ${((Date.now() - t0) / 60000).toFixed(1)} min.`,
      '',
    ].join('\n'),
  );
}
