/**
 * Our side of bench/pytorch-anchor.ts: one encoder of a model directory kept loaded, timing inputs
 * on request, with the same JSON-lines protocol as bench/pytorch/anchor_engine.py.
 *   npx tsx bench/anchor/ours-engine.ts --model DIR --modality vision [--threads 2]
 */
import { createInterface } from 'node:readline';
import { readNpy } from '../../src/core/npy.ts';
import type { Tensor } from '../../src/core/tensor.ts';
import { ImageBind } from '../../src/embed/imagebind.ts';
import type { Modality } from '../../src/model/config.ts';

const args = process.argv.slice(2);
const flag = (n: string, d?: string) => {
  const i = args.indexOf(n);
  if (i >= 0) return args[i + 1];
  if (d === undefined) throw new Error(`${n} is required`);
  return d;
};
const modality = flag('--modality') as Modality;
const model = await ImageBind.load(flag('--model'), { threads: Number(flag('--threads', '2')), batchSize: 64 });
const encoder = await model.encoder(modality);
process.stdout.write(
  `${JSON.stringify({ ready: true, precision: model.manifest.precision, rss_mib: process.memoryUsage().rss / 2 ** 20 })}\n`,
);
const inputs = new Map<string, Tensor>();
for await (const line of createInterface({ input: process.stdin })) {
  const req = JSON.parse(line) as { input: string; runs: number };
  let x = inputs.get(req.input);
  if (!x) {
    x = await readNpy(req.input);
    inputs.set(req.input, x);
    await encoder.encode(x);
  }
  const times: number[] = [];
  for (let i = 0; i < req.runs; i++) {
    const t0 = performance.now();
    await encoder.encode(x);
    times.push(performance.now() - t0);
  }
  process.stdout.write(`${JSON.stringify({ times_ms: times })}\n`);
}
await model.close();
