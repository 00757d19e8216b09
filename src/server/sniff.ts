/**
 * Content sniffing for uploads and base64 inputs: what the bytes are (magic numbers), never what
 * the name or the client says. A declared kind, file extension or part Content-Type that disagrees
 * with the content is refused (415), so a renamed file cannot reach a decoder it was not meant for.
 */
import { extname } from 'node:path';
import type { FileKind } from '../preprocess/loaders.ts';
import { soxTypeOf } from '../preprocess/audio/sniff.ts';
import { isIco } from '../preprocess/image/ico.ts';
import { isPnm } from '../preprocess/image/pnm.ts';
import { isTga } from '../preprocess/image/tga.ts';
import { fail } from './http-errors.ts';

export type Format =
  | 'jpeg'
  | 'png'
  | 'gif'
  | 'webp'
  | 'bmp'
  | 'tiff'
  | 'pnm'
  | 'ico'
  | 'tga'
  | 'wav'
  | 'aiff'
  | 'au'
  | 'mp3'
  | 'flac'
  | 'ogg'
  | 'm4a'
  | 'mp4'
  | 'mkv'
  | 'avi'
  | 'npy'
  | 'csv'
  | 'json';

/** Which input kinds each format may feed. */
const KINDS_OF: Record<Format, readonly FileKind[]> = {
  jpeg: ['vision', 'depth', 'thermal'],
  png: ['vision', 'depth', 'thermal'],
  gif: ['vision'],
  webp: ['vision'],
  bmp: ['vision', 'thermal'],
  tiff: ['vision', 'depth', 'thermal'],
  // Netpbm greyscale (PGM) is a common thermal and depth export, as for Pillow.
  pnm: ['vision', 'depth', 'thermal'],
  ico: ['vision'],
  tga: ['vision'],
  wav: ['audio'],
  aiff: ['audio'],
  au: ['audio'],
  mp3: ['audio'],
  flac: ['audio'],
  m4a: ['audio'],
  // Ogg, MP4 and Matroska containers carry sound alone or pictures too; the decoder decides.
  ogg: ['audio', 'video'],
  mp4: ['video', 'audio'],
  mkv: ['video', 'audio'],
  avi: ['video'],
  npy: ['depth', 'imu'],
  csv: ['imu'],
  json: ['imu'],
};

const EXT_FORMAT: Record<string, Format> = {
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.png': 'png',
  '.gif': 'gif',
  '.webp': 'webp',
  '.bmp': 'bmp',
  '.tif': 'tiff',
  '.tiff': 'tiff',
  '.ppm': 'pnm',
  '.pgm': 'pnm',
  '.pbm': 'pnm',
  '.pnm': 'pnm',
  '.ico': 'ico',
  '.tga': 'tga',
  '.wav': 'wav',
  '.aif': 'aiff',
  '.aiff': 'aiff',
  '.aifc': 'aiff',
  '.au': 'au',
  '.snd': 'au',
  '.mp3': 'mp3',
  '.flac': 'flac',
  '.ogg': 'ogg',
  '.oga': 'ogg',
  '.opus': 'ogg',
  '.m4a': 'm4a',
  '.aac': 'm4a',
  '.mp4': 'mp4',
  '.m4v': 'mp4',
  '.mov': 'mp4',
  '.mkv': 'mkv',
  '.webm': 'mkv',
  '.avi': 'avi',
  '.npy': 'npy',
  '.csv': 'csv',
  '.tsv': 'csv',
  '.json': 'json',
};

export const EXTENSION: Record<Format, string> = {
  jpeg: '.jpg',
  png: '.png',
  gif: '.gif',
  webp: '.webp',
  bmp: '.bmp',
  tiff: '.tiff',
  pnm: '.pnm',
  ico: '.ico',
  tga: '.tga',
  wav: '.wav',
  aiff: '.aiff',
  au: '.au',
  mp3: '.mp3',
  flac: '.flac',
  ogg: '.ogg',
  m4a: '.m4a',
  mp4: '.mp4',
  mkv: '.mkv',
  avi: '.avi',
  npy: '.npy',
  csv: '.csv',
  json: '.json',
};

function ascii(b: Uint8Array, at: number, len: number): string {
  return String.fromCharCode(...b.subarray(at, at + len));
}

function isText(b: Uint8Array): boolean {
  const head = b.subarray(0, 4096);
  if (head.length === 0) return false;
  for (const c of head) if (c === 0 || c < 9 || (c > 13 && c < 32 && c !== 27)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(
      head.length < b.length ? head.subarray(0, Math.max(0, head.length - 4)) : head,
    );
    return true;
  } catch {
    return false;
  }
}

/** The format the bytes are, or null when they are nothing this server decodes. */
export function sniff(b: Uint8Array): Format | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && ascii(b, 1, 3) === 'PNG' && b[0] === 0x89) return 'png';
  if (ascii(b, 0, 4) === 'GIF8') return 'gif';
  if (ascii(b, 0, 4) === 'RIFF') {
    const sub = ascii(b, 8, 4);
    if (sub === 'WEBP') return 'webp';
    if (sub === 'WAVE') return 'wav';
    if (sub === 'AVI ') return 'avi';
    return null;
  }
  if (ascii(b, 0, 2) === 'BM' && b.length > 26) return 'bmp';
  if (ascii(b, 0, 4) === 'II*\0' || ascii(b, 0, 4) === 'MM\0*') return 'tiff';
  if (ascii(b, 0, 3) === 'ID3') return 'mp3';
  if (ascii(b, 0, 4) === 'fLaC') return 'flac';
  if (ascii(b, 0, 4) === 'OggS') return 'ogg';
  if (ascii(b, 4, 4) === 'ftyp') return /^(M4A |M4B |F4A )/.test(ascii(b, 8, 4)) ? 'm4a' : 'mp4';
  if (b.length >= 4 && b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return 'mkv';
  if (b.length >= 6 && b[0] === 0x93 && ascii(b, 1, 5) === 'NUMPY') return 'npy';
  // The image and audio decoders' own tests, so an upload is accepted exactly when the CLI would read the file.
  const sox = soxTypeOf(b.subarray(0, 65536));
  if (sox === 'aiff' || sox === 'aifc') return 'aiff';
  if (sox === 'au') return 'au';
  if (isPnm(b)) return 'pnm';
  if (isIco(b)) return 'ico';
  // MPEG audio frame sync (11 set bits) without an ID3 tag; checked after every other binary magic.
  if (b.length >= 4 && b[0] === 0xff && (b[1] & 0xe0) === 0xe0 && (b[1] & 0x06) !== 0) return 'mp3';
  if (isText(b)) {
    const start = new TextDecoder().decode(b.subarray(0, 64)).trimStart();
    if (start.startsWith('{') || start.startsWith('[')) return 'json';
    return 'csv';
  }
  // TGA has no signature (Pillow, too, takes any consistent header): the last guess, after text.
  if (isTga(b)) return 'tga';
  return null;
}

function describeKinds(kinds: readonly FileKind[]): string {
  return kinds.join('/');
}

/**
 * The kind to decode `bytes` as: the declared kind (field name) when the content fits it, else
 * the content's first kind. Throws 415 when the content, the declared kind, the file name's
 * extension or the part's Content-Type disagree.
 */
export function checkContent(
  what: string,
  bytes: Uint8Array,
  declared: FileKind | null,
  filename?: string,
  mimetype?: string,
): { kind: FileKind; format: Format } {
  const format = sniff(bytes);
  if (!format) {
    throw fail(
      'UNSUPPORTED_MEDIA_TYPE',
      `${what}: the content is not a recognised image, audio, video, depth, thermal or IMU format (checked by its bytes, not its name).`,
    );
  }
  const kinds = KINDS_OF[format];
  if (declared && !kinds.includes(declared)) {
    throw fail(
      'UNSUPPORTED_MEDIA_TYPE',
      `${what}: sent as ${declared} but the content is ${format.toUpperCase()} (usable as ${describeKinds(kinds)}); send it under the right field.`,
    );
  }
  const extFormat = filename ? EXT_FORMAT[extname(filename).toLowerCase()] : undefined;
  if (extFormat && !KINDS_OF[extFormat].some((k) => kinds.includes(k))) {
    throw fail(
      'UNSUPPORTED_MEDIA_TYPE',
      `${what}: the name "${filename}" says ${extFormat.toUpperCase()} but the content is ${format.toUpperCase()}; the file is refused.`,
    );
  }
  const family = mimetype?.split('/')[0];
  const mimeOk: Record<string, readonly Format[]> = {
    image: ['jpeg', 'png', 'gif', 'webp', 'bmp', 'tiff', 'pnm', 'ico', 'tga'],
    audio: ['wav', 'aiff', 'au', 'mp3', 'flac', 'ogg', 'm4a', 'mp4', 'mkv'],
    video: ['mp4', 'mkv', 'avi', 'ogg'],
  };
  if (family && mimeOk[family] && !mimeOk[family].includes(format)) {
    throw fail(
      'UNSUPPORTED_MEDIA_TYPE',
      `${what}: declared as ${mimetype} but the content is ${format.toUpperCase()}; the file is refused.`,
    );
  }
  return { kind: declared ?? kinds[0], format };
}

/** A Content-Type for serving a stored file, from its content. */
export function contentTypeOf(format: Format | null): string {
  const map: Record<Format, string> = {
    jpeg: 'image/jpeg',
    png: 'image/png',
    gif: 'image/gif',
    webp: 'image/webp',
    bmp: 'image/bmp',
    tiff: 'image/tiff',
    pnm: 'image/x-portable-anymap',
    ico: 'image/vnd.microsoft.icon',
    tga: 'image/x-tga',
    wav: 'audio/wav',
    aiff: 'audio/aiff',
    au: 'audio/basic',
    mp3: 'audio/mpeg',
    flac: 'audio/flac',
    ogg: 'audio/ogg',
    m4a: 'audio/mp4',
    mp4: 'video/mp4',
    mkv: 'video/webm',
    avi: 'video/x-msvideo',
    npy: 'application/octet-stream',
    csv: 'text/csv; charset=utf-8',
    json: 'application/json',
  };
  return format ? map[format] : 'application/octet-stream';
}
