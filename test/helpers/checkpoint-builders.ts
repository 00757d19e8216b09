/**
 * Test-only builders: a tiny pickle writer and a zip writer, so tests can make `.pth` files
 * (including malicious and zip64 ones) without Python. Not used by the library itself.
 */
import { deflateSync } from 'fflate';

/** Emits pickle opcodes; memoizes globals like the real pickler so BINGET paths get exercised. */
export class PickleWriter {
  private readonly out: number[] = [];
  private readonly memo = new Map<string, number>();
  private nextMemo = 0;

  raw(...bytes: number[]): this {
    this.out.push(...bytes);
    return this;
  }
  proto(v = 2): this {
    return this.raw(0x80, v);
  }
  mark(): this {
    return this.raw(0x28);
  }
  stop(): this {
    return this.raw(0x2e);
  }
  emptyDict(): this {
    return this.raw(0x7d);
  }
  emptyTuple(): this {
    return this.raw(0x29);
  }
  tuple(): this {
    return this.raw(0x74);
  }
  setitem(): this {
    return this.raw(0x73);
  }
  setitems(): this {
    return this.raw(0x75);
  }
  reduce(): this {
    return this.raw(0x52);
  }
  build(): this {
    return this.raw(0x62);
  }
  binpersid(): this {
    return this.raw(0x51);
  }
  bool(v: boolean): this {
    return this.raw(v ? 0x88 : 0x89);
  }
  put(): this {
    const slot = this.nextMemo++;
    return slot < 256 ? this.raw(0x71, slot) : this.raw(0x72).u32(slot);
  }

  u32(n: number): this {
    return this.raw(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  }

  str(s: string): this {
    const b = new TextEncoder().encode(s);
    this.raw(0x58).u32(b.length);
    for (const x of b) this.out.push(x);
    return this;
  }

  int(n: number): this {
    if (n >= 0 && n < 256) return this.raw(0x4b, n);
    if (n >= 0 && n < 65536) return this.raw(0x4d, n & 0xff, n >> 8);
    if (n >= -(2 ** 31) && n < 2 ** 31) return this.raw(0x4a).u32(n >>> 0);
    // LONG1 with 8 little-endian two's-complement bytes.
    let v = BigInt.asUintN(64, BigInt(n));
    this.raw(0x8a, 8);
    for (let i = 0; i < 8; i++) {
      this.out.push(Number(v & 0xffn));
      v >>= 8n;
    }
    return this;
  }

  ints(values: readonly number[]): this {
    this.mark();
    for (const v of values) this.int(v);
    return this.tuple();
  }

  global(module: string, name: string): this {
    const key = `${module}\n${name}`;
    const slot = this.memo.get(key);
    if (slot !== undefined) return slot < 256 ? this.raw(0x68, slot) : this.raw(0x6a).u32(slot);
    this.raw(0x63);
    for (const c of `${module}\n${name}\n`) this.out.push(c.charCodeAt(0));
    this.memo.set(key, this.nextMemo);
    return this.put();
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

export interface FakeTensor {
  name: string;
  storage: { key: string; type: string; numel: number };
  offset: number;
  shape: number[];
  stride: number[];
}

/** Pushes `_rebuild_tensor_v2(persistent_load(...), offset, size, stride, False, OrderedDict())`. */
export function writeTensor(w: PickleWriter, t: FakeTensor): PickleWriter {
  w.global('torch._utils', '_rebuild_tensor_v2').mark();
  w.mark()
    .str('storage')
    .global('torch', t.storage.type)
    .str(t.storage.key)
    .str('cpu')
    .int(t.storage.numel)
    .tuple()
    .binpersid();
  w.int(t.offset).ints(t.shape).ints(t.stride).bool(false);
  w.global('collections', 'OrderedDict').emptyTuple().reduce();
  return w.tuple().reduce();
}

/** A pickle shaped like `torch.save(state_dict)`, optionally wrapped as `{wrap: sd, "epoch": 3}`. */
export function stateDictPickle(tensors: readonly FakeTensor[], wrap?: string): Uint8Array {
  const w = new PickleWriter().proto(2);
  if (wrap) w.emptyDict().put().str(wrap);
  w.global('collections', 'OrderedDict').emptyTuple().reduce().put().mark();
  for (const t of tensors) writeTensor(w.str(t.name), t);
  w.setitems();
  // The `_metadata` attribute torch attaches to state dicts, set through BUILD.
  w.emptyDict().str('_metadata').global('collections', 'OrderedDict').emptyTuple().reduce().setitem().build();
  if (wrap) w.setitem().str('epoch').int(3).setitem();
  return w.stop().bytes();
}

let crcTable: Uint32Array | undefined;
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of data) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface ZipInput {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  /** Where the local header goes; default right after the previous entry. Leaves a hole (sparse). */
  at?: number;
}

export interface ZipChunk {
  position: number;
  bytes: Uint8Array;
}

/** Lays out a zip as positioned chunks; `zip64` writes zip64 extras and records for every entry. */
export function layoutZip(entries: readonly ZipInput[], zip64 = false): { chunks: ZipChunk[]; size: number } {
  const chunks: ZipChunk[] = [];
  const central: Uint8Array[] = [];
  let pos = 0;
  for (const e of entries) {
    pos = e.at ?? pos;
    const name = new TextEncoder().encode(e.name);
    const body = e.deflate ? deflateSync(e.data) : e.data;
    const local = new DataView(new ArrayBuffer(30 + name.length));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true);
    local.setUint16(8, e.deflate ? 8 : 0, true);
    local.setUint32(14, crc32(e.data), true);
    local.setUint32(18, zip64 ? 0xffffffff : body.length, true);
    local.setUint32(22, zip64 ? 0xffffffff : e.data.length, true);
    local.setUint16(26, name.length, true);
    const localBytes = new Uint8Array(local.buffer);
    localBytes.set(name, 30);
    chunks.push({ position: pos, bytes: localBytes }, { position: pos + localBytes.length, bytes: body });
    const extra = zip64 ? 28 : 0;
    const cd = new DataView(new ArrayBuffer(46 + name.length + extra));
    cd.setUint32(0, 0x02014b50, true);
    cd.setUint16(4, zip64 ? 45 : 20, true);
    cd.setUint16(6, zip64 ? 45 : 20, true);
    cd.setUint16(10, e.deflate ? 8 : 0, true);
    cd.setUint32(16, crc32(e.data), true);
    cd.setUint32(20, zip64 ? 0xffffffff : body.length, true);
    cd.setUint32(24, zip64 ? 0xffffffff : e.data.length, true);
    cd.setUint16(28, name.length, true);
    cd.setUint16(30, extra, true);
    cd.setUint32(42, zip64 ? 0xffffffff : pos, true);
    new Uint8Array(cd.buffer).set(name, 46);
    if (zip64) {
      const x = 46 + name.length;
      cd.setUint16(x, 0x0001, true);
      cd.setUint16(x + 2, 24, true);
      cd.setBigUint64(x + 4, BigInt(e.data.length), true);
      cd.setBigUint64(x + 12, BigInt(body.length), true);
      cd.setBigUint64(x + 20, BigInt(pos), true);
    }
    central.push(new Uint8Array(cd.buffer));
    pos += localBytes.length + body.length;
  }
  const cdOffset = pos;
  for (const c of central) {
    chunks.push({ position: pos, bytes: c });
    pos += c.length;
  }
  const cdSize = pos - cdOffset;
  const n = entries.length;
  if (zip64) {
    const rec = new DataView(new ArrayBuffer(56 + 20));
    rec.setUint32(0, 0x06064b50, true);
    rec.setBigUint64(4, 44n, true);
    rec.setUint16(12, 45, true);
    rec.setUint16(14, 45, true);
    rec.setBigUint64(24, BigInt(n), true);
    rec.setBigUint64(32, BigInt(n), true);
    rec.setBigUint64(40, BigInt(cdSize), true);
    rec.setBigUint64(48, BigInt(cdOffset), true);
    rec.setUint32(56, 0x07064b50, true);
    rec.setBigUint64(64, BigInt(pos), true);
    rec.setUint32(72, 1, true);
    chunks.push({ position: pos, bytes: new Uint8Array(rec.buffer) });
    pos += 76;
  }
  const eocd = new DataView(new ArrayBuffer(22));
  eocd.setUint32(0, 0x06054b50, true);
  eocd.setUint16(8, zip64 ? 0xffff : n, true);
  eocd.setUint16(10, zip64 ? 0xffff : n, true);
  eocd.setUint32(12, zip64 ? 0xffffffff : cdSize, true);
  eocd.setUint32(16, zip64 ? 0xffffffff : cdOffset, true);
  chunks.push({ position: pos, bytes: new Uint8Array(eocd.buffer) });
  return { chunks, size: pos + 22 };
}

/** A zip as one buffer (for small archives without holes). */
export function buildZip(entries: readonly ZipInput[], zip64 = false): Uint8Array {
  const { chunks, size } = layoutZip(entries, zip64);
  const out = new Uint8Array(size);
  for (const c of chunks) out.set(c.bytes, c.position);
  return out;
}

const bf16Bits = (v: number): number => new Uint32Array(new Float32Array([v]).buffer)[0] >>> 16;

/** Storage contents, keyed like torch's `data/<key>` entries. */
export const STORAGES: Record<string, { type: string; data: ArrayBufferView; numel: number }> = {
  0: { type: 'FloatStorage', data: Float32Array.from({ length: 12 }, (_, i) => i * 1.5), numel: 12 },
  1: { type: 'HalfStorage', data: Uint16Array.from([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x7c00]), numel: 6 },
  2: { type: 'BFloat16Storage', data: Uint16Array.from([1.5, -3.25, 2 ** 100].map(bf16Bits)), numel: 3 },
  3: { type: 'DoubleStorage', data: Float64Array.from([Math.PI, 1e-300, -2.5]), numel: 3 },
  4: { type: 'LongStorage', data: BigInt64Array.from([1n, -2n, 2n ** 62n, 123n]), numel: 4 },
  5: { type: 'IntStorage', data: Int32Array.from([-7, 100000]), numel: 2 },
  6: { type: 'CharStorage', data: Int8Array.from([-3, 4]), numel: 2 },
  7: { type: 'ByteStorage', data: Uint8Array.from([200, 1]), numel: 2 },
  8: { type: 'BoolStorage', data: Uint8Array.from([1, 0, 1]), numel: 3 },
  9: { type: 'ShortStorage', data: Int16Array.from([-300, 300]), numel: 2 },
};

const t = (name: string, key: string, offset: number, shape: number[], stride: number[]): FakeTensor => ({
  name,
  storage: { key, type: STORAGES[key].type, numel: STORAGES[key].numel },
  offset,
  shape,
  stride,
});

export const TENSORS: FakeTensor[] = [
  t('w', '0', 0, [3, 4], [4, 1]),
  t('wT', '0', 0, [4, 3], [1, 4]), // transposed view of the same storage
  t('rows12', '0', 4, [2, 4], [4, 1]), // a slice sharing the storage, with an offset
  t('col1', '0', 1, [3], [4]),
  t('scalar', '0', 7, [], []),
  t('expand', '0', 2, [2, 3], [0, 1]), // stride-0 broadcast
  t('empty', '0', 0, [0, 4], [4, 1]),
  t('half', '1', 0, [2, 3], [3, 1]),
  t('bf16', '2', 0, [3], [1]),
  t('f64', '3', 0, [3], [1]),
  t('ids', '4', 0, [4], [1]),
  t('ids_tail', '4', 2, [2], [1]),
  t('i32', '5', 0, [2], [1]),
  t('i8', '6', 0, [2], [1]),
  t('u8', '7', 0, [2], [1]),
  t('flags', '8', 0, [3], [1]),
  t('i16', '9', 0, [2], [1]),
];

export function torchZip(
  prefix: string,
  pickle: Uint8Array,
  opts: { deflatePickle?: boolean; skip?: string } = {},
): Uint8Array {
  const entries = [{ name: `${prefix}/data.pkl`, data: pickle, deflate: opts.deflatePickle }];
  for (const [key, s] of Object.entries(STORAGES))
    if (key !== opts.skip) entries.push({ name: `${prefix}/data/${key}`, data: bytesOf(s.data), deflate: false });
  entries.push({ name: `${prefix}/version`, data: new TextEncoder().encode('3\n'), deflate: false });
  return buildZip(entries);
}

/** Little-endian bytes of a typed array (the host is little-endian; see open.ts). */
export function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}
