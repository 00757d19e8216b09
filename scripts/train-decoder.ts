/**
 * Trains the embedded mini decoder (models/mini/decoder) on the synthetic world's images, each
 * conditioned on its frozen mini image embedding, and the independent judge classifier that
 * bench/generation.md uses (models/mini/judge). About an hour on 2 cores; resumable: re-running
 * with the same --work continues from the last checkpoint.
 *
 *   nice -n 10 npx tsx scripts/train-decoder.ts [--model models/mini] [--work .decoder-work] [--quick]
 *
 * --export-checkpoint writes the decoder from the last checkpoint without training further (a run
 * stopped before the recipe's steps); --out <dir> writes it elsewhere than <model>/decoder.
 */
import { join } from 'node:path';
import { trainMiniDecoder } from '../src/synth/decoder/recipe.ts';
import { trainJudge } from '../src/synth/decoder/judge.ts';

const args = process.argv.slice(2);
const flag = (n: string, d: string) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : d;
};
const num = (n: string): number | undefined => (args.includes(n) ? Number(flag(n, '')) : undefined);
const quick = args.includes('--quick');
const root = new URL('..', import.meta.url).pathname;
const modelDir = flag('--model', join(root, 'models/mini'));
const work = flag('--work', join(root, '.decoder-work'));
const t0 = Date.now();
const log = (l: string) => console.error(`[${((Date.now() - t0) / 1000).toFixed(0)}s] ${l}`);
if (!args.includes('--skip-decoder')) {
  await trainMiniDecoder({
    modelDir,
    outDir: flag('--out', join(modelDir, 'decoder')),
    workDir: work,
    images: quick ? 96 : num('--images'),
    steps: quick ? 3 : num('--steps'),
    batchSize: quick ? 8 : num('--batch'),
    exportCheckpoint: args.includes('--export-checkpoint'),
    log,
  });
}
if (!args.includes('--skip-judge')) {
  await trainJudge({
    outDir: flag('--judge-out', join(modelDir, 'judge')),
    workDir: work,
    images: quick ? 256 : num('--judge-images'),
    steps: quick ? 3 : num('--judge-steps'),
    log,
  });
}
log(`done in ${((Date.now() - t0) / 60000).toFixed(1)} min`);
