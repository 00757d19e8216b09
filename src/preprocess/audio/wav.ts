/**
 * WAV decoder (RIFF little-endian, RIFX big-endian, RF64) with the sample scaling of
 * `torchaudio.load(normalize=True)`: uint8 (x-128)/128, int16 /2^15, int24 /2^23, int32 /2^31,
 * float32/float64 as stored (float64 is narrowed to float32, as torchaudio returns float32).
 *
 * Length policy: a `data` size of 0xFFFFFFFF (streamed writers) or an RF64 placeholder means
 * "up to the end of the file". A header that claims more bytes than the file holds is an error
 * (`AUDIO_WAV_TRUNCATED`) unless the shortfall is less than one sample frame, which only cuts a
 * partial frame that could never be decoded anyway. Silently using a fraction of a damaged file
 * would give embeddings of a different sound without anyone noticing.
 */
import { MediaError } from '../../core/errors.ts';

/** Decoded audio: one Float32Array per channel, all of equal length. */
export interface DecodedAudio {
  readonly sampleRate: number;
  readonly channels: Float32Array[];
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;
const UNKNOWN_SIZE = 0xffffffff;

interface Format {
  tag: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bits: number;
}

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
}

/** True when the bytes start like a WAV file (so callers can route other formats to ffmpeg). */
export function looksLikeWav(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const id = fourcc(bytes, 0);
  return id === 'RIFF' || id === 'RIFX' || id === 'RF64';
}

/** Decodes WAV bytes; `source` names the file in error messages. */
export function decodeWav(bytes: Uint8Array, source = '<buffer>'): DecodedAudio {
  const fail = (code: string, what: string, todo: string): never => {
    throw new MediaError(code, `${source}: ${what}. ${todo}`);
  };
  if (bytes.length === 0)
    fail('AUDIO_FILE_EMPTY', 'the file is empty (0 bytes)', 'Check that it was written completely.');
  if (!looksLikeWav(bytes)) {
    fail(
      'AUDIO_NOT_WAV',
      'not a WAV file (no RIFF/RIFX/RF64 signature)',
      'Use a WAV file, or decode other formats with ffmpeg installed.',
    );
  }
  if (bytes.length < 12)
    fail(
      'AUDIO_WAV_TRUNCATED',
      `truncated WAV header (${bytes.length} bytes)`,
      'The file is incomplete; re-export it.',
    );
  if (fourcc(bytes, 8) !== 'WAVE')
    fail('AUDIO_NOT_WAV', `RIFF file of type '${fourcc(bytes, 8)}', not WAVE`, 'Use a WAV audio file.');
  const little = fourcc(bytes, 0) !== 'RIFX';
  const rf64 = fourcc(bytes, 0) === 'RF64';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  let fmt: Format | undefined;
  let dataStart = -1;
  let dataSize = 0;
  let ds64DataSize: number | undefined;
  let pos = 12;
  while (pos + 8 <= bytes.length) {
    const id = fourcc(bytes, pos);
    const size = view.getUint32(pos + 4, little);
    const body = pos + 8;
    if (id === 'data') {
      dataStart = body;
      dataSize = size;
      // Chunks after `data` (e.g. trailing LIST) are of no interest; a streamed size cannot be skipped.
      if (size === UNKNOWN_SIZE || (rf64 && ds64DataSize !== undefined) || fmt) break;
    } else if (body + size > bytes.length) {
      fail(
        'AUDIO_WAV_TRUNCATED',
        `the '${id}' chunk at byte ${pos} runs past the end of the file`,
        'The file is incomplete; re-export it.',
      );
    } else if (id === 'fmt ') {
      fmt = parseFmt(view, body, size, little, fail);
    } else if (id === 'ds64' && size >= 16) {
      ds64DataSize = view.getUint32(body + 8, true) + view.getUint32(body + 12, true) * 2 ** 32;
    }
    pos = body + size + (size & 1); // chunks are word-aligned: odd sizes carry a pad byte
  }
  if (!fmt)
    fail(
      'AUDIO_WAV_TRUNCATED',
      "no 'fmt ' chunk before the end of the file (truncated header?)",
      'The file is incomplete or not a valid WAV; re-export it.',
    );
  const f = fmt as Format;
  if (dataStart < 0)
    fail('AUDIO_WAV_TRUNCATED', "no 'data' chunk (truncated file?)", 'The file is incomplete; re-export it.');

  const available = bytes.length - dataStart;
  let declared = rf64 && ds64DataSize !== undefined && dataSize === UNKNOWN_SIZE ? ds64DataSize : dataSize;
  if (declared === UNKNOWN_SIZE) declared = available;
  if (declared > available) {
    if (declared - available >= f.blockAlign) {
      fail(
        'AUDIO_WAV_TRUNCATED',
        `the header declares ${declared} bytes of audio but only ${available} are present (the header lies about the length, or the file is truncated)`,
        'Re-export or repair the file (e.g. `ffmpeg -i in.wav out.wav`).',
      );
    }
    declared = available;
  }
  const frames = Math.floor(declared / f.blockAlign);
  return { sampleRate: f.sampleRate, channels: decodeSamples(view, dataStart, frames, f, little) };
}

function parseFmt(
  view: DataView,
  at: number,
  size: number,
  little: boolean,
  fail: (code: string, what: string, todo: string) => never,
): Format {
  if (size < 16)
    fail('AUDIO_WAV_TRUNCATED', `'fmt ' chunk is only ${size} bytes`, 'The header is damaged; re-export the file.');
  let tag = view.getUint16(at, little);
  const channels = view.getUint16(at + 2, little);
  const sampleRate = view.getUint32(at + 4, little);
  const blockAlign = view.getUint16(at + 12, little);
  const bits = view.getUint16(at + 14, little);
  if (tag === FORMAT_EXTENSIBLE) {
    if (size < 40)
      fail(
        'AUDIO_WAV_TRUNCATED',
        'WAVE_FORMAT_EXTENSIBLE header is too short',
        'The header is damaged; re-export the file.',
      );
    tag = view.getUint16(at + 24, little); // first two bytes of the sub-format GUID are the format tag
  }
  if (channels === 0 || sampleRate === 0 || blockAlign === 0) {
    fail(
      'AUDIO_WAV_INVALID',
      `invalid format (channels ${channels}, rate ${sampleRate} Hz, block ${blockAlign} bytes)`,
      'The header is damaged; re-export the file.',
    );
  }
  const bytesPer = blockAlign / channels;
  const ok =
    Number.isInteger(bytesPer) &&
    (tag === FORMAT_PCM ? bytesPer >= 1 && bytesPer <= 4 : tag === FORMAT_FLOAT && (bytesPer === 4 || bytesPer === 8));
  if (!ok) {
    fail(
      'AUDIO_WAV_UNSUPPORTED',
      `unsupported WAV encoding (format tag 0x${tag.toString(16)}, ${bits} bits, ${bytesPer} bytes per sample)`,
      'Supported: PCM 8/16/24/32-bit and IEEE float 32/64; other encodings are decoded through ffmpeg when it is installed.',
    );
  }
  return { tag, channels, sampleRate, blockAlign, bits };
}

function decodeSamples(view: DataView, start: number, frames: number, f: Format, little: boolean): Float32Array[] {
  const out = Array.from({ length: f.channels }, () => new Float32Array(frames));
  const width = f.blockAlign / f.channels;
  const read = sampleReader(view, f.tag, width, little);
  for (let i = 0, p = start; i < frames; i++) {
    for (let c = 0; c < f.channels; c++, p += width) out[c][i] = read(p);
  }
  return out;
}

function sampleReader(v: DataView, tag: number, width: number, le: boolean): (p: number) => number {
  if (tag === FORMAT_FLOAT) return width === 4 ? (p) => v.getFloat32(p, le) : (p) => v.getFloat64(p, le);
  switch (width) {
    case 1:
      return (p) => (v.getUint8(p) - 128) / 128;
    case 2:
      return (p) => v.getInt16(p, le) / 32768;
    case 3:
      return le
        ? (p) => (v.getUint8(p) | (v.getUint8(p + 1) << 8) | (v.getInt8(p + 2) << 16)) / 8388608
        : (p) => ((v.getInt8(p) << 16) | (v.getUint8(p + 1) << 8) | v.getUint8(p + 2)) / 8388608;
    default:
      return (p) => v.getInt32(p, le) / 2147483648;
  }
}
