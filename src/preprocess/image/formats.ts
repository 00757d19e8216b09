/**
 * Format detection by magic bytes, never by file extension: a text file named `.jpg` must be
 * reported as "not an image", and a mislabelled PNG should still load (PIL also sniffs).
 */
import { mediaError } from './errors.ts';

export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'bmp';

const startsWith = (b: Uint8Array, sig: readonly number[], at = 0): boolean =>
  b.length >= at + sig.length && sig.every((v, i) => b[at + i] === v);
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** Names formats we recognise but do not decode, for a more helpful message. */
function describeUnsupported(b: Uint8Array): string {
  const head = new TextDecoder('latin1').decode(b.subarray(0, 256)).trimStart().toLowerCase();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return 'an SVG (vector) image';
  if (startsWith(b, ascii('ftyp'), 4)) {
    const brand = new TextDecoder('latin1').decode(b.subarray(8, 12));
    if (/^(heic|heix|hevc|heim|heis|mif1|msf1)/.test(brand)) return 'a HEIC/HEIF image';
    if (/^avi[fs]/.test(brand)) return 'an AVIF image';
    return `an ISO media file (brand '${brand}')`;
  }
  if (startsWith(b, ascii('%PDF'))) return 'a PDF document';
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04])) return 'a ZIP archive';
  if (startsWith(b, [0x93, ...ascii('NUMPY')])) return 'a NumPy .npy array';
  if (startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WAVE'), 8)) return 'a WAV audio file';
  const printable = b
    .subarray(0, 512)
    .every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 128);
  return printable ? 'a text file' : 'not a recognised image format';
}

/** Returns the container format or throws IMAGE_EMPTY / IMAGE_UNSUPPORTED_FORMAT. */
export function sniffImageFormat(b: Uint8Array, source: string): ImageFormat {
  if (b.length === 0)
    throw mediaError('IMAGE_EMPTY', source, 'file is empty (0 bytes)', 'Re-export or re-download the image.');
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(b, ascii('GIF87a')) || startsWith(b, ascii('GIF89a'))) return 'gif';
  if (startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WEBP'), 8)) return 'webp';
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(b, ascii('BM'))) return 'bmp';
  throw mediaError(
    'IMAGE_UNSUPPORTED_FORMAT',
    source,
    `unsupported image format: the content is ${describeUnsupported(b)}`,
    'Supported: JPEG, PNG, WebP, GIF (first frame), TIFF, BMP. Convert the file, e.g. `ffmpeg -i in -frames:v 1 out.png`.',
  );
}
