import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cpSync,
  mkdtempSync,
  openSync,
  readdirSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embedEveryEncoder } from '../../test/helpers/embed-all.ts';
import { tinyModelDir } from '../../test/helpers/tiny-model.ts';

const embedAll = (dir: string, cacheDir?: string) => embedEveryEncoder(dir, { cacheDir });

test(
  'optimised-graph cache: first load saves, second load reuses, outputs identical; a damaged entry is dropped',
  { timeout: 120_000 },
  async () => {
    const dir = await tinyModelDir(false);
    const cache = mkdtempSync(join(tmpdir(), 'ort-cache-'));
    const plain = await embedAll(dir);
    const first = await embedAll(dir, cache);
    const entries = readdirSync(cache).sort();
    assert.equal(entries.length, plain.size, `one cache entry per encoder: ${entries.join(', ')}`);
    for (const e of entries)
      assert.deepEqual(readdirSync(join(cache, e)).sort(), ['complete', 'optimized.onnx', 'optimized.weights']);
    const second = await embedAll(dir, cache);
    for (const [m, v] of plain) {
      assert.deepEqual(first.get(m), v, `${m}: saving the optimised graph changes nothing`);
      assert.deepEqual(second.get(m), v, `${m}: the cached graph gives the same outputs`);
    }
    writeFileSync(join(cache, entries[0], 'optimized.onnx'), 'not a graph');
    const repaired = await embedAll(dir, cache);
    for (const [m, v] of plain) assert.deepEqual(repaired.get(m), v);
    assert.equal(
      readdirSync(cache).length,
      entries.length - 1,
      'the damaged entry was dropped (rebuilt on the next load)',
    );
  },
);

test(
  "optimised-graph cache: a copy with other weights (same size and mtime, same graph) never reuses the first copy's entry",
  { timeout: 120_000 },
  async () => {
    const dir = await tinyModelDir(false);
    const work = mkdtempSync(join(tmpdir(), 'ort-cache-copies-'));
    const a = join(work, 'a'),
      b = join(work, 'b');
    cpSync(dir, a, { recursive: true, preserveTimestamps: true });
    cpSync(dir, b, { recursive: true, preserveTimestamps: true });
    // Other weights in b, with the file's size and modification time kept.
    const weights = join(b, 'imu.weights');
    const { atime, mtime, size } = statSync(weights);
    const fd = openSync(weights, 'r+');
    writeSync(fd, new Uint8Array(4096).fill(0x3c), 0, 4096, Math.floor(size / 2));
    closeSync(fd);
    utimesSync(weights, atime, mtime);
    const cache = mkdtempSync(join(tmpdir(), 'ort-cache-'));
    const fromA = await embedAll(a, cache);
    const fromB = await embedAll(b, cache);
    const plainB = await embedAll(b);
    assert.notDeepEqual(fromB.get('imu'), fromA.get('imu'), 'b has other weights, so other outputs');
    assert.deepEqual(fromB.get('imu'), plainB.get('imu'), "b's cached session is b's own");
  },
);
