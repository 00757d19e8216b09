/**
 * Pipelining: end-to-end indexing throughput (discover → decode/preprocess → encode → SQLite) next
 * to the pure encoder throughput on the same images, with the huge vision encoder.
 * Writes bench/index-pipeline.md and bench/results/index-pipeline.json.
 *   npx tsx bench/index-pipeline.ts --model /tmp/imagebind-speed/huge-fp32 [--files 24]
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexPaths } from '../src/apps/indexer.ts';
import { openModelStore } from '../src/apps/model-store.ts';
import { stack } from '../src/core/tensor.ts';
import { ImageBind } from '../src/embed/imagebind.ts';
import { loadVisionFile } from '../src/preprocess/vision/index.ts';
import { machineInfo } from './machine.ts';

const args = process.argv.slice(2);
const flag = (n: string, d: string) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : d;
};
const root = new URL('..', import.meta.url).pathname;
const shared = process.env.IMAGEBIND_SHARED ?? join(root, '../shared');
const count = Number(flag('--files', '24'));
const dir = mkdtempSync(join(tmpdir(), 'index-pipeline-'));
const names = ['dog_image.jpg', 'car_image.jpg', 'bird_image.jpg'];
for (let i = 0; i < count; i++)
  copyFileSync(join(shared, 'reference/assets', names[i % 3]), join(dir, `img${String(i).padStart(3, '0')}.jpg`));

const model = await ImageBind.load(flag('--model', '/tmp/imagebind-speed/huge-fp32'), { batchSize: 8, threads: 2 });
const batch = stack(
  await Promise.all(
    names
      .concat(names, names)
      .slice(0, 8)
      .map((n) => loadVisionFile(join(shared, 'reference/assets', n))),
  ),
);
await model.embedTensor('vision', batch);
let t0 = performance.now();
for (let r = 0; r < 2; r++) await model.embedTensor('vision', batch);
const encoderPerS = (2 * 8 * 1000) / (performance.now() - t0);

const store = openModelStore(model, join(dir, 'index.db'), { create: true });
t0 = performance.now();
const report = await indexPaths(model, store, [dir], { batchSize: 8 });
const e2ePerS = (report.added * 1000) / (performance.now() - t0);
store.close();
await model.close();

const row = {
  files: report.added,
  encoder_items_per_s: encoderPerS,
  index_files_per_s: e2ePerS,
  ratio: e2ePerS / encoderPerS,
};
const machine = machineInfo();
writeFileSync(
  join(root, 'bench/results/index-pipeline.json'),
  `${JSON.stringify({ benchmark: 'index-pipeline', machine, model: model.manifest.name, ...row }, null, 2)}\n`,
);
writeFileSync(
  join(root, 'bench/index-pipeline.md'),
  [
    '# Pipelining: end-to-end indexing vs the pure encoder (huge vision, fp32, batch 8, 2 threads)',
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores; ${machine.date.slice(0, 10)}. Reproduce: \`npx tsx bench/index-pipeline.ts --model <huge dir>\`.`,
    `Files: ${count} copies of the official example JPEGs (640×848, 640×360, 640×855). The indexer decodes the next batch while onnxruntime encodes the current one.`,
    '',
    '| encoder only (items/s) | `imagebind index` end to end (files/s) | ratio | target |',
    '|---:|---:|---:|---:|',
    `| ${encoderPerS.toFixed(3)} | ${e2ePerS.toFixed(3)} | ${row.ratio.toFixed(2)} | ≥ 0.85 |`,
    '',
  ].join('\n'),
);
console.log(JSON.stringify(row));
