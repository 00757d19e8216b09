/**
 * WAV decoder (RIFF little-endian, RIFX big-endian, RF64) with the sample values of the official
 * loader, torchaudio 0.13's sox_io back end, which reads through libsox's 32-bit integer samples:
 *  - uint8 (x-128)/128, int16 /2^15, int24 /2^23 (exact in libsox's path);
 *  - int32 and float samples come back through libsox's SOX_SAMPLE_TO_FLOAT_32BIT, which rounds
 *    the 32-bit sample to 24 bits: y = ((s + 64) & ~127) / 2^31, and 1.0 for s > 2^31 - 65;
 *  - float32 becomes s by SOX_FLOAT_32BIT_TO_SAMPLE (x·2^31 truncated toward zero, clipped to the
 *    int32 range) and float64 by SOX_FLOAT_64BIT_TO_SAMPLE (rounded half away from zero, clipped),
 *    so samples beyond ±1 are clipped to ±1 as the official tensors are. Checked bit for bit
 *    against torchaudio 0.13.1 + libsox 14.4.2 on 80k random samples per encoding.
 *
 * Length policy: a `data` size of 0xFFFFFFFF (streamed writers) or an RF64 placeholder means
 * "up to the end of the file". A header that claims more bytes than the file holds is an error
 * (`AUDIO_WAV_TRUNCATED`) unless the shortfall is less than one sample frame, which only cuts a
 * partial frame that could never be decoded anyway. Silently using a fraction of a damaged file
 * would give embeddings of a different sound without anyone noticing.
 *
 * The header is parsed on its own (parseWavHeader, which works on the first bytes of a file and
 * its total size), so the audio limits are checked before any sample is read or allocated.
 */
import { MediaError } from '../../core/errors.ts';
import { type AudioLimits, checkAudioBudget } from './budget.ts';

/** Decoded audio: one Float32Array per channel, all of equal length. */
export interface DecodedAudio {
  readonly sampleRate: number;
  readonly channels: Float32Array[];
}

export interface WavDecodeOptions {
  /** Overrides of maxSampleRate, maxAudioSeconds and maxAudioBytes (core/limits.ts). */
  readonly limits?: AudioLimits;
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;
const UNKNOWN_SIZE = 0xffffffff;

export interface WavFormat {
  readonly tag: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly blockAlign: number;
  readonly bits: number;
}

/** Where the samples are: `frames` whole frames from byte `dataStart`. */
export interface WavLayout {
  readonly format: WavFormat;
  readonly little: boolean;
  readonly dataStart: number;
  readonly frames: number;
}

type Fail = (code: string, what: string, todo: string) => never;

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
}

/** True when the bytes start like a WAV file (so callers can route other formats to ffmpeg). */
export function looksLikeWav(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const id = fourcc(bytes, 0);
  return id === 'RIFF' || id === 'RIFX' || id === 'RF64';
}

/**
 * Parses the header from `head`, the first bytes of a file of `total` bytes. Returns the layout,
 * or `{ need }` when a structure the header needs lies past `head` (then call again with at
 * least `need` bytes). With the whole file (`total === head.length`) it never asks for more.
 */
export function parseWavHeader(head: Uint8Array, total: number, source = '<buffer>'): WavLayout | { need: number } {
  const fail: Fail = (code, what, todo) => {
    throw new MediaError(code, `${source}: ${what}. ${todo}`);
  };
  if (total === 0) fail('AUDIO_FILE_EMPTY', 'the file is empty (0 bytes)', 'Check that it was written completely.');
  if (!looksLikeWav(head)) {
    fail(
      'AUDIO_NOT_WAV',
      'not a WAV file (no RIFF/RIFX/RF64 signature)',
      'Use a WAV file, or decode other formats with ffmpeg installed.',
    );
  }
  if (total < 12)
    fail('AUDIO_WAV_TRUNCATED', `truncated WAV header (${total} bytes)`, 'The file is incomplete; re-export it.');
  if (head.length < 12) return { need: 12 };
  if (fourcc(head, 8) !== 'WAVE')
    fail('AUDIO_NOT_WAV', `RIFF file of type '${fourcc(head, 8)}', not WAVE`, 'Use a WAV audio file.');
  const little = fourcc(head, 0) !== 'RIFX';
  const rf64 = fourcc(head, 0) === 'RF64';
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);

  let fmt: WavFormat | undefined;
  let dataStart = -1;
  let dataSize = 0;
  let ds64DataSize: number | undefined;
  let pos = 12;
  while (pos + 8 <= total) {
    if (pos + 8 > head.length) return { need: pos + 8 };
    const id = fourcc(head, pos);
    const size = view.getUint32(pos + 4, little);
    const body = pos + 8;
    if (id === 'data') {
      dataStart = body;
      dataSize = size;
      // Chunks after `data` (e.g. trailing LIST) are of no interest; a streamed size cannot be skipped.
      if (size === UNKNOWN_SIZE || (rf64 && ds64DataSize !== undefined) || fmt) break;
    } else if (body + size > total) {
      fail(
        'AUDIO_WAV_TRUNCATED',
        `the '${id}' chunk at byte ${pos} runs past the end of the file`,
        'The file is incomplete; re-export it.',
      );
    } else if (id === 'fmt ' || (id === 'ds64' && size >= 16)) {
      if (body + size > head.length) return { need: body + size };
      if (id === 'fmt ') fmt = parseFmt(view, body, size, little, fail);
      else ds64DataSize = view.getUint32(body + 8, true) + view.getUint32(body + 12, true) * 2 ** 32;
    }
    pos = body + size + (size & 1); // chunks are word-aligned: odd sizes carry a pad byte
  }
  if (!fmt)
    fail(
      'AUDIO_WAV_TRUNCATED',
      "no 'fmt ' chunk before the end of the file (truncated header?)",
      'The file is incomplete or not a valid WAV; re-export it.',
    );
  const f = fmt as WavFormat;
  if (dataStart < 0)
    fail('AUDIO_WAV_TRUNCATED', "no 'data' chunk (truncated file?)", 'The file is incomplete; re-export it.');

  const available = total - dataStart;
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
  return { format: f, little, dataStart, frames: Math.floor(declared / f.blockAlign) };
}

/** Decodes WAV bytes; `source` names the file in error messages. */
export function decodeWav(bytes: Uint8Array, source = '<buffer>', opts: WavDecodeOptions = {}): DecodedAudio {
  const layout = parseWavHeader(bytes, bytes.length, source) as WavLayout;
  const { format: f } = layout;
  checkAudioBudget(layout.frames, f.channels, f.sampleRate, source, opts.limits);
  const out = Array.from({ length: f.channels }, () => new Float32Array(layout.frames));
  decodeWavFrames(bytes.subarray(layout.dataStart), layout, out, 0);
  return { sampleRate: f.sampleRate, channels: out };
}

/** Decodes the whole frames in `data` (raw sample bytes) into `out` from frame `at` on; returns the frames decoded. */
export function decodeWavFrames(data: Uint8Array, layout: WavLayout, out: Float32Array[], at: number): number {
  const f = layout.format;
  const frames = Math.min(Math.floor(data.length / f.blockAlign), out[0].length - at);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const width = f.blockAlign / f.channels;
  const read = sampleReader(view, f.tag, width, layout.little);
  for (let i = 0, p = 0; i < frames; i++) {
    for (let c = 0; c < f.channels; c++, p += width) out[c][at + i] = read(p);
  }
  return frames;
}

function parseFmt(view: DataView, at: number, size: number, little: boolean, fail: Fail): WavFormat {
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
      'Supported: PCM 8/16/24/32-bit and IEEE float 32/64; other encodings are decoded through sox or ffmpeg when installed.',
    );
  }
  return { tag, channels, sampleRate, blockAlign, bits };
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const TWO31 = 2147483648;

/** libsox's SOX_SAMPLE_TO_FLOAT_32BIT: the 32-bit sample rounded to 24 bits, scaled to [-1, 1]. */
export function soxSampleToFloat(s: number): number {
  return s > INT32_MAX - 64 ? 1 : ((s + 64) & ~127) / TWO31;
}

/** libsox's SOX_FLOAT_32BIT_TO_SAMPLE: x·2^31 truncated toward zero, clipped (NaN reads as INT32_MIN, as the x86 conversion gives). */
export function soxFloat32ToSample(x: number): number {
  const d = x * TWO31;
  if (d < INT32_MIN || Number.isNaN(d)) return INT32_MIN;
  return d >= TWO31 ? INT32_MAX : Math.trunc(d);
}

/** libsox's SOX_FLOAT_64BIT_TO_SAMPLE: x·2^31 rounded half away from zero, clipped. */
export function soxFloat64ToSample(x: number): number {
  const d = x * TWO31;
  if (Number.isNaN(d)) return INT32_MIN;
  if (d < 0) return d <= INT32_MIN - 0.5 ? INT32_MIN : Math.trunc(d - 0.5);
  return d >= INT32_MAX + 0.5 ? INT32_MAX : Math.trunc(d + 0.5);
}

function sampleReader(v: DataView, tag: number, width: number, le: boolean): (p: number) => number {
  if (tag === FORMAT_FLOAT) {
    return width === 4
      ? (p) => soxSampleToFloat(soxFloat32ToSample(v.getFloat32(p, le)))
      : (p) => soxSampleToFloat(soxFloat64ToSample(v.getFloat64(p, le)));
  }
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
      return (p) => soxSampleToFloat(v.getInt32(p, le));
  }
}
