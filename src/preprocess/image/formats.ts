/**
 * Format detection by magic bytes, never by file extension: a text file named `.jpg` must be
 * reported as "not an image", and a mislabelled PNG should still load (PIL also sniffs).
 */
import { mediaError } from './errors.ts';
import { isIco } from './ico.ts';
import { isPnm } from './pnm.ts';
import { isTga } from './tga.ts';

export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'bmp' | 'pnm' | 'tga' | 'ico';

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
  if (startsWith(b, ascii('8BPS'))) return 'a Photoshop (PSD) image';
  if (startsWith(b, ascii('icns'))) return 'a macOS icon (ICNS)';
  if (startsWith(b, ascii('P7'))) return 'a PAM (P7) netpbm image';
  if (startsWith(b, ascii('PF')) || startsWith(b, ascii('Pf'))) return 'a PFM float image (use it as a depth map)';
  if (startsWith(b, [0x0a]) && b.length > 3 && b[1] <= 5 && b[2] === 1) return 'a PCX image';
  if (startsWith(b, ascii('#define'))) return 'an XBM bitmap';
  if (startsWith(b, [0x01, 0xda])) return 'an SGI image';
  if (startsWith(b, [0xff, 0x4f, 0xff, 0x51]) || startsWith(b, [0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20]))
    return 'a JPEG 2000 image';
  if (startsWith(b, ascii('DDS '))) return 'a DirectDraw surface (DDS)';
  if (startsWith(b, ascii('qoif'))) return 'a QOI image';
  if (startsWith(b, ascii('%!PS'))) return 'a PostScript/EPS document';
  if (startsWith(b, ascii('#?RADIANCE')) || startsWith(b, ascii('#?RGBE'))) return 'a Radiance HDR image';
  if (startsWith(b, [0x76, 0x2f, 0x31, 0x01])) return 'an OpenEXR image';
  if (startsWith(b, ascii('SIMPLE  ='))) return 'a FITS image';
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
  if (isPnm(b)) return 'pnm';
  if (isIco(b)) return 'ico';
  // TGA has no signature; Pillow, too, takes any file whose header is consistent.
  if (isTga(b)) return 'tga';
  throw mediaError(
    'IMAGE_UNSUPPORTED_FORMAT',
    source,
    `unsupported image format: the content is ${describeUnsupported(b)}`,
    'Supported: JPEG, PNG, WebP, GIF (first frame), TIFF, BMP, PPM/PGM/PBM, ICO, TGA. Convert the file, e.g. `ffmpeg -i in -frames:v 1 out.png`.',
  );
}
