/**
 * ftfy 6.3.1's `fix_encoding` (mojibake repair): the badness gate, re-encoding in each of ftfy's
 * single-byte encodings (ftfy-codepages.ts) and decoding as UTF-8, `restore_byte_a0`,
 * `replace_lossy_sequences`, the `utf-8-variants` decoder (CESU-8 surrogate pairs and `C0 80`;
 * its handling of a truncated sequence at the very end of the text is not reproduced),
 * `decode_inconsistent_utf8`, and the C1-control fallbacks.
 *
 * Byte strings are handled as "binary strings" (one char per byte, U+0000–U+00FF) so that
 * ftfy's byte regexes can be written as ordinary JS regexes.
 */
import { BADNESS_SOURCE, UTF8_DETECTOR_SOURCE } from './ftfy-data.ts';
import { CODE_PAGES, type CodePage } from './ftfy-codepages.ts';
import { CP1252_C1 } from './html-unescape.ts';

const BADNESS = new RegExp(BADNESS_SOURCE, 'u');
const UTF8_DETECTOR = new RegExp(UTF8_DETECTOR_SOURCE, 'gu');
const C1 = /[\x80-\x9f]/;
const C1_ALL = /[\x80-\x9f]/g;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const UTF8_ENCODER = new TextEncoder();

/** ftfy.badness.is_bad: does the text contain a sequence typical of mojibake? */
export function isBad(text: string): boolean {
  return BADNESS.test(text);
}

interface Encoder {
  readonly page: CodePage;
  readonly bytes: ReadonlyMap<string, number>;
}

// Characters → bytes for each code page, as Python's `str.encode(encoding)` would produce them.
let encoders: Encoder[] | undefined;
function getEncoders(): Encoder[] {
  encoders ??= CODE_PAGES.map((page) => {
    const bytes = new Map<string, number>();
    for (let b = 0; b < 0x80; b++) if (!(page.sloppy && b === 0x1a)) bytes.set(String.fromCharCode(b), b);
    if (page.sloppy) bytes.set('\ufffd', 0x1a);
    for (let i = 0; i < 0x80; i++) bytes.set(page.high[i], 0x80 + i);
    return { page, bytes };
  });
  return encoders;
}

/** The text as a binary string in this code page, or null when a character does not fit. */
function encode(text: string, enc: Encoder): string | null {
  let out = '';
  for (const ch of text) {
    const b = enc.bytes.get(ch);
    if (b === undefined) return null;
    out += String.fromCharCode(b);
  }
  return out;
}

const ALTERED_UTF8 =
  /[\xc2\xc3\xc5\xce\xd0\xd9][ ]|[\xe2\xe3][ ][\x80-\x84\x86-\x9f\xa1-\xbf]|[\xe0-\xe3][\x80-\x84\x86-\x9f\xa1-\xbf][ ]|[\xf0][ ][\x80-\xbf][\x80-\xbf]|[\xf0][\x80-\xbf][ ][\x80-\xbf]|[\xf0][\x80-\xbf][\x80-\xbf][ ]/g;
const A_GRAVE_WORD = /\xc3 (?! |quele|quela|quilo|s )/g;
const LOSSY_UTF8 = new RegExp(
  [
    '[\\xc2-\\xdf][\\x1a]',
    '[\\xc2-\\xc3][?]',
    '\\xed[\\xa0-\\xaf][\\x1a?]\\xed[\\xb0-\\xbf][\\x1a?\\x80-\\xbf]',
    '\\xed[\\xa0-\\xaf][\\x1a?\\x80-\\xbf]\\xed[\\xb0-\\xbf][\\x1a?]',
    '[\\xe0-\\xef][\\x1a?][\\x1a\\x80-\\xbf]',
    '[\\xe0-\\xef][\\x1a\\x80-\\xbf][\\x1a?]',
    '[\\xf0-\\xf4][\\x1a?][\\x1a\\x80-\\xbf][\\x1a\\x80-\\xbf]',
    '[\\xf0-\\xf4][\\x1a\\x80-\\xbf][\\x1a?][\\x1a\\x80-\\xbf]',
    '[\\xf0-\\xf4][\\x1a\\x80-\\xbf][\\x1a\\x80-\\xbf][\\x1a?]',
    '\\x1a',
  ].join('|'),
  'g',
);

/** A UTF-8 sequence whose no-break space (C2 A0 etc.) was flattened to an ASCII space. */
function restoreByteA0(bytes: string): string {
  ALTERED_UTF8.lastIndex = 0;
  if (!ALTERED_UTF8.test(bytes)) return bytes;
  const aGrave = bytes.replace(A_GRAVE_WORD, '\xc3\xa0 ');
  return aGrave.replace(ALTERED_UTF8, (m) => m.replaceAll(' ', '\xa0'));
}

/** Sequences that lost a byte to `?` or U+FFFD become one U+FFFD (EF BF BD). */
function replaceLossySequences(bytes: string): string {
  return bytes.replace(LOSSY_UTF8, '\xef\xbf\xbd');
}

// CESU-8 surrogate pairs and Java's C0 80 NUL, which ftfy's `utf-8-variants` codec accepts.
const CESU_PAIR = /\xed([\xa0-\xaf])([\x80-\xbf])\xed([\xb0-\xbf])([\x80-\xbf])|\xc0\x80/g;

function toStandardUtf8(bytes: string): string {
  return bytes.replace(CESU_PAIR, (_m, a?: string, b?: string, c?: string, d?: string) => {
    if (a === undefined || b === undefined || c === undefined || d === undefined) return '\x00';
    const hi = 0xd000 | ((a.charCodeAt(0) & 0x3f) << 6) | (b.charCodeAt(0) & 0x3f);
    const lo = 0xd000 | ((c.charCodeAt(0) & 0x3f) << 6) | (d.charCodeAt(0) & 0x3f);
    return String.fromCharCode(...UTF8_ENCODER.encode(String.fromCharCode(hi, lo)));
  });
}

function decodeUtf8(bytes: string, variants: boolean): string | null {
  const text = variants ? toStandardUtf8(bytes) : bytes;
  // Latin-1 encoding: each code unit's low byte, as Buffer.from(text, 'latin1') does.
  const raw = Uint8Array.from(text, (ch) => ch.charCodeAt(0) & 0xff);
  try {
    return UTF8.decode(raw);
  } catch {
    return null;
  }
}

function decodeWindows1252Strict(latin1: string): string | null {
  let out = '';
  for (const ch of latin1) {
    const c = ch.charCodeAt(0);
    if (c < 0x80 || c >= 0xa0) out += ch;
    else if (c === 0x81 || c === 0x8d || c === 0x8f || c === 0x90 || c === 0x9d) return null;
    else out += CP1252_C1[c - 0x80];
  }
  return out;
}

/** `ftfy.fixes.fix_c1_controls`: C1 controls read as the Windows-1252 characters they encode. */
export function fixC1Controls(text: string): string {
  return text.replace(C1_ALL, (c) => CP1252_C1[c.charCodeAt(0) - 0x80]);
}

function decodeInconsistentUtf8(text: string): string {
  return text.replace(UTF8_DETECTOR, (sub) => (sub.length < text.length && isBad(sub) ? fixEncoding(sub) : sub));
}

function fixEncodingOneStep(text: string): string {
  if (text.length === 0 || /^[\x00-\x7f]*$/.test(text) || !isBad(text)) return text;
  let latin1: string | null = null;
  for (const enc of getEncoders()) {
    const encoded = encode(text, enc);
    if (encoded === null) continue;
    const { name, sloppy } = enc.page;
    if (name === 'latin-1') latin1 = encoded;
    let bytes = name === 'macroman' ? encoded : restoreByteA0(encoded);
    if (sloppy) bytes = replaceLossySequences(bytes);
    const decoded = decodeUtf8(bytes, bytes.includes('\xed') || bytes.includes('\xc0'));
    if (decoded !== null) return decoded;
  }
  UTF8_DETECTOR.lastIndex = 0;
  if (UTF8_DETECTOR.test(text)) {
    const fixed = decodeInconsistentUtf8(text);
    if (fixed !== text) return fixed;
  }
  if (latin1 !== null) {
    // ftfy looks for "windows-1252" among encodings named "sloppy-…", so this branch always runs.
    const fixed = decodeWindows1252Strict(latin1);
    if (fixed !== null && fixed !== text) return fixed;
  }
  return C1.test(text) ? fixC1Controls(text) : text;
}

/** `ftfy.fix_encoding`: undo UTF-8 read in a single-byte encoding, repeatedly, until stable. */
export function fixEncoding(text: string): string {
  for (;;) {
    const next = fixEncodingOneStep(text);
    if (next === text) return text;
    text = next;
  }
}
