/**
 * The values a restricted unpickle can produce. Nothing here can run code: globals are inert
 * names, and the only "calls" build plain descriptor objects (see torch-globals.ts).
 */
import type { StoredDType } from './types.ts';

/** An allow-listed `module.name` reference, resolved but never executed. */
export class PyGlobal {
  readonly kind = 'global';
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A dict (or OrderedDict); insertion order is kept. `state` holds what BUILD attached (e.g. `_metadata`). */
export class PyDict {
  readonly kind = 'dict';
  readonly items = new Map<PyKey, PyValue>();
  state: PyValue | undefined;
}

/** `persistent_load(('storage', torch.XStorage, key, location, numel))`: a pointer into `<prefix>/data/<key>`. */
export class StorageRef {
  readonly kind = 'storage';
  constructor(
    readonly key: string,
    readonly dtype: StoredDType,
    readonly location: string,
    readonly numel: number,
  ) {}
}

/** `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`: a (possibly strided) view of a storage. */
export class TensorRef {
  readonly kind = 'tensor';
  constructor(
    readonly storage: StorageRef,
    readonly storageOffset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}
}

/** Python tuples are frozen arrays; lists are plain (mutable) arrays. */
export type PyTuple = readonly PyValue[];
export type PyKey = string | number | bigint | boolean | null | PyValue;
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyTuple
  | PyDict
  | PyGlobal
  | StorageRef
  | TensorRef;

export function isTuple(v: PyValue | undefined): v is PyTuple {
  return Array.isArray(v) && Object.isFrozen(v);
}

export function isList(v: PyValue | undefined): v is PyValue[] {
  return Array.isArray(v) && !Object.isFrozen(v);
}

/** A short, safe description of a value for error messages. */
export function describe(v: PyValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'None';
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
  if (typeof v !== 'object') return String(v);
  if (v instanceof Uint8Array) return `bytes(${v.length})`;
  if (isTuple(v)) return `tuple of ${v.length}`;
  if (isList(v)) return `list of ${v.length}`;
  if (v instanceof PyGlobal) return v.qualified;
  return (v as PyDict | StorageRef | TensorRef).kind;
}
