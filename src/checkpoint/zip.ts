/**
 * A read-only zip reader that works by file offsets: it reads the End Of Central Directory, the
 * zip64 locator/record when present, the central directory, and each entry's local header on
 * demand. Offsets are Numbers (exact to 2^53), so archives far beyond 4 GiB work.
 */
import { inflateRawSync } from 'node:zlib';
import { type Limits, limitValue } from '../core/limits.ts';
import { checkpointError, REDOWNLOAD, safeU64 } from './fail.ts';
import type { RandomAccessFile } from './file.ts';
import { type Spill, spillInflated } from './zip-spill.ts';

export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflate. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
/** A central directory this big would mean millions of entries: refuse rather than allocate. */
const MAX_CENTRAL_DIRECTORY = 256 * 1024 * 1024;
/** Deflated entries are inflated whole; only small ones (data.pkl) are expected. */
const MAX_INFLATE = 1024 * 1024 * 1024;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Deflated entries are inflated once, however many tensors share them (torch stores one storage
 * per entry, and many tensors can be views of it): entries up to maxInflateInMemory are kept in
 * memory (the last one only), larger ones are inflated in a stream to an anonymous temporary file
 * and read from there by offset, so memory stays bounded whatever the entry's size.
 */
export class ZipArchive {
  private readonly dataOffsets = new Map<string, number>();
  private lastInflated: { name: string; bytes: Uint8Array } | undefined;
  private readonly spills = new Map<string, Promise<Spill>>();
  private readonly maxInMemory: number;

  private constructor(
    readonly file: RandomAccessFile,
    readonly entries: ReadonlyMap<string, ZipEntry>,
    limits: Pick<Limits, 'maxInflateInMemory'>,
  ) {
    this.maxInMemory = limitValue('maxInflateInMemory', limits.maxInflateInMemory);
  }

  static async open(file: RandomAccessFile, limits: Pick<Limits, 'maxInflateInMemory'> = {}): Promise<ZipArchive> {
    const { cdOffset, cdSize, count } = await readDirectoryLocation(file);
    const cd = await file.read(cdOffset, cdSize, 'the zip central directory');
    return new ZipArchive(file, parseCentralDirectory(cd, count, file), limits);
  }

  /** Releases the temporary files of inflated entries. */
  async close(): Promise<void> {
    const spills = [...this.spills.values()];
    this.spills.clear();
    this.lastInflated = undefined;
    await Promise.all(spills.map((p) => p.then((s) => s.close()).catch(() => undefined)));
  }

  private fail(code: string, problem: string): never {
    throw checkpointError(code, this.file.path, problem, REDOWNLOAD);
  }

  /** File offset of the entry's first data byte (after its local header). */
  async dataOffset(entry: ZipEntry): Promise<number> {
    const cached = this.dataOffsets.get(entry.name);
    if (cached !== undefined) return cached;
    const header = await this.file.read(entry.localHeaderOffset, 30, `the local header of zip entry '${entry.name}'`);
    const v = view(header);
    if (v.getUint32(0, true) !== LOCAL_SIG)
      this.fail('ZIP_CORRUPT', `zip entry '${entry.name}' has no local header at offset ${entry.localHeaderOffset}`);
    const start = entry.localHeaderOffset + 30 + v.getUint16(26, true) + v.getUint16(28, true);
    if (start + entry.compressedSize > this.file.size) {
      this.fail(
        'FILE_TRUNCATED',
        `zip entry '${entry.name}' (${entry.compressedSize} bytes at offset ${start}) runs past the end of the file (${this.file.size} bytes)`,
      );
    }
    this.dataOffsets.set(entry.name, start);
    return start;
  }

  /** Reads `length` bytes of the entry's uncompressed content starting at `start`. */
  async readRange(entry: ZipEntry, start: number, length: number): Promise<Uint8Array> {
    if (start < 0 || length < 0 || start + length > entry.size) {
      this.fail(
        'ZIP_CORRUPT',
        `zip entry '${entry.name}' has ${entry.size} bytes, but bytes ${start}..${start + length} were needed`,
      );
    }
    if (entry.method === 0)
      return this.file.read((await this.dataOffset(entry)) + start, length, `zip entry '${entry.name}'`);
    if (entry.size > this.maxInMemory) {
      let spill = this.spills.get(entry.name);
      if (!spill) {
        spill = this.dataOffset(entry).then((at) => spillInflated(this.file, entry, at));
        this.spills.set(entry.name, spill);
        spill.catch(() => this.spills.delete(entry.name));
      }
      return (await spill).read(start, length);
    }
    if (this.lastInflated?.name !== entry.name)
      this.lastInflated = { name: entry.name, bytes: await this.readAll(entry) };
    return this.lastInflated.bytes.subarray(start, start + length);
  }

  async readAll(entry: ZipEntry): Promise<Uint8Array> {
    const raw = await this.file.read(await this.dataOffset(entry), entry.compressedSize, `zip entry '${entry.name}'`);
    if (entry.method === 0) return raw;
    if (entry.size > MAX_INFLATE)
      this.fail(
        'ZIP_UNSUPPORTED',
        `compressed zip entry '${entry.name}' is too large to inflate (${entry.size} bytes)`,
      );
    let out: Uint8Array;
    try {
      // Native zlib (several times fflate's speed); output past the recorded size is an error.
      const b = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
      // A plain Uint8Array view: Buffer's slice() shares memory, which callers do not expect.
      out = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      return this.fail('ZIP_CORRUPT', `zip entry '${entry.name}' does not inflate (${(e as Error).message})`);
    }
    if (out.length !== entry.size)
      this.fail(
        'ZIP_CORRUPT',
        `zip entry '${entry.name}' inflates to ${out.length} bytes, not the ${entry.size} recorded`,
      );
    return out;
  }
}

interface DirectoryLocation {
  cdOffset: number;
  cdSize: number;
  count: number;
}

async function readDirectoryLocation(file: RandomAccessFile): Promise<DirectoryLocation> {
  const corrupt = (problem: string): never => {
    throw checkpointError('ZIP_CORRUPT', file.path, problem, REDOWNLOAD);
  };
  if (file.size < EOCD_SIZE) corrupt(`is only ${file.size} bytes, too short for a zip archive`);
  const tailLength = Math.min(file.size, EOCD_SIZE + MAX_COMMENT);
  const tailStart = file.size - tailLength;
  const tail = await file.read(tailStart, tailLength, 'the zip end-of-central-directory search window');
  const tv = view(tail);
  let at = -1;
  // Scan backwards; the comment length must reach exactly to the end of the file, which rules out
  // a stray signature inside the comment.
  for (let i = tailLength - EOCD_SIZE; i >= 0; i--) {
    if (tv.getUint32(i, true) === EOCD_SIG && i + EOCD_SIZE + tv.getUint16(i + 20, true) === tailLength) {
      at = i;
      break;
    }
  }
  if (at < 0) corrupt('has no zip end-of-central-directory record (not a complete zip archive)');
  let count = tv.getUint16(at + 10, true);
  let cdSize = tv.getUint32(at + 12, true);
  let cdOffset = tv.getUint32(at + 16, true);
  if (tv.getUint16(at + 4, true) !== 0 || tv.getUint16(at + 6, true) !== 0) {
    throw checkpointError(
      'ZIP_UNSUPPORTED',
      file.path,
      'is a multi-disk (split) zip archive',
      'Join the parts into one file.',
    );
  }
  const eocdOffset = tailStart + at;
  if (eocdOffset >= 20) {
    const loc = view(await file.read(eocdOffset - 20, 20, 'the zip64 end-of-central-directory locator'));
    if (loc.getUint32(0, true) === ZIP64_LOCATOR_SIG) {
      const recOffset = safeU64(loc.getBigUint64(8, true), file.path, 'the zip64 end-of-central-directory offset');
      if (recOffset + 56 > eocdOffset - 20)
        corrupt(`the zip64 end-of-central-directory offset ${recOffset} is not before its locator`);
      const rec = view(await file.read(recOffset, 56, 'the zip64 end-of-central-directory record'));
      if (rec.getUint32(0, true) !== ZIP64_EOCD_SIG)
        corrupt(`no zip64 end-of-central-directory record at offset ${recOffset}`);
      count = safeU64(rec.getBigUint64(32, true), file.path, 'the zip64 entry count');
      cdSize = safeU64(rec.getBigUint64(40, true), file.path, 'the zip64 central directory size');
      cdOffset = safeU64(rec.getBigUint64(48, true), file.path, 'the zip64 central directory offset');
    }
  }
  if (cdSize > MAX_CENTRAL_DIRECTORY) corrupt(`the central directory claims ${cdSize} bytes`);
  if (cdOffset + cdSize > eocdOffset)
    corrupt(
      `the central directory (offset ${cdOffset}, ${cdSize} bytes) overlaps or follows its end record at ${eocdOffset}`,
    );
  if (count * 46 > cdSize) corrupt(`the central directory claims ${count} entries but has only ${cdSize} bytes`);
  return { cdOffset, cdSize, count };
}

function parseCentralDirectory(cd: Uint8Array, count: number, file: RandomAccessFile): Map<string, ZipEntry> {
  const corrupt = (problem: string): never => {
    throw checkpointError('ZIP_CORRUPT', file.path, `zip central directory: ${problem}`, REDOWNLOAD);
  };
  const v = view(cd);
  const entries = new Map<string, ZipEntry>();
  const utf8 = new TextDecoder('utf-8');
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > cd.length) corrupt(`entry ${n} of ${count} runs past its end`);
    if (v.getUint32(p, true) !== CENTRAL_SIG) corrupt(`entry ${n} has a bad signature`);
    const flags = v.getUint16(p + 8, true);
    const method = v.getUint16(p + 10, true);
    let compressedSize = v.getUint32(p + 20, true);
    let size = v.getUint32(p + 24, true);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    let localHeaderOffset = v.getUint32(p + 42, true);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cd.length) corrupt(`entry ${n} runs past its end`);
    const name = utf8.decode(cd.subarray(p + 46, p + 46 + nameLen));
    // Only the fields saturated at 0xFFFFFFFF appear in the zip64 extra, in this fixed order.
    let q = p + 46 + nameLen;
    const extraEnd = q + extraLen;
    while (q + 4 <= extraEnd) {
      const id = v.getUint16(q, true);
      const len = v.getUint16(q + 2, true);
      if (q + 4 + len > extraEnd) corrupt(`entry '${name}' has a malformed extra field`);
      if (id === 0x0001) {
        let f = q + 4;
        const next = (what: string): number => {
          if (f + 8 > q + 4 + len) corrupt(`entry '${name}' has a short zip64 extra field`);
          const value = safeU64(v.getBigUint64(f, true), file.path, `the zip64 ${what} of entry '${name}'`);
          f += 8;
          return value;
        };
        if (size === 0xffffffff) size = next('size');
        if (compressedSize === 0xffffffff) compressedSize = next('compressed size');
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = next('offset');
      }
      q += 4 + len;
    }
    if (flags & 1)
      throw checkpointError(
        'ZIP_UNSUPPORTED',
        file.path,
        `zip entry '${name}' is encrypted`,
        'Save the checkpoint without encryption.',
      );
    if (method !== 0 && method !== 8) {
      throw checkpointError(
        'ZIP_UNSUPPORTED',
        file.path,
        `zip entry '${name}' uses compression method ${method}`,
        'Only stored and deflated entries are supported; save with torch.save.',
      );
    }
    if (method === 0 && compressedSize !== size)
      corrupt(`stored entry '${name}' has different compressed (${compressedSize}) and uncompressed (${size}) sizes`);
    if (localHeaderOffset + 30 + compressedSize > file.size) {
      throw checkpointError(
        'FILE_TRUNCATED',
        file.path,
        `zip entry '${name}' (offset ${localHeaderOffset}, ${compressedSize} bytes) lies beyond the end of the file (${file.size} bytes)`,
        REDOWNLOAD,
      );
    }
    entries.set(name, { name, method, compressedSize, size, localHeaderOffset });
    p = end;
  }
  return entries;
}
