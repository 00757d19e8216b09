/**
 * PNG chunk walk with CRC verification. PIL raises on a bad chunk CRC, while libspng (inside
 * sharp) only reports some of them depending on its settings, so we check first and give one
 * clear error instead of a decoder-specific message.
 */
import { mediaError } from './errors.ts';

let table: Uint32Array | undefined;
function crcTable(): Uint32Array {
  if (table) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

export function crc32(bytes: Uint8Array): number {
  const t = crcTable();
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One chunk as written to a file: length, type, data, CRC of type + data. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Throws IMAGE_CORRUPT on a CRC mismatch and IMAGE_TRUNCATED when a chunk runs past the end. */
export function verifyPngChunks(b: Uint8Array, source: string): void {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let pos = 8;
  while (pos < b.length) {
    if (pos + 8 > b.length) break; // trailing bytes after IEND-less data: libspng reports it
    const len = view.getUint32(pos);
    const type = String.fromCharCode(...b.subarray(pos + 4, pos + 8));
    const end = pos + 8 + len + 4;
    if (end > b.length) {
      throw mediaError(
        'IMAGE_TRUNCATED',
        source,
        `PNG is truncated (chunk '${type}' at byte ${pos} needs ${len} bytes)`,
        'The file was cut off; re-download or re-export it.',
      );
    }
    const stored = view.getUint32(pos + 8 + len);
    if (crc32(b.subarray(pos + 4, pos + 8 + len)) !== stored) {
      throw mediaError(
        'IMAGE_CORRUPT',
        source,
        `PNG is corrupt: chunk '${type}' at byte ${pos} fails its CRC check`,
        'The file is damaged; re-download or re-export it.',
      );
    }
    if (type === 'IEND') return;
    pos = end;
  }
  throw mediaError(
    'IMAGE_TRUNCATED',
    source,
    'PNG is truncated (no IEND chunk)',
    'The file was cut off; re-download or re-export it.',
  );
}
