/**
 * The protobuf wire-format writer ONNX's ModelProto needs (varints, length-delimited fields,
 * fixed32 floats), over protobufjs's low-level Writer. serialize.ts still chooses the field
 * numbers and their order, so the bytes (and the model's content hash) do not depend on a schema
 * compiler's field ordering. Messages are built bottom-up; raw tensor data lives in external files.
 */
import protobuf from 'protobufjs/minimal.js';

/** protobufjs takes 64-bit values as {low, high} words; a bigint is split exactly (no float rounding). */
function words(v: number | bigint): protobuf.Long {
  const u = BigInt.asUintN(64, BigInt(v));
  return { low: Number(u & 0xffffffffn) | 0, high: Number(u >> 32n) | 0, unsigned: true } as protobuf.Long;
}

export class ProtoWriter {
  private readonly w = protobuf.Writer.create();

  private tag(field: number, wire: number): void {
    this.w.uint32((field << 3) | wire);
  }

  int(field: number, v: number | bigint): this {
    this.tag(field, 0);
    this.w.uint64(words(v));
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, 5);
    this.w.float(v);
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, 2);
    this.w.bytes(data);
    return this;
  }

  string(field: number, s: string): this {
    this.tag(field, 2);
    this.w.string(s);
    return this;
  }

  message(field: number, w: ProtoWriter): this {
    return this.bytes(field, w.finish());
  }

  /** Packed repeated int64 (ONNX readers accept packed and unpacked encodings). */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    this.tag(field, 2);
    this.w.fork();
    for (const v of values) this.w.uint64(words(v));
    this.w.ldelim();
    return this;
  }

  packedFloats(field: number, values: readonly number[]): this {
    this.tag(field, 2);
    this.w.fork();
    for (const v of values) this.w.float(v);
    this.w.ldelim();
    return this;
  }

  finish(): Uint8Array {
    return this.w.finish();
  }
}
