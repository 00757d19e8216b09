/**
 * Reads where an ONNX model's external initializers live (file, offset, length), so a graph
 * variant rebuilt from the same blocks (dense-graph.ts) can point at the weights file a model
 * directory already has instead of writing the weights again. A minimal protobuf wire-format
 * reader over ModelProto → GraphProto → TensorProto (field numbers from onnx/onnx.proto).
 */
import { ConfigError } from '../../core/errors.ts';
import type { ExternalLocation } from './serialize.ts';

export interface ExternalInitializer extends ExternalLocation {
  readonly dataType: number;
  readonly dims: readonly number[];
}

interface Field {
  readonly field: number;
  readonly wire: number;
  /** Varint value (wire 0) or the payload's [start, end) (wire 2). */
  readonly value: number;
  readonly start: number;
  readonly end: number;
}

function* fields(buf: Uint8Array, start: number, end: number, where: string): Generator<Field> {
  let p = start;
  const varint = (): number => {
    let result = 0,
      mul = 1;
    for (let i = 0; i < 10; i++) {
      if (p >= end) throw new ConfigError('MODEL_GRAPH_INVALID', `${where}: truncated protobuf varint.`);
      const b = buf[p++];
      result += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) return result;
    }
    throw new ConfigError('MODEL_GRAPH_INVALID', `${where}: protobuf varint longer than 10 bytes.`);
  };
  while (p < end) {
    const key = varint();
    const field = Math.floor(key / 8),
      wire = key & 7;
    if (wire === 0) yield { field, wire, value: varint(), start: 0, end: 0 };
    else if (wire === 2) {
      const len = varint();
      if (p + len > end) throw new ConfigError('MODEL_GRAPH_INVALID', `${where}: protobuf field overruns its message.`);
      yield { field, wire, value: len, start: p, end: p + len };
      p += len;
    } else if (wire === 5) p += 4;
    else if (wire === 1) p += 8;
    else throw new ConfigError('MODEL_GRAPH_INVALID', `${where}: unsupported protobuf wire type ${wire}.`);
  }
}

const text = new TextDecoder();

function packedVarints(buf: Uint8Array, f: Field, where: string): number[] {
  const out: number[] = [];
  // A packed field is a run of varints: re-read it as fields of a synthetic "field 0, wire 0" stream.
  let p = f.start;
  while (p < f.end) {
    let v = 0,
      mul = 1,
      b: number;
    do {
      if (p >= f.end) throw new ConfigError('MODEL_GRAPH_INVALID', `${where}: truncated packed dims.`);
      b = buf[p++];
      v += (b & 0x7f) * mul;
      mul *= 128;
    } while (b >= 0x80);
    out.push(v);
  }
  return out;
}

function tensor(buf: Uint8Array, start: number, end: number, where: string): [string, ExternalInitializer] | null {
  let name = '',
    dataType = 0,
    external = false;
  const dims: number[] = [];
  const entries = new Map<string, string>();
  for (const f of fields(buf, start, end, where)) {
    if (f.field === 1) {
      if (f.wire === 0) dims.push(f.value);
      else dims.push(...packedVarints(buf, f, where));
    } else if (f.field === 2 && f.wire === 0) dataType = f.value;
    else if (f.field === 8 && f.wire === 2) name = text.decode(buf.subarray(f.start, f.end));
    else if (f.field === 14 && f.wire === 0) external = f.value === 1;
    else if (f.field === 13 && f.wire === 2) {
      let k = '',
        v = '';
      for (const e of fields(buf, f.start, f.end, where)) {
        if (e.field === 1) k = text.decode(buf.subarray(e.start, e.end));
        if (e.field === 2) v = text.decode(buf.subarray(e.start, e.end));
      }
      entries.set(k, v);
    }
  }
  if (!external) return null;
  const file = entries.get('location') ?? '';
  const offset = Number(entries.get('offset') ?? 0);
  const length = Number(entries.get('length') ?? NaN);
  return [name, { file, offset, length, dataType, dims }];
}

/** Every external initializer of an ONNX model, by name. */
export function readExternalLocations(model: Uint8Array, where: string): Map<string, ExternalInitializer> {
  const out = new Map<string, ExternalInitializer>();
  for (const m of fields(model, 0, model.length, where)) {
    if (m.field !== 7 || m.wire !== 2) continue;
    for (const g of fields(model, m.start, m.end, where)) {
      if (g.field !== 5 || g.wire !== 2) continue;
      const t = tensor(model, g.start, g.end, where);
      if (t) out.set(t[0], t[1]);
    }
  }
  return out;
}
