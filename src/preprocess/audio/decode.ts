/**
 * Audio file → channels x samples, the way the official loader (torchaudio 0.13, sox_io back end)
 * gets them:
 *  - WAV (PCM 8/16/24/32, float 32/64) in TypeScript (wav.ts), bit-exact with libsox;
 *  - every other format libsox reads (MP3 via libmad, Ogg Vorbis, FLAC, AIFF, AU, WAV encodings
 *    wav.ts does not decode, ...) through the `sox` command, as 32-bit integer samples converted
 *    with libsox's own SOX_SAMPLE_TO_FLOAT_32BIT, so decoder delay, padding and rounding are
 *    libsox's (see sniff.ts for the routing);
 *  - what sox cannot read (AAC/M4A, Opus, the sound of a video) through `ffmpeg`, as torchaudio
 *    falls back to ffmpeg too. Without `sox` installed, its formats go to ffmpeg as well (close,
 *    not identical: MP3 and Vorbis decoders differ in delay handling).
 * Each file's decoder is logged under IMAGEBIND_DEBUG (`--debug`). Every path checks the audio
 * limits (budget.ts) from the header before it allocates, and caps what a child process may send.
 */
import { open } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { debugLog } from '../../core/debug.ts';
import { ImageBindError, MediaError } from '../../core/errors.ts';
import { limitError, limitValue } from '../../core/limits.ts';
import { type AudioLimits, checkAudioBudget, checkSampleRate } from './budget.ts';
import { withTempInput } from '../temp-input.ts';
import { runTool } from './run-tool.ts';
import { type SoxType, soxTypeOf } from './sniff.ts';
import { type DecodedAudio, decodeWavFrames, parseWavHeader, soxSampleToFloat, type WavLayout } from './wav.ts';

export interface DecodeOptions {
  /** Kill sox/ffmpeg/ffprobe after this long (default 120 s). */
  timeoutMs?: number;
  ffmpegPath?: string;
  ffprobePath?: string;
  soxPath?: string;
  /** Overrides of maxSampleRate, maxAudioSeconds and maxAudioBytes (core/limits.ts). */
  limits?: AudioLimits;
  /** @deprecated use limits.maxAudioBytes; kept for callers written before the limits table. */
  maxDecodedBytes?: number;
}

/** Which decoder produced a waveform (for --debug and tests). */
export type AudioDecoder = 'wav' | 'sox' | 'ffmpeg';
export type DecodedAudioFile = DecodedAudio & { readonly decoder: AudioDecoder };

const HEAD_BYTES = 64 * 1024;
/** A WAV whose fmt chunk lies further in than this is refused rather than read whole. */
const MAX_WAV_HEADER = 16 * 1024 * 1024;
/** WAV samples are read and converted this many bytes at a time. */
const WAV_CHUNK = 4 * 1024 * 1024;

function limitsOf(opts: DecodeOptions): AudioLimits {
  return { ...opts.limits, maxAudioBytes: opts.limits?.maxAudioBytes ?? opts.maxDecodedBytes };
}

/** The most bytes of 4-byte samples a child may send: the bytes limit, or the seconds limit at `rate`. */
function streamCap(rate: number, channels: number, limits: AudioLimits): number {
  const seconds = limitValue('maxAudioSeconds', limits.maxAudioSeconds);
  // One second of slack, so an over-long stream is measured (and named) by checkAudioBudget.
  return Math.min(limitValue('maxAudioBytes', limits.maxAudioBytes), Math.ceil((seconds + 1) * rate) * channels * 4);
}

/** A decoder sent more than streamCap allows: name the limit it passed. */
function overCap(bytes: number, channels: number, rate: number, path: string, limits: AudioLimits): never {
  checkAudioBudget(Math.floor(bytes / (4 * channels)), channels, rate, path, limits);
  const max = limitValue('maxAudioBytes', limits.maxAudioBytes);
  throw limitError(MediaError, 'maxAudioBytes', path, `more than ${bytes}`, max, 'Trim the file.');
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return lines.length ? lines[lines.length - 1] : 'no message';
}

/** Interleaved 4-byte samples → one Float32Array per channel; `conv` maps each raw sample. */
function deinterleave(bytes: Buffer, channels: number, read: (v: DataView, at: number) => number): Float32Array[] {
  const frames = Math.floor(bytes.length / (4 * channels));
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  for (let i = 0, p = 0; i < frames; i++) for (let c = 0; c < channels; c++, p += 4) out[c][i] = read(v, p);
  return out;
}

function checkStreamFormat(path: string, tool: string, rate: number, channels: number): void {
  if (!(Number.isInteger(rate) && rate > 0 && Number.isInteger(channels) && channels > 0 && channels <= 1024)) {
    throw new MediaError(
      'AUDIO_UNSUPPORTED',
      `${path}: ${tool} reports rate ${rate} and ${channels} channels. Re-encode it (e.g. ffmpeg -i in out.wav).`,
    );
  }
}

/** Decodes any format ffmpeg can read, at its native rate and channel count. */
export async function decodeWithFfmpeg(path: string, opts: DecodeOptions = {}): Promise<DecodedAudioFile> {
  const timeout = opts.timeoutMs ?? 120_000;
  const limits = limitsOf(opts);
  // The file: protocol keeps names like 'http://x' or 'concat:a|b' from being read as URLs.
  const input = `file:${resolvePath(path)}`;
  const probe = await runTool(
    opts.ffprobePath ?? 'ffprobe',
    [
      '-v',
      'error',
      '-select_streams',
      'a:0',
      '-show_entries',
      'stream=sample_rate,channels',
      '-of',
      'json',
      '-i',
      input,
    ],
    { timeoutMs: timeout, path, maxBytes: 1 << 20 },
  );
  if (probe.code !== 0) {
    throw new MediaError(
      'AUDIO_UNSUPPORTED',
      `${path}: not a readable audio or video file (ffprobe: ${lastLine(probe.stderr)}). Use WAV, MP3, FLAC, OGG, M4A or a video with sound.`,
    );
  }
  let stream: { sample_rate?: string; channels?: number } | undefined;
  try {
    stream = (JSON.parse(probe.stdout.toString('utf8')) as { streams?: { sample_rate?: string; channels?: number }[] })
      .streams?.[0];
  } catch {
    stream = undefined;
  }
  if (!stream)
    throw new MediaError('AUDIO_NO_STREAM', `${path}: the file has no audio stream. Use a file that contains sound.`);
  const rate = Number(stream.sample_rate);
  const channels = Number(stream.channels);
  checkStreamFormat(path, 'ffprobe', rate, channels);
  checkSampleRate(rate, path, limits);
  // -ar/-ac pin the output to the probed values (a no-op normally; guards against decoders that
  // change layout mid-stream, which would otherwise misalign the interleaved samples).
  const dec = await runTool(
    opts.ffmpegPath ?? 'ffmpeg',
    [
      ...['-nostdin', '-v', 'error', '-i', input, '-map', '0:a:0', '-f', 'f32le', '-acodec', 'pcm_f32le'],
      ...['-ar', String(rate), '-ac', String(channels), '-'],
    ],
    { timeoutMs: timeout, path, maxBytes: streamCap(rate, channels, limits) },
  );
  if (dec.tooBig) overCap(dec.bytesSeen, channels, rate, path, limits);
  if (dec.code !== 0) {
    throw new MediaError(
      'AUDIO_DECODE_FAILED',
      `${path}: ffmpeg could not decode the audio (${lastLine(dec.stderr)}). Check the file or re-encode it.`,
    );
  }
  const out = deinterleave(dec.stdout, channels, (v, p) => v.getFloat32(p, true));
  checkAudioBudget(out[0].length, channels, rate, path, limits);
  return { sampleRate: rate, channels: out, decoder: 'ffmpeg' };
}

/** The input file's rate, channels and (when known) length in samples per channel, from `sox -V3`'s stderr. */
function parseSoxHeader(text: string): { rate: number; channels: number; samples?: number } | undefined {
  const at = text.indexOf('Input File');
  const end = text.indexOf('Output File', at);
  if (at < 0 || end < 0) return undefined;
  const block = text.slice(at, end);
  const field = (name: string): string | undefined => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(block)?.[1];
  const samples = /=\s*(\d+)\s+samples/.exec(field('Duration') ?? '')?.[1];
  return {
    rate: Number(field('Sample Rate')),
    channels: Number(field('Channels')),
    samples: samples === undefined ? undefined : Number(samples),
  };
}

/**
 * Decodes a file libsox reads (`type` is its libsox format) as the official loader does: libsox's
 * 32-bit samples, then SOX_SAMPLE_TO_FLOAT_32BIT. Throws SOX_NOT_FOUND when `sox` is missing.
 */
export async function decodeWithSox(path: string, type: SoxType, opts: DecodeOptions = {}): Promise<DecodedAudioFile> {
  const limits = limitsOf(opts);
  // An absolute path: sox reads '-x' as an option, '|cmd' as a pipe from a command and URLs through wget.
  const input = resolvePath(path);
  // -V3 prints the input's header to stderr before decoding starts: the limits are checked on it
  // there (and sox stopped), then again on what was actually decoded. -D: never dither.
  let header: ReturnType<typeof parseSoxHeader>;
  const dec = await runTool(
    opts.soxPath ?? 'sox',
    ['-D', '-V3', '-t', type, input, '-t', 'raw', '-e', 'signed-integer', '-b', '32', '-L', '-'],
    {
      timeoutMs: opts.timeoutMs ?? 120_000,
      path,
      maxBytes: limitValue('maxAudioBytes', limits.maxAudioBytes),
      watchStderr: (text) => {
        if (header) return;
        header = parseSoxHeader(text);
        if (!header) return;
        checkStreamFormat(path, 'sox', header.rate, header.channels);
        if (header.samples) checkAudioBudget(header.samples, header.channels, header.rate, path, limits);
        else checkSampleRate(header.rate, path, limits);
      },
    },
  );
  if (dec.code !== 0 && !dec.tooBig && /no handler for (given )?file type/i.test(dec.stderr)) {
    // sox without this format's library (Debian: libsox-fmt-all missing).
    throw new MediaError(
      'SOX_NOT_FOUND',
      `${path}: this sox cannot read ${type} files (install libsox-fmt-all): ${lastLine(dec.stderr)}.`,
    );
  }
  if (dec.code !== 0 && !dec.tooBig) {
    throw new MediaError(
      'AUDIO_DECODE_FAILED',
      `${path}: sox could not decode this ${type} file (${lastLine(dec.stderr.replace(/^sox INFO.*$/gm, ''))}). Check the file or re-encode it.`,
    );
  }
  header ??= parseSoxHeader(dec.stderr);
  if (!header) {
    throw new MediaError('AUDIO_DECODE_FAILED', `${path}: sox did not report the audio format. Check the file.`);
  }
  const { rate, channels } = header;
  checkStreamFormat(path, 'sox', rate, channels);
  if (dec.tooBig) overCap(dec.bytesSeen, channels, rate, path, limits);
  const out = deinterleave(dec.stdout, channels, (v, p) => soxSampleToFloat(v.getInt32(p, true)));
  checkAudioBudget(out[0].length, channels, rate, path, limits);
  return { sampleRate: rate, channels: out, decoder: 'sox' };
}

/** sox for its formats, else (or when sox is not installed) ffmpeg. */
async function decodeExternal(path: string, type: SoxType | undefined, opts: DecodeOptions): Promise<DecodedAudioFile> {
  if (type !== undefined) {
    try {
      const r = await decodeWithSox(path, type, opts);
      debugLog('audio', `${path}: decoded by sox (libsox format '${type}')`);
      return r;
    } catch (e) {
      if (!(e instanceof ImageBindError && e.code === 'SOX_NOT_FOUND')) throw e;
      debugLog('audio', `${path}: sox cannot read ${type} here (${e.message}); decoding it with ffmpeg instead`);
    }
  }
  const r = await decodeWithFfmpeg(path, opts);
  debugLog('audio', `${path}: decoded by ffmpeg`);
  return r;
}

/** Reads a WAV by its header first: limits are checked before the samples are read, which then come in chunks. */
/** Reads `length` bytes at `position` into the start of `buf`; answers how many it read. */
type ReadAt = (buf: Uint8Array, length: number, position: number) => Promise<number>;

/** Decodes a WAV from a file or a buffer, reading its samples a chunk at a time through `read`. */
async function decodeWavFrom(
  path: string,
  read: ReadAt,
  size: number,
  head: Uint8Array,
  opts: DecodeOptions,
): Promise<DecodedAudio> {
  let parsed = parseWavHeader(head, size, path);
  while ('need' in parsed) {
    if (parsed.need > MAX_WAV_HEADER) {
      throw new MediaError(
        'AUDIO_WAV_INVALID',
        `${path}: the WAV header reaches past its first ${MAX_WAV_HEADER} bytes (huge chunks before 'fmt '/'data'). Re-export the file.`,
      );
    }
    const more = new Uint8Array(Math.min(size, Math.max(parsed.need, head.length * 4)));
    await read(more, more.length, 0);
    head = more;
    parsed = parseWavHeader(head, size, path);
  }
  const layout: WavLayout = parsed;
  const f = layout.format;
  checkAudioBudget(layout.frames, f.channels, f.sampleRate, path, limitsOf(opts));
  const out = Array.from({ length: f.channels }, () => new Float32Array(layout.frames));
  const framesPerChunk = Math.max(1, Math.floor(WAV_CHUNK / f.blockAlign));
  const buf = new Uint8Array(framesPerChunk * f.blockAlign);
  for (let done = 0; done < layout.frames;) {
    const want = Math.min(framesPerChunk, layout.frames - done) * f.blockAlign;
    const bytesRead = await read(buf, want, layout.dataStart + done * f.blockAlign);
    if (bytesRead < want)
      throw new MediaError('AUDIO_WAV_TRUNCATED', `${path}: the file ended early (it changed while being read?).`);
    done += decodeWavFrames(buf.subarray(0, want), layout, out, done);
  }
  return { sampleRate: f.sampleRate, channels: out };
}

/** Whether the TypeScript WAV reader takes a file with this head (wav.ts names a too-short RIFF's fault). */
function isWavHead(type: SoxType | undefined, head: Uint8Array, size: number): boolean {
  const riff = String.fromCharCode(...head.subarray(0, 4));
  // A RIFF/RIFX/RF64 file too short to name its type is a broken WAV (wav.ts says so); other RIFF types (AVI) are not audio files.
  return type === 'wav' || (['RIFF', 'RIFX', 'RF64'].includes(riff) && size < 12);
}

/** wav.ts's answer, or null for a WAVE encoding it does not decode (µ-law, ADPCM, ...): libsox reads those. */
async function tryWav(
  path: string,
  read: ReadAt,
  size: number,
  head: Uint8Array,
  opts: DecodeOptions,
): Promise<DecodedAudioFile | null> {
  try {
    const r = await decodeWavFrom(path, read, size, head, opts);
    debugLog('audio', `${path}: decoded by the TypeScript WAV reader`);
    return { ...r, decoder: 'wav' };
  } catch (e) {
    if (!(e instanceof ImageBindError && e.code === 'AUDIO_WAV_UNSUPPORTED')) throw e;
    return null;
  }
}

function emptyFile(path: string): MediaError {
  return new MediaError(
    'AUDIO_FILE_EMPTY',
    `${path}: the file is empty (0 bytes). Check that it was written completely.`,
  );
}

/**
 * Decodes an audio file's bytes; `name` stands for the input in messages. WAV is read from memory;
 * other formats go to sox or ffmpeg through a temp file, as those tools read files.
 */
export async function decodeAudioBytes(
  bytes: Uint8Array,
  name: string,
  opts: DecodeOptions = {},
): Promise<DecodedAudioFile> {
  if (bytes.length === 0) throw emptyFile(name);
  const head = bytes.slice(0, HEAD_BYTES);
  const type = soxTypeOf(head);
  if (isWavHead(type, head, bytes.length)) {
    const read: ReadAt = async (buf, length, position) => {
      const part = bytes.subarray(position, position + length);
      buf.set(part);
      return part.length;
    };
    const r = await tryWav(name, read, bytes.length, head, opts);
    if (r) return r;
  }
  return withTempInput(bytes, name, (path) => decodeExternal(path, type, opts));
}

/** Reads and decodes an audio file; every failure is a `MediaError` naming the file. */
export async function decodeAudioFile(path: string, opts: DecodeOptions = {}): Promise<DecodedAudioFile> {
  let fh: import('node:fs/promises').FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new MediaError('FILE_NOT_FOUND', `${path}: no such file. Check the path.`, { cause: e });
    throw new MediaError('FILE_UNREADABLE', `${path}: cannot read file (${(e as Error).message}).`, { cause: e });
  }
  let type: SoxType | undefined;
  try {
    let size: number;
    let head: Uint8Array;
    try {
      const st = await fh.stat();
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      size = st.size;
      head = new Uint8Array(Math.min(size, HEAD_BYTES));
      await fh.read(head, 0, head.length, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EISDIR')
        throw new MediaError('FILE_UNREADABLE', `${path}: is a directory, not an audio file.`, { cause: e });
      throw new MediaError('FILE_UNREADABLE', `${path}: cannot read file (${(e as Error).message}).`, { cause: e });
    }
    if (size === 0) throw emptyFile(path);
    type = soxTypeOf(head);
    if (isWavHead(type, head, size)) {
      const read: ReadAt = async (buf, length, position) => (await fh.read(buf, 0, length, position)).bytesRead;
      const r = await tryWav(path, read, size, head, opts);
      if (r) return r;
    }
  } finally {
    await fh.close();
  }
  return decodeExternal(path, type, opts);
}
