import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError } from '../core/errors.ts';
import { openCheckpoint } from './open.ts';
import { unpickle } from './pickle.ts';
import { PyDict, isList, isTuple } from './pickle-values.ts';
import { PickleWriter, torchZip } from '../../test/helpers/checkpoint-builders.ts';

const marker = join(tmpdir(), `imagebind-pwned-${process.pid}`);

function refuses(bytes: Uint8Array, code: string, mentions?: string): void {
  assert.throws(
    () => unpickle(bytes, 'evil.pth'),
    (e: unknown) => {
      assert.ok(e instanceof CheckpointError, `not a CheckpointError: ${String(e)}`);
      assert.equal(e.code, code, e.message);
      assert.ok(e.message.startsWith('evil.pth: '), e.message);
      if (mentions) assert.ok(e.message.includes(mentions), e.message);
      return true;
    },
  );
}

/** `<global>(args)` the way an exploit would write it: GLOBAL, args tuple, REDUCE. */
function callPickle(module: string, name: string, arg: string): Uint8Array {
  return new PickleWriter().proto(2).global(module, name).str(arg).raw(0x85).reduce().stop().bytes();
}

test('forbidden globals are refused when named, before any REDUCE', { timeout: 5_000 }, () => {
  refuses(callPickle('os', 'system', `touch ${marker}`), 'PICKLE_FORBIDDEN_GLOBAL', "'os.system'");
  refuses(callPickle('posix', 'system', `touch ${marker}`), 'PICKLE_FORBIDDEN_GLOBAL', "'posix.system'");
  refuses(callPickle('builtins', 'eval', `open('${marker}','w')`), 'PICKLE_FORBIDDEN_GLOBAL', "'builtins.eval'");
  refuses(callPickle('__builtin__', 'exec', 'x=1'), 'PICKLE_FORBIDDEN_GLOBAL', "'__builtin__.exec'");
  refuses(callPickle('subprocess', 'Popen', 'id'), 'PICKLE_FORBIDDEN_GLOBAL', "'subprocess.Popen'");
  refuses(callPickle('torch', 'load', 'x'), 'PICKLE_FORBIDDEN_GLOBAL', "'torch.load'");
  refuses(callPickle('torch._utils', '_rebuild_tensor_v2x', 'x'), 'PICKLE_FORBIDDEN_GLOBAL');
  // STACK_GLOBAL (protocol 4): module and name come from the stack.
  const stackGlobal = new PickleWriter()
    .proto(4)
    .raw(0x8c, 2, ...Buffer.from('os'))
    .raw(0x8c, 6, ...Buffer.from('system'))
    .raw(0x93)
    .str(`touch ${marker}`)
    .raw(0x85)
    .reduce()
    .stop()
    .bytes();
  refuses(stackGlobal, 'PICKLE_FORBIDDEN_GLOBAL', "'os.system'");
  assert.equal(existsSync(marker), false, 'a refused pickle must have no side effect');
});

test('a forbidden global inside a .pth is refused by openCheckpoint', { timeout: 5_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ckpt-evil-'));
  try {
    const path = join(dir, 'evil.pth');
    await writeFile(path, torchZip('archive', callPickle('os', 'system', `touch ${marker}`)));
    await assert.rejects(
      openCheckpoint(path),
      (e: unknown) => e instanceof CheckpointError && e.code === 'PICKLE_FORBIDDEN_GLOBAL' && e.message.includes(path),
    );
    assert.equal(existsSync(marker), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('allowed globals only build descriptors, and only with the expected arguments', { timeout: 5_000 }, () => {
  const od = (): PickleWriter => new PickleWriter().proto(2).global('collections', 'OrderedDict');
  refuses(od().str('x').raw(0x85).reduce().stop().bytes(), 'PICKLE_BAD_CALL', 'OrderedDict');
  refuses(od().emptyDict().reduce().stop().bytes(), 'PICKLE_BAD_CALL');
  refuses(
    new PickleWriter().proto(2).global('torch', 'FloatStorage').emptyTuple().reduce().stop().bytes(),
    'PICKLE_FORBIDDEN_CALL',
    'torch.FloatStorage',
  );
  refuses(new PickleWriter().proto(2).str('os.system').emptyTuple().reduce().stop().bytes(), 'PICKLE_FORBIDDEN_CALL');
  refuses(
    new PickleWriter()
      .proto(2)
      .global('torch._utils', '_rebuild_tensor_v2')
      .mark()
      .str('x')
      .int(0)
      .ints([1])
      .ints([1])
      .tuple()
      .reduce()
      .stop()
      .bytes(),
    'PICKLE_BAD_CALL',
  );
  // BUILD could set attributes on arbitrary objects in real pickle; here only a dict may get state.
  refuses(new PickleWriter().proto(2).raw(0x5d).emptyDict().build().stop().bytes(), 'PICKLE_FORBIDDEN_CALL');
  const d = unpickle(od().emptyTuple().reduce().stop().bytes(), 'ok.pth');
  assert.ok(d instanceof PyDict && d.items.size === 0);
});

test('object-constructing opcodes and unknown opcodes are refused', { timeout: 5_000 }, () => {
  const cls = new PickleWriter().proto(2).global('collections', 'OrderedDict');
  refuses(cls.emptyTuple().raw(0x81).stop().bytes(), 'PICKLE_FORBIDDEN_OPCODE', 'NEWOBJ');
  refuses(
    new PickleWriter()
      .raw(0x69, ...Buffer.from('os\nsystem\n'))
      .stop()
      .bytes(),
    'PICKLE_FORBIDDEN_OPCODE',
    'INST',
  );
  refuses(new PickleWriter().mark().raw(0x6f).stop().bytes(), 'PICKLE_FORBIDDEN_OPCODE', 'OBJ');
  refuses(new PickleWriter().raw(0x82, 1).stop().bytes(), 'PICKLE_FORBIDDEN_OPCODE', 'EXT1');
  refuses(new PickleWriter().raw(0xff).bytes(), 'PICKLE_UNKNOWN_OPCODE', '0xff');
});

test('malformed structure is an error, never a crash or a hang', { timeout: 5_000 }, () => {
  refuses(new PickleWriter().proto(2).setitem().stop().bytes(), 'PICKLE_STACK_UNDERFLOW');
  refuses(new PickleWriter().proto(2).int(1).tuple().stop().bytes(), 'PICKLE_STACK_UNDERFLOW');
  refuses(new PickleWriter().proto(2).reduce().stop().bytes(), 'PICKLE_STACK_UNDERFLOW');
  // A MARK hides what is below it: TUPLE2 right after a MARK must not reach under it.
  refuses(new PickleWriter().int(1).int(2).mark().raw(0x86).stop().bytes(), 'PICKLE_STACK_UNDERFLOW');
  refuses(new PickleWriter().proto(2).raw(0x68, 9).stop().bytes(), 'PICKLE_MEMO_MISS', 'slot 9');
  refuses(new PickleWriter().proto(2).raw(0x6a).u32(0xfffffff0).stop().bytes(), 'PICKLE_MEMO_MISS');
  refuses(new PickleWriter().proto(2).raw(0x58).u32(0xfffffff0).raw(0x41, 0x2e).bytes(), 'PICKLE_TRUNCATED');
  refuses(
    new PickleWriter().proto(2).raw(0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff).bytes(),
    'PICKLE_TRUNCATED',
  );
  refuses(new PickleWriter().proto(2).raw(0x8b).u32(0x7fffffff).bytes(), 'PICKLE_BAD_STRUCTURE');
  refuses(new PickleWriter().proto(2).emptyDict().bytes(), 'PICKLE_TRUNCATED'); // no STOP
  refuses(new Uint8Array(0), 'PICKLE_TRUNCATED');
  refuses(new PickleWriter().proto(2).int(1).int(2).stop().bytes(), 'PICKLE_BAD_STRUCTURE');
  refuses(new PickleWriter().proto(2).int(1).int(2).raw(0x61).stop().bytes(), 'PICKLE_BAD_STRUCTURE'); // APPEND to an int
  refuses(new PickleWriter().proto(2).raw(0x58, 2, 0, 0, 0, 0xc3, 0x28).stop().bytes(), 'PICKLE_BAD_STRING');
  refuses(new PickleWriter().raw(0x63, ...Buffer.from('os')).bytes(), 'PICKLE_TRUNCATED');
});

test('persistent ids must be well-formed storage references', { timeout: 5_000 }, () => {
  const pid = (key: string, type = 'FloatStorage'): Uint8Array =>
    new PickleWriter()
      .proto(2)
      .mark()
      .str('storage')
      .global('torch', type)
      .str(key)
      .str('cpu')
      .int(4)
      .tuple()
      .binpersid()
      .stop()
      .bytes();
  refuses(pid('../../etc/passwd'), 'PICKLE_BAD_PERSID');
  refuses(new PickleWriter().proto(2).str('storage').raw(0x85).binpersid().stop().bytes(), 'PICKLE_BAD_PERSID');
  refuses(new PickleWriter().proto(2).int(5).binpersid().stop().bytes(), 'PICKLE_BAD_PERSID');
  assert.doesNotThrow(() => unpickle(pid('17'), 'ok.pth'));
});

test('cyclic structures built through the memo terminate', { timeout: 5_000 }, async () => {
  // l = []; l.append(l)
  const list = unpickle(new PickleWriter().proto(2).raw(0x5d).put().raw(0x68, 0, 0x61).stop().bytes(), 'cyc.pth');
  assert.ok(isList(list) && list[0] === list);
  // d = {}; d['d'] = d — as a checkpoint it simply has no tensors.
  const cyc = new PickleWriter().proto(2).emptyDict().put().str('d').raw(0x68, 0).setitem().stop().bytes();
  const dir = await mkdtemp(join(tmpdir(), 'ckpt-cyc-'));
  try {
    const path = join(dir, 'cyc.pth');
    await writeFile(path, torchZip('archive', cyc));
    await assert.rejects(openCheckpoint(path), { code: 'CHECKPOINT_NO_STATE_DICT' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('plain values decode: ints of every width, floats, strings, bytes, tuples', { timeout: 5_000 }, () => {
  const v = unpickle(
    new PickleWriter()
      .proto(2)
      .mark()
      .int(7)
      .int(300)
      .int(-5)
      .int(2 ** 40)
      .int(-(2 ** 40))
      .raw(0x47, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18) // BINFLOAT pi, big-endian
      .str('héllo')
      .raw(0x43, 2, 1, 2)
      .raw(0x4e, 0x88, 0x89)
      .tuple()
      .stop()
      .bytes(),
    'vals.pth',
  );
  assert.ok(isTuple(v));
  assert.deepEqual(v.slice(0, 6), [7, 300, -5, 2 ** 40, -(2 ** 40), Math.PI]);
  assert.equal(v[6], 'héllo');
  assert.deepEqual([...(v[7] as Uint8Array)], [1, 2]);
  assert.deepEqual(v.slice(8), [null, true, false]);
});
