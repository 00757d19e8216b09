import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MediaError } from '../../core/errors.ts';
import { decodeWav } from './wav.ts';
import { encodeWav, type WavEncodeOptions } from './wav-encode.ts';

/** Integer codes scaled to exact float values for a given bit depth. */
function codes(bits: number, values: number[]): Float32Array {
  return Float32Array.from(values, (v) => v / 2 ** (bits - 1));
}

/** Array.from without -0 (negating a zero code gives -0, which deepEqual tells apart from 0). */
function plain(a: ArrayLike<number>): number[] {
  return Array.from(a, (v) => v + 0);
}

function isMediaError(code: string, name?: RegExp) {
  return (e: unknown) => e instanceof MediaError && e.code === code && (!name || name.test(e.message));
}

test('PCM 8/16/24-bit, RIFF and RIFX decode to torchaudio-scaled samples', () => {
  const cases: [string, WavEncodeOptions, Float32Array][] = [
    ['u8', { bits: 8 }, codes(8, [-128, -1, 0, 1, 127])],
    ['s16', { bits: 16 }, codes(16, [-32768, -1, 0, 1, 32767, 12345])],
    ['s24', { bits: 24 }, codes(24, [-8388608, -1, 0, 1, 8388607, -4242424])],
    ['s16 RIFX', { bits: 16, bigEndian: true }, codes(16, [-32768, -2, 5, 32767])],
    ['s24 RIFX', { bits: 24, bigEndian: true }, codes(24, [-8388608, -3, 7, 8388607])],
  ];
  for (const [name, opts, left] of cases) {
    const right = left.map((v) => -v / 2);
    const d = decodeWav(encodeWav([left, right], 22050, opts), name);
    assert.equal(d.sampleRate, 22050, name);
    assert.equal(d.channels.length, 2, name);
    assert.deepEqual(plain(d.channels[0]), plain(left), name);
    // Halving loses the lowest bit for odd codes; the decoder must reproduce what was quantised.
    const full = 2 ** ((opts.bits ?? 16) - 1);
    const expectRight = right.map((v) => Math.max(-1, Math.min(1, Math.round(v * full) / full)));
    assert.deepEqual(plain(d.channels[1]), plain(expectRight), name);
  }
});

test('int32 and float WAVs give what torchaudio 0.13 (sox_io) gives: 24-bit rounding, floats clipped to ±1', () => {
  // Expected values printed by torchaudio.load (0.13.1, libsox 14.4.2) for the same files.
  const s32 = codes(32, [-2147483648, -1, 0, 1, 2147483520, -77777777]);
  const floats = Float32Array.from([-1.5, -0.25, 0, 1e-9, 0.75, 2]);
  const cases: [string, WavEncodeOptions, Float32Array, number[], number[]][] = [
    [
      's32',
      { bits: 32 },
      s32,
      [-1, 0, 0, 0, 0.9999999403953552, -0.036218106746673584],
      [0.5, 0, 0, 0, -0.4999999403953552, 0.018109023571014404],
    ],
    ['f32', { format: 'float', bits: 32 }, floats, [-1, -0.25, 0, 0, 0.75, 1], [0.75, 0.125, 0, 0, -0.375, -1]],
    ['f64', { format: 'float', bits: 64 }, floats, [-1, -0.25, 0, 0, 0.75, 1], [0.75, 0.125, 0, 0, -0.375, -1]],
  ];
  for (const [name, opts, left, wantLeft, wantRight] of cases) {
    const d = decodeWav(encodeWav([left, left.map((v) => -v / 2)], 22050, opts), name);
    assert.deepEqual(plain(d.channels[0]), wantLeft, name);
    assert.deepEqual(plain(d.channels[1]), wantRight, name);
  }
  // NaN and ±Inf: libsox's conversion gives -1, 1, -1 (x86), and so do we.
  const odd = decodeWav(encodeWav([Float32Array.from([NaN, Infinity, -Infinity, 0.5])], 16000, { format: 'float' }));
  assert.deepEqual(plain(odd.channels[0]), [-1, 1, -1, 0.5]);
});

test('WAVE_FORMAT_EXTENSIBLE, 5 channels and odd-sized chunks before data', () => {
  const chans = Array.from({ length: 5 }, (_, c) => codes(16, [c, -c, 100 * c, 7]));
  const list = { id: 'LIST', body: new TextEncoder().encode('INFOISFT\x05\x00\x00\x00abcde') }; // odd: 17 bytes
  const junk = { id: 'junk', body: new Uint8Array(3) };
  for (const opts of [
    { extensible: true },
    { extensible: true, format: 'float' as const },
    { extraChunks: [list, junk] },
    { extensible: true, bits: 24, extraChunks: [list] },
  ]) {
    const d = decodeWav(encodeWav(chans, 48000, opts), 'ext.wav');
    assert.equal(d.channels.length, 5);
    d.channels.forEach((c, i) => assert.deepEqual(plain(c), plain(chans[i]), JSON.stringify(opts)));
  }
});

test('reads the LIST-before-data layout of the official assets and streamed (0xFFFFFFFF) sizes', () => {
  const bytes = encodeWav([codes(16, [1, 2, 3, 4])], 16000);
  new DataView(bytes.buffer).setUint32(40, 0xffffffff, true); // data size unknown
  assert.deepEqual(plain(decodeWav(bytes, 's.wav').channels[0]), plain(codes(16, [1, 2, 3, 4])));
  // A trailing partial frame is dropped, not an error.
  const stereo = encodeWav([codes(16, [1, 2]), codes(16, [3, 4])], 16000);
  const cut = stereo.subarray(0, stereo.length - 2);
  assert.equal(decodeWav(cut, 'cut.wav').channels[0].length, 1);
});

test('bad WAV bytes give typed errors that name the file', () => {
  const good = encodeWav([new Float32Array(1000).fill(0.1)], 16000);
  assert.throws(() => decodeWav(new Uint8Array(0), 'zero.wav'), isMediaError('AUDIO_FILE_EMPTY', /zero\.wav/));
  assert.throws(() => decodeWav(good.subarray(0, 20), 'head.wav'), isMediaError('AUDIO_WAV_TRUNCATED', /head\.wav/));
  assert.throws(() => decodeWav(good.subarray(0, 8), 'tiny.wav'), isMediaError('AUDIO_WAV_TRUNCATED', /tiny\.wav/));
  assert.throws(
    () => decodeWav(good.subarray(0, 600), 'liar.wav'),
    isMediaError('AUDIO_WAV_TRUNCATED', /liar\.wav.*declares 2000 bytes.*only 556/),
  );
  assert.throws(
    () => decodeWav(new TextEncoder().encode('hello, this is text'), 'notes.txt'),
    isMediaError('AUDIO_NOT_WAV', /notes\.txt/),
  );
  const alaw = good.slice();
  new DataView(alaw.buffer).setUint16(20, 6, true);
  assert.throws(() => decodeWav(alaw, 'alaw.wav'), isMediaError('AUDIO_WAV_UNSUPPORTED', /alaw\.wav.*0x6/));
  const noRate = good.slice();
  new DataView(noRate.buffer).setUint32(24, 0, true);
  assert.throws(() => decodeWav(noRate, 'rate0.wav'), isMediaError('AUDIO_WAV_INVALID', /rate0\.wav/));
});
