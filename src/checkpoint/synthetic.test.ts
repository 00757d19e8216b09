import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError } from '../core/errors.ts';
import { openCheckpoint } from './open.ts';
import {
  PickleWriter,
  STORAGES,
  TENSORS,
  bytesOf,
  stateDictPickle,
  torchZip,
  writeTensor,
} from '../../test/helpers/checkpoint-builders.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ckpt-synth-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const f32 = (v: number): number => Math.fround(v);

async function write(name: string, bytes: Uint8Array): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, bytes);
  return p;
}

async function checkAll(path: string): Promise<void> {
  const r = await openCheckpoint(path);
  try {
    assert.equal(r.format, 'pth');
    assert.deepEqual(
      r.list().map((x) => x.name),
      TENSORS.map((x) => x.name),
    );
    assert.deepEqual(r.info('half'), { name: 'half', dtype: 'float16', shape: [2, 3] });
    assert.equal(r.info('bf16').dtype, 'bfloat16');
    assert.equal(r.info('flags').dtype, 'bool');
    const w = Array.from({ length: 12 }, (_, i) => i * 1.5);
    assert.deepEqual([...(await r.readFloat32('w'))], w);
    const wT = [];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) wT.push(w[j * 4 + i]);
    assert.deepEqual([...(await r.readFloat32('wT'))], wT);
    assert.deepEqual([...(await r.readFloat32('rows12'))], w.slice(4, 12));
    assert.deepEqual([...(await r.readFloat32('col1'))], [w[1], w[5], w[9]]);
    assert.deepEqual([...(await r.readFloat32('scalar'))], [w[7]]);
    assert.deepEqual([...(await r.readFloat32('expand'))], [w[2], w[3], w[4], w[2], w[3], w[4]]);
    assert.equal((await r.readFloat32('empty')).length, 0);
    assert.deepEqual([...(await r.readFloat32('half'))], [1, -2, 0.5, 65504, 2 ** -24, Infinity]);
    assert.deepEqual([...(await r.readFloat32('bf16'))], [1.5, -3.25, 2 ** 100]);
    assert.deepEqual([...(await r.readFloat32('f64'))], [f32(Math.PI), f32(1e-300), -2.5]);
    assert.deepEqual([...(await r.readInt64('ids'))], [1n, -2n, 2n ** 62n, 123n]);
    assert.deepEqual([...(await r.readInt64('ids_tail'))], [2n ** 62n, 123n]);
    assert.deepEqual([...(await r.readInt64('i32'))], [-7n, 100000n]);
    assert.deepEqual([...(await r.readInt64('i8'))], [-3n, 4n]);
    assert.deepEqual([...(await r.readInt64('u8'))], [200n, 1n]);
    assert.deepEqual([...(await r.readInt64('flags'))], [1n, 0n, 1n]);
    assert.deepEqual([...(await r.readFloat32('i16'))], [-300, 300]);
    assert.deepEqual([...(await r.readRaw('half'))], [...bytesOf(STORAGES[1].data)]);
    await assert.rejects(r.readFloat32('ids'), { code: 'DTYPE_MISMATCH' });
    await assert.rejects(r.readInt64('w'), { code: 'DTYPE_MISMATCH' });
    assert.equal(r.has('nope'), false);
    assert.throws(
      () => r.info('nope'),
      (e: unknown) => e instanceof CheckpointError && e.code === 'TENSOR_MISSING' && e.message.includes("'nope'"),
    );
  } finally {
    await r.close();
  }
  const closed = await openCheckpoint(path);
  await closed.close();
  await assert.rejects(closed.readFloat32('w'), { code: 'READER_CLOSED' });
}

test('plain state dict: every dtype, strided and offset views', { timeout: 10_000 }, async () => {
  await checkAll(await write('plain.pth', torchZip('archive', stateDictPickle(TENSORS))));
});

test('wrapped {"model": sd} with a deflated data.pkl and an unusual folder name', { timeout: 10_000 }, async () => {
  await checkAll(
    await write('wrapped.pth', torchZip('my ckpt-v1', stateDictPickle(TENSORS, 'model'), { deflatePickle: true })),
  );
});

test('wrapped {"state_dict": sd}', { timeout: 10_000 }, async () => {
  await checkAll(await write('sd.pth', torchZip('x', stateDictPickle(TENSORS, 'state_dict'))));
});

test('two nested dicts of tensors: a preferred key wins, otherwise ambiguous', { timeout: 10_000 }, async () => {
  const two = (a: string, b: string): Uint8Array => {
    const w = new PickleWriter().proto(2).emptyDict().put().mark();
    for (const key of [a, b]) {
      w.str(key).emptyDict().mark();
      for (const x of TENSORS.slice(0, 2)) writeTensor(w.str(`${key}.${x.name}`), x);
      w.setitems();
    }
    return w.setitems().stop().bytes();
  };
  const r = await openCheckpoint(await write('pref.pth', torchZip('a', two('optimizer', 'model'))));
  assert.deepEqual(
    r.list().map((x) => x.name),
    ['model.w', 'model.wT'],
  );
  await r.close();
  await assert.rejects(openCheckpoint(await write('amb.pth', torchZip('a', two('a', 'b')))), {
    code: 'CHECKPOINT_AMBIGUOUS',
  });
});
