/**
 * The allow-list that makes unpickling a checkpoint safe: the few globals `torch.save` of a state
 * dict refers to, and what "calling" each one means here — building a descriptor, never running
 * anything. Any other global is refused the moment the pickle names it.
 */
import { checkpointError } from './fail.ts';
import { PyDict, PyGlobal, StorageRef, TensorRef, describe, isTuple, type PyValue } from './pickle-values.ts';
import type { StoredDType } from './types.ts';

export const STORAGE_DTYPES: Readonly<Record<string, StoredDType>> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

const CALLABLE = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
]);

const SAFE_ADVICE =
  'Checkpoints may only contain tensors and (ordered) dicts; this file may be malicious. ' +
  'If you trust it, load it in Python and re-save just the state dict with torch.save(model.state_dict(), path).';

export function resolveGlobal(module: string, name: string, file: string): PyGlobal {
  const qualified = `${module}.${name}`;
  if (CALLABLE.has(qualified) || (module === 'torch' && Object.hasOwn(STORAGE_DTYPES, name)))
    return new PyGlobal(module, name);
  throw checkpointError(
    'PICKLE_FORBIDDEN_GLOBAL',
    file,
    `data.pkl refers to the global '${qualified}', which is not on the allow-list`,
    SAFE_ADVICE,
  );
}

function int(v: PyValue | undefined, what: string, file: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw checkpointError(
    'PICKLE_BAD_CALL',
    file,
    `${what} must be a non-negative integer, got ${describe(v)}`,
    SAFE_ADVICE,
  );
}

function intTuple(v: PyValue | undefined, what: string, file: string): number[] {
  if (!isTuple(v))
    throw checkpointError('PICKLE_BAD_CALL', file, `${what} must be a tuple, got ${describe(v)}`, SAFE_ADVICE);
  if (v.length > 64) throw checkpointError('PICKLE_BAD_CALL', file, `${what} has ${v.length} dimensions`, SAFE_ADVICE);
  return v.map((x, i) => int(x, `${what}[${i}]`, file));
}

/** What REDUCE of an allow-listed global produces. */
export function callGlobal(fn: PyValue | undefined, args: PyValue | undefined, file: string): PyValue {
  if (!(fn instanceof PyGlobal) || !CALLABLE.has(fn.qualified)) {
    throw checkpointError(
      'PICKLE_FORBIDDEN_CALL',
      file,
      `data.pkl tries to call ${describe(fn)}, which is not an allowed callable`,
      SAFE_ADVICE,
    );
  }
  const bad = (problem: string): never => {
    throw checkpointError('PICKLE_BAD_CALL', file, `${fn.qualified} called with ${problem}`, SAFE_ADVICE);
  };
  if (!isTuple(args)) return bad(`arguments ${describe(args)} instead of a tuple`);
  switch (fn.name) {
    case 'OrderedDict':
      // Items arrive later through SETITEMS; an argument would be an iterable to copy, which torch never writes.
      if (args.length !== 0) bad(`${args.length} argument(s); only OrderedDict() is accepted`);
      return new PyDict();
    case '_rebuild_tensor_v2': {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      if (args.length < 4 || args.length > 7) bad(`${args.length} arguments`);
      const [storage, offset, size, stride] = args;
      if (!(storage instanceof StorageRef)) return bad(`a ${describe(storage)} where a storage belongs`);
      const shape = intTuple(size, 'size', file);
      const strides = intTuple(stride, 'stride', file);
      if (shape.length !== strides.length) bad(`size of ${shape.length} and stride of ${strides.length} dimensions`);
      return new TensorRef(storage, int(offset, 'storage_offset', file), shape, strides);
    }
    default: {
      // _rebuild_parameter(data, requires_grad, hooks[, state]): a Parameter is its data here.
      const data = args[0];
      if (!(data instanceof TensorRef)) return bad(`a ${describe(data)} where a tensor belongs`);
      return data;
    }
  }
}

/** BINPERSID: torch's zip format names a storage by ('storage', StorageType, key, location, numel). */
export function persistentLoad(pid: PyValue | undefined, file: string): StorageRef {
  const bad = (problem: string): never => {
    throw checkpointError('PICKLE_BAD_PERSID', file, `data.pkl has a persistent id that ${problem}`, SAFE_ADVICE);
  };
  if (!isTuple(pid) || pid.length !== 5 || pid[0] !== 'storage')
    return bad(`is ${describe(pid)}, not ('storage', type, key, location, numel)`);
  const [, type, key, location, numel] = pid;
  if (!(type instanceof PyGlobal) || type.module !== 'torch' || !Object.hasOwn(STORAGE_DTYPES, type.name))
    return bad(`has storage type ${describe(type)}`);
  // The key becomes part of a zip entry name, so it must not be able to point anywhere else.
  if (typeof key !== 'string' || !/^[A-Za-z0-9_]{1,64}$/.test(key)) return bad(`has storage key ${describe(key)}`);
  if (typeof location !== 'string') return bad(`has location ${describe(location)}`);
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0)
    return bad(`has element count ${describe(numel)}`);
  return new StorageRef(key, STORAGE_DTYPES[type.name], location, numel);
}
