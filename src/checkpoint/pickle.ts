/**
 * A restricted unpickler for the subset of the pickle protocol (≤ 4) that `torch.save` writes.
 * It is a flat loop over opcodes (no recursion), every length is checked against the bytes that
 * remain, and globals go through the allow-list in torch-globals.ts. Opcodes that construct
 * arbitrary objects (INST, OBJ, NEWOBJ, EXT*) are refused outright.
 */
import { CheckpointError } from '../core/errors.ts';
import { type Limits, limitError, resolveLimits } from '../core/limits.ts';
import { checkpointError } from './fail.ts';
import { PyDict, describe, isList, type PyKey, type PyValue } from './pickle-values.ts';
import { callGlobal, persistentLoad, resolveGlobal } from './torch-globals.ts';

const REFUSED: Readonly<Record<number, string>> = {
  0x69: 'INST',
  0x6f: 'OBJ',
  0x81: 'NEWOBJ',
  0x92: 'NEWOBJ_EX',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x50: 'PERSID',
};

/** The unpickler's budget (core/limits.ts): opcodes run, objects created, memo entries, stack depth. */
export type PickleLimits = Pick<Limits, 'maxPickleOpcodes' | 'maxPickleObjects' | 'maxPickleMemo' | 'maxPickleStack'>;

/**
 * Unpickles `bytes` (the content of data.pkl); `file` names the checkpoint in errors. Work and
 * memory are bounded by `limits`: a pickle over any of them fails with a CheckpointError whose
 * code names the limit (PICKLE_OPCODES_LIMIT, ...), before it can exhaust the heap.
 */
export function unpickle(bytes: Uint8Array, file: string, limits: PickleLimits = {}): PyValue {
  const budget = resolveLimits(limits);
  let opcodes = 0;
  let objects = 0;
  const over = (name: keyof PickleLimits, actual: string): never => {
    throw limitError(
      CheckpointError,
      name,
      `${file}: data.pkl`,
      actual,
      budget[name],
      'A state dict needs far less; the file is probably malicious or not a state dict.',
    );
  };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const latin1 = new TextDecoder('latin1');
  const stack: PyValue[] = [];
  /** Pushes a newly created value (counted against maxPickleObjects). */
  const push = (v: PyValue): void => {
    if (++objects > budget.maxPickleObjects) over('maxPickleObjects', `more than ${budget.maxPickleObjects}`);
    stack.push(v);
  };
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  let pos = 0;
  let opPos = 0;

  const fail = (code: string, problem: string): never => {
    throw checkpointError(
      code,
      file,
      `data.pkl byte ${opPos}: ${problem}`,
      'The checkpoint is corrupt or was not written by torch.save; save it again.',
    );
  };
  const need = (n: number): number => {
    if (!Number.isSafeInteger(n) || n < 0 || pos + n > bytes.length) {
      fail('PICKLE_TRUNCATED', `needs ${n} more bytes but only ${bytes.length - pos} remain`);
    }
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = (): number => bytes[need(1)];
  const u32 = (): number => dv.getUint32(need(4), true);
  const u64 = (): number => {
    const v = dv.getBigUint64(need(8), true);
    return v > BigInt(bytes.length) ? fail('PICKLE_TRUNCATED', `length ${v} is larger than the pickle`) : Number(v);
  };
  const text = (n: number): string => {
    const at = need(n);
    try {
      return utf8.decode(bytes.subarray(at, at + n));
    } catch {
      return fail('PICKLE_BAD_STRING', 'a string is not valid UTF-8');
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0 || end - pos > 256) fail('PICKLE_TRUNCATED', 'a GLOBAL name has no end of line');
    return latin1.decode(bytes.subarray(need(end - pos + 1), end));
  };
  const pop = (): PyValue => {
    const floor = marks.length > 0 ? marks[marks.length - 1] : 0;
    if (stack.length <= floor) fail('PICKLE_STACK_UNDERFLOW', 'pops an empty stack');
    return stack.pop() as PyValue;
  };
  const top = (): PyValue => {
    const floor = marks.length > 0 ? marks[marks.length - 1] : 0;
    if (stack.length <= floor) fail('PICKLE_STACK_UNDERFLOW', 'reads an empty stack');
    return stack[stack.length - 1];
  };
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) return fail('PICKLE_STACK_UNDERFLOW', 'needs a MARK but none is set');
    return stack.splice(m);
  };
  const get = (i: number): PyValue => {
    if (!memo.has(i)) fail('PICKLE_MEMO_MISS', `refers to memo slot ${i}, which was never stored`);
    return memo.get(i) as PyValue;
  };
  const put = (i: number): void => {
    if (!memo.has(i) && memo.size >= budget.maxPickleMemo) over('maxPickleMemo', `more than ${budget.maxPickleMemo}`);
    memo.set(i, top());
  };
  const tuple = (items: PyValue[]): PyValue => Object.freeze(items);
  const dict = (): PyDict => {
    const d = top();
    return d instanceof PyDict ? d : fail('PICKLE_BAD_STRUCTURE', `sets items on ${describe(d)}, not a dict`);
  };
  const setItems = (d: PyDict, kv: PyValue[]): void => {
    if (kv.length % 2 !== 0) fail('PICKLE_BAD_STRUCTURE', 'SETITEMS has an odd number of items');
    for (let i = 0; i < kv.length; i += 2) d.items.set(kv[i] as PyKey, kv[i + 1]);
  };
  const list = (): PyValue[] => {
    const l = top();
    return isList(l) ? l : fail('PICKLE_BAD_STRUCTURE', `appends to ${describe(l)}, not a list`);
  };
  const signedLE = (n: number): number | bigint => {
    const at = need(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]);
    if (n > 0 && bytes[at + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    opPos = pos;
    if (++opcodes > budget.maxPickleOpcodes) over('maxPickleOpcodes', `more than ${budget.maxPickleOpcodes}`);
    if (stack.length + marks.length > budget.maxPickleStack)
      over('maxPickleStack', `${stack.length} values and ${marks.length} marks`);
    const op = u8();
    switch (op) {
      case 0x80:
        u8();
        break; // PROTO
      case 0x95:
        u64();
        break; // FRAME: framing is only a hint for buffered readers
      case 0x2e: {
        // STOP
        if (stack.length !== 1 || marks.length !== 0)
          fail('PICKLE_BAD_STRUCTURE', `STOP with ${stack.length} values on the stack`);
        return stack[0];
      }
      case 0x28:
        marks.push(stack.length);
        break; // MARK
      case 0x7d:
        push(new PyDict());
        break; // EMPTY_DICT
      case 0x5d:
        push([]);
        break; // EMPTY_LIST
      case 0x29:
        push(tuple([]));
        break; // EMPTY_TUPLE
      case 0x4e:
        push(null);
        break; // NONE
      case 0x88:
        push(true);
        break; // NEWTRUE
      case 0x89:
        push(false);
        break; // NEWFALSE
      case 0x4b:
        push(u8());
        break; // BININT1
      case 0x4d:
        push(dv.getUint16(need(2), true));
        break; // BININT2
      case 0x4a:
        push(dv.getInt32(need(4), true));
        break; // BININT
      case 0x8a:
        push(signedLE(u8()));
        break; // LONG1
      case 0x8b: {
        const n = u32();
        if (n > 4096) fail('PICKLE_BAD_STRUCTURE', `a ${n}-byte integer`);
        push(signedLE(n));
        break;
      } // LONG4
      case 0x47:
        push(dv.getFloat64(need(8), false));
        break; // BINFLOAT is big-endian
      case 0x58:
        push(text(u32()));
        break; // BINUNICODE
      case 0x8c:
        push(text(u8()));
        break; // SHORT_BINUNICODE
      case 0x8d:
        push(text(u64()));
        break; // BINUNICODE8
      case 0x54: {
        const n = dv.getInt32(need(4), true);
        const at = need(n);
        push(latin1.decode(bytes.subarray(at, at + n)));
        break;
      } // BINSTRING
      case 0x55: {
        const n = u8();
        const at = need(n);
        push(latin1.decode(bytes.subarray(at, at + n)));
        break;
      } // SHORT_BINSTRING
      case 0x42: {
        const n = u32();
        const at = need(n);
        push(bytes.slice(at, at + n));
        break;
      } // BINBYTES
      case 0x43: {
        const n = u8();
        const at = need(n);
        push(bytes.slice(at, at + n));
        break;
      } // SHORT_BINBYTES
      case 0x8e: {
        const n = u64();
        const at = need(n);
        push(bytes.slice(at, at + n));
        break;
      } // BINBYTES8
      case 0x71:
        put(u8());
        break; // BINPUT
      case 0x72:
        put(u32());
        break; // LONG_BINPUT
      case 0x94:
        put(memo.size);
        break; // MEMOIZE
      case 0x68:
        stack.push(get(u8())); // a reference, not a new object
        break; // BINGET
      case 0x6a:
        stack.push(get(u32())); // a reference, not a new object
        break; // LONG_BINGET
      case 0x30:
        pop();
        break; // POP
      case 0x31:
        popMark();
        break; // POP_MARK
      case 0x32:
        stack.push(top()); // a reference, not a new object
        break; // DUP
      case 0x85:
        push(tuple([pop()]));
        break; // TUPLE1
      case 0x86: {
        const b = pop();
        const a = pop();
        push(tuple([a, b]));
        break;
      } // TUPLE2
      case 0x87: {
        const c = pop();
        const b = pop();
        const a = pop();
        push(tuple([a, b, c]));
        break;
      } // TUPLE3
      case 0x74:
        push(tuple(popMark()));
        break; // TUPLE
      case 0x6c:
        push(popMark());
        break; // LIST
      case 0x64: {
        const d = new PyDict();
        setItems(d, popMark());
        push(d);
        break;
      } // DICT
      case 0x73: {
        const v = pop();
        const k = pop();
        dict().items.set(k as PyKey, v);
        break;
      } // SETITEM
      case 0x75: {
        const kv = popMark();
        setItems(dict(), kv);
        break;
      } // SETITEMS
      case 0x61: {
        const v = pop();
        list().push(v);
        break;
      } // APPEND
      case 0x65: {
        const vs = popMark();
        const l = list();
        for (const v of vs) l.push(v);
        break;
      } // APPENDS
      case 0x63: {
        const module = line();
        const name = line();
        push(resolveGlobal(module, name, file));
        break;
      } // GLOBAL
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string')
          fail('PICKLE_BAD_STRUCTURE', 'STACK_GLOBAL without two strings');
        push(resolveGlobal(module as string, name as string, file));
        break;
      }
      case 0x52: {
        const args = pop();
        const fn = pop();
        push(callGlobal(fn, args, file));
        break;
      } // REDUCE
      case 0x62: {
        // BUILD: only a dict may receive state (OrderedDict's _metadata)
        const state = pop();
        const target = top();
        if (!(target instanceof PyDict))
          fail('PICKLE_FORBIDDEN_CALL', `BUILD on ${describe(target)}; only dicts may be given state`);
        (target as PyDict).state = state;
        break;
      }
      case 0x51:
        push(persistentLoad(pop(), file));
        break; // BINPERSID
      default: {
        const name = REFUSED[op];
        if (name) fail('PICKLE_FORBIDDEN_OPCODE', `opcode ${name} constructs arbitrary objects and is not allowed`);
        fail('PICKLE_UNKNOWN_OPCODE', `unsupported opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
    }
  }
}
