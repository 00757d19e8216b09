import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ref } from '../../test/helpers/shared.ts';
import { CheckpointError } from '../core/errors.ts';
import { openCheckpoint } from './open.ts';
import { SafetensorsReader } from './safetensors.ts';
import { float32Entries, writeSafetensors, type SafetensorsEntry } from './safetensors-write.ts';
import { TENSORS, stateDictPickle, torchZip } from '../../test/helpers/checkpoint-builders.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ckpt-st-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A safetensors file from a header (object, or raw text) and a data section, as the format defines it. */
function handmade(header: unknown, data: Uint8Array, lengthOverride?: bigint): Uint8Array {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

async function write(name: string, bytes: Uint8Array): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, bytes);
  return p;
}

test('round trip: the tiny .pth rewritten as safetensors reads back byte-identical', { timeout: 30_000 }, async () => {
  const src = await openCheckpoint(ref('tiny', 'imagebind_tiny.pth'));
  const out = join(dir, 'tiny.safetensors');
  let loads = 0;
  try {
    const entries: SafetensorsEntry[] = src.list().map((t) => ({
      name: t.name,
      dtype: t.dtype,
      shape: t.shape,
      byteLength: t.shape.reduce((a, b) => a * b, 4),
      load: async () => {
        loads++;
        return src.readRaw(t.name);
      },
    }));
    await writeSafetensors(out, entries, { format: 'pt', source: 'imagebind_tiny.pth' });
    assert.equal(loads, 211);
    const back = await openCheckpoint(out);
    try {
      assert.equal(back.format, 'safetensors');
      assert.deepEqual(back.list(), src.list());
      for (const t of src.list()) assert.deepEqual(await back.readRaw(t.name), await src.readRaw(t.name), t.name);
      assert.deepEqual(
        await back.readFloat32('modality_preprocessors.text.mask'),
        await src.readFloat32('modality_preprocessors.text.mask'),
      );
      assert.deepEqual((back as SafetensorsReader).metadata, { format: 'pt', source: 'imagebind_tiny.pth' });
    } finally {
      await back.close();
    }
  } finally {
    await src.close();
  }
  assert.deepEqual(
    (await readdir(dir)).filter((f) => f.endsWith('.tmp')),
    [],
    'no temporary file is left behind',
  );
});

test('round trip of every dtype and of strided views, via in-memory data', { timeout: 10_000 }, async () => {
  const pth = await openCheckpoint(await write('synth.pth', torchZip('archive', stateDictPickle(TENSORS))));
  const entries: SafetensorsEntry[] = [];
  for (const t of pth.list())
    entries.push({ name: t.name, dtype: t.dtype, shape: t.shape, data: await pth.readRaw(t.name) });
  const out = join(dir, 'synth.safetensors');
  await writeSafetensors(
    out,
    (async function* () {
      yield* entries;
    })(),
  );
  const back = await openCheckpoint(out);
  try {
    assert.deepEqual(back.list(), pth.list());
    for (const t of pth.list()) assert.deepEqual(await back.readRaw(t.name), await pth.readRaw(t.name), t.name);
    assert.deepEqual([...(await back.readFloat32('wT'))], [...(await pth.readFloat32('wT'))]);
    assert.deepEqual([...(await back.readInt64('ids'))], [1n, -2n, 2n ** 62n, 123n]);
  } finally {
    await back.close();
    await pth.close();
  }
  // The header is padded so tensor data starts 8-byte aligned.
  const bytes = await readFile(out);
  assert.equal(Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true)) % 8, 0);
});

test('float32Entries: a reader rewritten as float32, each tensor read once, values as readFloat32 gives them', async () => {
  const pth = await openCheckpoint(await write('floats.pth', torchZip('archive', stateDictPickle(TENSORS))));
  const floats = new Set(['w', 'wT', 'rows12', 'expand', 'half', 'bf16', 'f64']);
  const reads: string[] = [];
  const only = {
    list: () => pth.list().filter((t) => floats.has(t.name)),
    readFloat32: (name: string) => (reads.push(name), pth.readFloat32(name)),
  };
  const out = join(dir, 'floats.safetensors');
  await writeSafetensors(out, float32Entries(only));
  assert.deepEqual(reads.sort(), [...floats].sort(), 'each tensor read once');
  const back = await openCheckpoint(out);
  try {
    for (const t of back.list()) {
      assert.equal(t.dtype, 'float32', t.name);
      assert.deepEqual(t.shape, pth.info(t.name).shape, t.name);
      assert.deepEqual(await back.readFloat32(t.name), await pth.readFloat32(t.name), t.name);
    }
    assert.equal(back.list().length, floats.size);
  } finally {
    await back.close();
    await pth.close();
  }
});

test('a handmade file in the published format reads correctly, listed in data order', { timeout: 10_000 }, async () => {
  const data = new Uint8Array([...new Uint8Array(Float32Array.from([1, 2]).buffer), 0x80, 0x3f]);
  const header = {
    b: { dtype: 'BF16', shape: [1], data_offsets: [8, 10] },
    0: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    __metadata__: { k: 'v' },
  };
  const r = await openCheckpoint(await write('hand.safetensors', handmade(header, data)));
  assert.deepEqual(
    r.list().map((t) => t.name),
    ['0', 'b'],
  );
  assert.deepEqual([...(await r.readFloat32('0'))], [1, 2]);
  assert.deepEqual([...(await r.readFloat32('b'))], [1]);
  await r.close();
});

test('malformed safetensors files are CheckpointErrors naming the file', { timeout: 10_000 }, async () => {
  const ok = { x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const cases: [string, Uint8Array, string][] = [
    ['len-too-big', handmade(ok, new Uint8Array(8), 5000n), 'SAFETENSORS_INVALID'],
    ['len-huge', handmade(ok, new Uint8Array(8), 2n ** 63n), 'SAFETENSORS_INVALID'],
    ['bad-json', handmade('{"x": {"dtype": "F32",', new Uint8Array(8)), 'SAFETENSORS_INVALID'],
    [
      'past-eof',
      handmade({ x: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(8)),
      'FILE_TRUNCATED',
    ],
    [
      'bad-dtype',
      handmade({ x: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, new Uint8Array(2)),
      'SAFETENSORS_INVALID',
    ],
    [
      'size-mismatch',
      handmade({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)),
      'SAFETENSORS_INVALID',
    ],
    [
      'bad-offsets',
      handmade({ x: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, new Uint8Array(8)),
      'SAFETENSORS_INVALID',
    ],
    [
      'bad-shape',
      handmade({ x: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, new Uint8Array(8)),
      'SAFETENSORS_INVALID',
    ],
    ['array-header', handmade([1, 2], new Uint8Array(8)), 'CHECKPOINT_UNKNOWN_FORMAT'],
  ];
  for (const [name, bytes, code] of cases) {
    const p = await write(`${name}.safetensors`, bytes);
    await assert.rejects(openCheckpoint(p), (e: unknown) => {
      assert.ok(e instanceof CheckpointError, `${name}: ${String(e)}`);
      assert.equal(e.code, code, `${name}: ${e.message}`);
      assert.ok(e.message.includes(p), e.message);
      return true;
    });
  }
});

test('the writer refuses bad input and leaves no file behind', { timeout: 10_000 }, async () => {
  const out = join(dir, 'bad.safetensors');
  const f = Float32Array.from([1, 2, 3]);
  await assert.rejects(writeSafetensors(out, [{ name: 'x', dtype: 'float32', shape: [2], data: f }]), {
    code: 'SAFETENSORS_WRITE',
  });
  await assert.rejects(
    writeSafetensors(out, [{ name: 'x', dtype: 'float32', shape: [3], byteLength: 4, load: async () => f }]),
    { code: 'SAFETENSORS_WRITE' },
  );
  await assert.rejects(
    writeSafetensors(out, [
      { name: 'x', dtype: 'float32', shape: [3], data: f },
      { name: 'x', dtype: 'float32', shape: [3], data: f },
    ]),
    { code: 'SAFETENSORS_WRITE' },
  );
  await assert.rejects(
    writeSafetensors(out, [
      {
        name: 'x',
        dtype: 'float32',
        shape: [3],
        load: async () => {
          throw new Error('source failed');
        },
      },
    ]),
    /source failed/,
  );
  assert.deepEqual(
    (await readdir(dir)).filter((n) => n.startsWith('bad.safetensors') || n.startsWith('.bad.safetensors')),
    [],
  );
});
