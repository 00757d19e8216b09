/**
 * Removes a JPEG's Exif (APP1) segments, so that decoders which always honour the Exif orientation
 * (browsers' createImageBitmap, whatever `imageOrientation` says) hand back the pixels as stored,
 * which is what Pillow's `Image.open` and so the official pipeline use. Everything else (including
 * ICC profiles) is kept byte for byte; input that is not a well-formed JPEG header comes back as is.
 */
const SOI = 0xd8;
const SOS = 0xda;
const EOI = 0xd9;
const APP1 = 0xe1;
const EXIF_ID = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]; // "Exif\0\0"

function isExif(bytes: Uint8Array, at: number, end: number): boolean {
  if (end - at < EXIF_ID.length) return false;
  return EXIF_ID.every((b, i) => bytes[at + i] === b);
}

export function stripJpegExif(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== SOI) return bytes;
  const keep: [number, number][] = [[0, 2]];
  let pos = 2;
  let stripped = false;
  while (pos + 1 < bytes.length) {
    if (bytes[pos] !== 0xff) return bytes;
    let m = pos + 1;
    while (m < bytes.length && bytes[m] === 0xff) m++; // fill bytes before a marker
    if (m >= bytes.length) return bytes;
    const marker = bytes[m];
    if (marker === SOS || marker === EOI) {
      keep.push([pos, bytes.length]);
      break;
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      keep.push([pos, m + 1]);
      pos = m + 1;
      continue;
    }
    if (m + 2 >= bytes.length) return bytes;
    const length = (bytes[m + 1] << 8) | bytes[m + 2];
    const end = m + 1 + length;
    if (length < 2 || end > bytes.length) return bytes;
    if (marker === APP1 && isExif(bytes, m + 3, end)) stripped = true;
    else keep.push([pos, end]);
    pos = end;
  }
  if (!stripped) return bytes;
  const out = new Uint8Array(keep.reduce((n, [a, b]) => n + b - a, 0));
  let o = 0;
  for (const [a, b] of keep) {
    out.set(bytes.subarray(a, b), o);
    o += b - a;
  }
  return out;
}
