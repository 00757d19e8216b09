/**
 * Child process for crash.test.ts: appends numbered batches to a store forever, printing
 * "committed <n>" after each commit, until it is killed.
 *
 *   node --import tsx test/helpers/store-crash-writer.ts <db> <dim> <batchSize> <firstBatch>
 */
import { openStore } from '../../src/store/open.ts';
import { crashItemVector } from './store-crash-data.ts';
import { testSpace } from './store.ts';
import type { ItemInput } from '../../src/store/types.ts';

const [file, dimArg, sizeArg, firstArg] = process.argv.slice(2);
const dim = Number(dimArg);
const batchSize = Number(sizeArg);
const store = openStore(file, { space: testSpace(dim) });
for (let b = Number(firstArg); ; b++) {
  const batch: ItemInput[] = [];
  for (let i = 0; i < batchSize; i++) {
    batch.push({
      path: `batch${b}/item${i}`,
      modality: i % 2 ? 'audio' : 'vision',
      vector: crashItemVector(b, i, dim),
      hash: `${b}:${i}`,
      mtime: b,
      size: i,
      metadata: { batch: b, i },
    });
  }
  store.addItems(batch);
  process.stdout.write(`committed ${b}\n`);
}
