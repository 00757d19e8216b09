import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInput } from './benchmark.ts';
import { ImageBind } from '../embed/imagebind.ts';
import { tinyModelDir } from '../../test/helpers/tiny-model.ts';

async function embedAll(dir: string, cacheDir?: string): Promise<Map<string, Float32Array>> {
  const model = await ImageBind.load(dir, { cacheDir, threads: 1 });
  const out = new Map<string, Float32Array>();
  try {
    for (const m of model.modalities) out.set(m, (await model.embedTensor(m, randomInput(m, model.manifest.modalities[m]!, 2, 7, model.manifest.config.text_vocab_size))).data);
  } finally {
    await model.close();
  }
  return out;
}

test('optimised-graph cache: first load saves, second load reuses, outputs identical; a damaged entry is rebuilt', { timeout: 120_000 }, async () => {
  const dir = await tinyModelDir(false);
  const cache = mkdtempSync(join(tmpdir(), 'ort-cache-'));
  const plain = await embedAll(dir);
  const first = await embedAll(dir, cache);
  const entries = readdirSync(cache).sort();
  assert.equal(entries.length, plain.size, `one cache entry per encoder: ${entries.join(', ')}`);
  for (const e of entries) assert.deepEqual(readdirSync(join(cache, e)).sort(), ['complete', 'optimized.onnx', 'optimized.weights']);
  const second = await embedAll(dir, cache);
  for (const [m, v] of plain) {
    assert.deepEqual(first.get(m), v, `${m}: saving the optimised graph changes nothing`);
    assert.deepEqual(second.get(m), v, `${m}: the cached graph gives the same outputs`);
  }
  writeFileSync(join(cache, entries[0], 'optimized.onnx'), 'not a graph');
  const repaired = await embedAll(dir, cache);
  for (const [m, v] of plain) assert.deepEqual(repaired.get(m), v);
  assert.equal(readdirSync(cache).length, entries.length - 1, 'the damaged entry was dropped (rebuilt on the next load)');
});
