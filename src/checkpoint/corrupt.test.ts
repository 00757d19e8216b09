import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, mkdir, rm, truncate, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ref } from '../../test/helpers/shared.ts';
import { CheckpointError } from '../core/errors.ts';
import { openCheckpoint } from './open.ts';
import { TENSORS, buildZip, stateDictPickle, torchZip } from '../../test/helpers/checkpoint-builders.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ckpt-corrupt-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, bytes: Uint8Array): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, bytes);
  return p;
}

/** Opening (and reading everything from) `path` must fail with `code`, naming the file. */
async function failsWith(path: string, code: string | RegExp): Promise<CheckpointError> {
  let caught: unknown;
  try {
    const r = await openCheckpoint(path);
    try {
      for (const t of r.list()) await r.readRaw(t.name);
    } finally {
      await r.close();
    }
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof CheckpointError, `expected a CheckpointError, got ${String(caught)}`);
  if (typeof code === 'string') assert.equal(caught.code, code, caught.message);
  else assert.match(caught.code, code, caught.message);
  assert.ok(caught.message.includes(path), `message should name the file: ${caught.message}`);
  return caught;
}

test('the real fixture truncated at several points', { timeout: 30_000 }, async () => {
  const src = ref('tiny', 'imagebind_tiny.pth');
  const size = (await stat(src)).size;
  for (const at of [0, 3, 100, 40_000, Math.floor(size / 2), size - 100, size - 22, size - 10, size - 1]) {
    const p = join(dir, `trunc-${at}.pth`);
    await copyFile(src, p);
    await truncate(p, at);
    const e = await failsWith(
      p,
      at === 0 ? 'CHECKPOINT_UNKNOWN_FORMAT' : /^(ZIP_CORRUPT|FILE_TRUNCATED|CHECKPOINT_UNKNOWN_FORMAT)$/,
    );
    assert.ok(e.message.length > p.length + 20, e.message);
  }
});

test(
  'not a checkpoint: garbage, empty, a directory, a missing file, a legacy pickle',
  { timeout: 10_000 },
  async () => {
    const garbage = new Uint8Array(4096);
    let seed = 12345;
    for (let i = 0; i < garbage.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      garbage[i] = seed >>> 24;
    }
    garbage[0] = 0x13;
    await failsWith(await write('garbage.pth', garbage), 'CHECKPOINT_UNKNOWN_FORMAT');
    await failsWith(await write('empty.pth', new Uint8Array(0)), 'CHECKPOINT_UNKNOWN_FORMAT');
    const sub = join(dir, 'a-directory.pth');
    await mkdir(sub);
    await failsWith(sub, 'FILE_UNREADABLE');
    await failsWith(join(dir, 'does-not-exist.pth'), 'FILE_UNREADABLE');
    // torch < 1.6 wrote a pickled magic number first: \x80\x02\x8a\x0a...
    const legacy = await failsWith(
      await write(
        'legacy.pth',
        Uint8Array.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]),
      ),
      'PTH_LEGACY',
    );
    assert.match(legacy.message, /torch>=1\.6/);
  },
);

test('broken zip structure', { timeout: 10_000 }, async () => {
  const good = torchZip('archive', stateDictPickle(TENSORS));
  await failsWith(
    await write('no-pkl.pth', buildZip([{ name: 'archive/data/0', data: new Uint8Array(48) }])),
    'PTH_NO_PICKLE',
  );
  await failsWith(
    await write('no-storage.pth', torchZip('archive', stateDictPickle(TENSORS), { skip: '3' })),
    'PTH_STORAGE_MISSING',
  );
  // The first central-directory entry's local header offset, pointed past the end of the file.
  const cdOffset = new DataView(good.buffer).getUint32(good.length - 6, true);
  const past = good.slice();
  new DataView(past.buffer).setUint32(cdOffset + 42, good.length + 1000, true);
  await failsWith(await write('offset-past-eof.pth', past), 'FILE_TRUNCATED');
  // A central directory claimed to be bigger than the file.
  const bigCd = good.slice();
  new DataView(bigCd.buffer).setUint32(bigCd.length - 10, 0x7fffffff, true);
  await failsWith(await write('big-cd.pth', bigCd), 'ZIP_CORRUPT');
  // Damaged local header signatures (found when the entry is read): data.pkl's, and the last entry's.
  const badPkl = good.slice();
  badPkl[2] ^= 0xff;
  await failsWith(await write('bad-local-pkl.pth', badPkl), 'ZIP_CORRUPT');
  const badLast = good.slice();
  const cd = new DataView(badLast.buffer);
  let q = cdOffset;
  for (let i = 0; i < 10; i++)
    q += 46 + cd.getUint16(q + 28, true) + cd.getUint16(q + 30, true) + cd.getUint16(q + 32, true);
  badLast[cd.getUint32(q + 42, true) + 2] ^= 0xff; // data/9, the last storage
  await failsWith(await write('bad-local-last.pth', badLast), 'ZIP_CORRUPT');
  // A tensor that reads beyond its storage.
  const over = TENSORS.map((t) => (t.name === 'w' ? { ...t, shape: [4, 4] } : t));
  await failsWith(await write('over.pth', torchZip('archive', stateDictPickle(over))), 'PTH_BAD_TENSOR');
});

test('random byte corruption only ever yields a CheckpointError', { timeout: 60_000 }, async () => {
  const good = torchZip('archive', stateDictPickle(TENSORS));
  let seed = 42;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const p = join(dir, 'fuzz.pth');
  let failures = 0;
  for (let round = 0; round < 400; round++) {
    const bytes = good.slice();
    for (let k = 1 + rand(4); k > 0; k--) bytes[rand(bytes.length)] = rand(256);
    if (round % 5 === 0) bytes[bytes.length - 1 - rand(40)] = rand(256);
    await writeFile(p, round % 7 === 0 ? bytes.subarray(0, rand(bytes.length)) : bytes);
    try {
      const r = await openCheckpoint(p);
      try {
        for (const t of r.list()) await r.readRaw(t.name);
      } finally {
        await r.close();
      }
    } catch (e) {
      assert.ok(e instanceof CheckpointError, `round ${round}: ${String(e)}\n${(e as Error).stack}`);
      failures++;
    }
  }
  assert.ok(failures > 0);
});
