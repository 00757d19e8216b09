/**
 * Graph IR → ONNX ModelProto bytes. Field numbers follow onnx/onnx.proto (IR version 8).
 * Checkpoint-backed initializers are written as external data: `locate(name)` says where each
 * one's bytes were placed in the weights file.
 */
import type { Attr, ElemType, Graph, IODef, InitializerDef } from '../graph.ts';
import { ProtoWriter } from './protobuf.ts';

const ELEM: Record<ElemType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
};
const ATTR_TYPE = { float: 1, int: 2, string: 3, floats: 6, ints: 7 } as const;

export interface ExternalLocation {
  readonly file: string;
  readonly offset: number;
  readonly length: number;
}

export interface SerializeOptions {
  readonly locate: (init: InitializerDef) => ExternalLocation;
  readonly opsetVersion: number;
  readonly extraOpsets?: readonly { domain: string; version: number }[];
  readonly docString?: string;
  readonly producerVersion: string;
}

function attribute(name: string, a: Attr): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  switch (a.kind) {
    case 'float':
      w.float(2, a.v);
      break;
    case 'int':
      w.int(3, a.v);
      break;
    case 'string':
      w.string(4, a.v);
      break;
    case 'floats':
      w.packedFloats(7, a.v);
      break;
    case 'ints':
      w.packedInts(8, a.v);
      break;
  }
  return w.int(20, ATTR_TYPE[a.kind]);
}

function valueInfo(io: IODef): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of io.shape) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, ELEM[io.dtype]).message(2, shape);
  return new ProtoWriter().string(1, io.name).message(2, new ProtoWriter().message(1, tensorType));
}

function initializer(init: InitializerDef, opts: SerializeOptions): ProtoWriter {
  const w = new ProtoWriter();
  if (init.shape.length > 0) w.packedInts(1, init.shape);
  w.int(2, ELEM[init.dtype]).string(8, init.name);
  if (init.source.kind === 'inline') {
    const d = init.source.data;
    w.bytes(9, new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    return w;
  }
  const loc = opts.locate(init);
  const entry = (k: string, v: string) => new ProtoWriter().string(1, k).string(2, v);
  w.message(13, entry('location', loc.file));
  w.message(13, entry('offset', String(loc.offset)));
  w.message(13, entry('length', String(loc.length)));
  return w.int(14, 1);
}

export function serializeModel(graph: Graph, opts: SerializeOptions): Uint8Array {
  const g = new ProtoWriter();
  for (const n of graph.nodes) {
    const node = new ProtoWriter();
    for (const i of n.inputs) node.string(1, i);
    for (const o of n.outputs) node.string(2, o);
    node.string(3, n.name).string(4, n.opType);
    for (const [k, a] of Object.entries(n.attrs)) node.message(5, attribute(k, a));
    if (n.domain) node.string(7, n.domain);
    g.message(1, node);
  }
  g.string(2, graph.name);
  for (const init of graph.initializers) g.message(5, initializer(init, opts));
  for (const i of graph.inputs) g.message(11, valueInfo(i));
  for (const o of graph.outputs) g.message(12, valueInfo(o));

  const m = new ProtoWriter().int(1, 8).string(2, 'imagebind-ts').string(3, opts.producerVersion);
  if (opts.docString) m.string(6, opts.docString);
  m.message(7, g);
  m.message(8, new ProtoWriter().string(1, '').int(2, opts.opsetVersion));
  for (const o of opts.extraOpsets ?? []) m.message(8, new ProtoWriter().string(1, o.domain).int(2, o.version));
  return m.finish();
}
