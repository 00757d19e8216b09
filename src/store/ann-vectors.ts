/**
 * The float32 vectors that quantised graphs (f16, i8; ann-precision.ts) re-score their candidates
 * with, in one flat file beside the graphs (`<db>.ann/vectors-<tag>.f32`). Reading a candidate is
 * one pread of dim × 4 bytes. From SQLite the same vector costs a walk along its vec0 chunk's
 * overflow pages, and through the store's mmap every page walked stays in the search process's
 * RSS: at 1M × 1024-d that alone took i8's peak RSS from 1.3 GiB of graphs to 3.1 GiB.
 *
 * The file holds the store's vectors as of one store version (recorded in state.json beside it).
 * Its owner reads ids changed after that version from SQLite instead (ann-index.ts).
 *
 * Layout, little-endian: magic "IBVF", u32 format, u32 dim, u32 count; count × dim float32 vectors
 * in the order written; count float64 ids, ascending; count u32 slots (the vector of each id).
 */
import { closeSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';

const MAGIC = 0x46564249; // "IBVF"
const FORMAT = 1;
const HEADER_BYTES = 16;
/** Vectors gathered before one write: 1 MiB at 1024-d keeps the writer's memory flat. */
const WRITE_BATCH = 256;

/** Streams vectors into a new file; `finish` adds the sorted id table and the header, then renames it into place. */
export class RescoreVectorsWriter {
  private readonly fd: number;
  private readonly tmp: string;
  private readonly ids: number[] = [];
  private buffer: Buffer;
  private buffered = 0;
  private offset = HEADER_BYTES;

  constructor(
    private readonly path: string,
    private readonly dim: number,
  ) {
    this.tmp = `${path}.tmp`;
    this.fd = openSync(this.tmp, 'w');
    this.buffer = Buffer.alloc(WRITE_BATCH * dim * 4);
  }

  /** One stored unit vector, as SQLite's blob (float32 little-endian). */
  add(id: number, embedding: Uint8Array): void {
    if (embedding.byteLength !== this.dim * 4)
      throw new RangeError(`vector ${id} has ${embedding.byteLength} bytes, expected ${this.dim * 4}`);
    this.buffer.set(embedding, this.buffered * this.dim * 4);
    this.ids.push(id);
    if (++this.buffered === WRITE_BATCH) this.flush();
  }

  private flush(): void {
    const bytes = this.buffered * this.dim * 4;
    if (bytes > 0) writeSync(this.fd, this.buffer, 0, bytes, this.offset);
    this.offset += bytes;
    this.buffered = 0;
  }

  /** Completes the file under its final name; returns how many vectors it holds. */
  finish(): number {
    try {
      this.flush();
      const n = this.ids.length;
      const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => this.ids[a] - this.ids[b]);
      const sortedIds = Float64Array.from(order, (slot) => this.ids[slot]);
      writeSync(this.fd, new Uint8Array(sortedIds.buffer), 0, sortedIds.byteLength, this.offset);
      writeSync(this.fd, new Uint8Array(order.buffer), 0, order.byteLength, this.offset + sortedIds.byteLength);
      const header = new DataView(new ArrayBuffer(HEADER_BYTES));
      header.setUint32(0, MAGIC, true);
      header.setUint32(4, FORMAT, true);
      header.setUint32(8, this.dim, true);
      header.setUint32(12, n, true);
      writeSync(this.fd, new Uint8Array(header.buffer), 0, HEADER_BYTES, 0);
      closeSync(this.fd);
      renameSync(this.tmp, this.path);
      return n;
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Drops the partial file. */
  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    rmSync(this.tmp, { force: true });
  }
}

/** Random access to a finished file: the id table in memory (12 bytes per vector), vectors by pread. */
export class RescoreVectors {
  private constructor(
    private readonly fd: number,
    private readonly dim: number,
    private readonly ids: Float64Array,
    private readonly slots: Uint32Array,
  ) {}

  /** The file at `path` for `dim`-d vectors; null when it is missing, truncated or of another shape. */
  static open(path: string, dim: number): RescoreVectors | null {
    let fd = -1;
    try {
      fd = openSync(path, 'r');
      const header = Buffer.alloc(HEADER_BYTES);
      if (readSync(fd, header, 0, HEADER_BYTES, 0) !== HEADER_BYTES) throw new Error('short header');
      if (header.readUInt32LE(0) !== MAGIC || header.readUInt32LE(4) !== FORMAT || header.readUInt32LE(8) !== dim)
        throw new Error('not a vectors file of this shape');
      const n = header.readUInt32LE(12);
      const tableAt = HEADER_BYTES + n * dim * 4;
      const ids = new Float64Array(n);
      const slots = new Uint32Array(n);
      if (readSync(fd, new Uint8Array(ids.buffer), 0, ids.byteLength, tableAt) !== ids.byteLength)
        throw new Error('short id table');
      if (
        readSync(fd, new Uint8Array(slots.buffer), 0, slots.byteLength, tableAt + ids.byteLength) !== slots.byteLength
      )
        throw new Error('short slot table');
      return new RescoreVectors(fd, dim, ids, slots);
    } catch {
      if (fd >= 0) closeSync(fd);
      return null;
    }
  }

  get size(): number {
    return this.ids.length;
  }

  /** The vector stored for `id`, or null when the file has none. */
  get(id: number): Float32Array | null {
    let lo = 0;
    let hi = this.ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.ids[mid];
      if (v === id) {
        const out = new Float32Array(this.dim);
        const bytes = this.dim * 4;
        const at = HEADER_BYTES + this.slots[mid] * bytes;
        return readSync(this.fd, new Uint8Array(out.buffer), 0, bytes, at) === bytes ? out : null;
      }
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return null;
  }

  close(): void {
    closeSync(this.fd);
  }
}
