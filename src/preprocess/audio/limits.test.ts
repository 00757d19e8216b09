/**
 * The audio limits (core/limits.ts) on every path: the 144-byte WAV of issue 11 that claims
 * 0xFFFFFFFF Hz, a WAV whose header promises an hour of CD audio (refused from the header, before
 * its samples are read), the resampler at the largest allowed rates, and waveforms whose
 * upsampled size is over the bytes limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaError } from '../../core/errors.ts';
import { LIMITS } from '../../core/limits.ts';
import { decodeAudioFile, decodeWav, loadAudioFile, preprocessWaveform, resampleChannel } from './index.ts';

/** A canonical 44-byte WAV header: PCM, `channels`, `rate`, `bits`, declaring `dataBytes`. */
function wavHeader(rate: number, channels: number, bits: number, dataBytes: number): Uint8Array {
  const h = new DataView(new ArrayBuffer(44));
  const tag = (at: number, s: string): void => [...s].forEach((c, i) => h.setUint8(at + i, c.charCodeAt(0)));
  tag(0, 'RIFF');
  h.setUint32(4, 36 + dataBytes, true);
  tag(8, 'WAVE');
  tag(12, 'fmt ');
  h.setUint32(16, 16, true);
  h.setUint16(20, 1, true);
  h.setUint16(22, channels, true);
  h.setUint32(24, rate, true);
  h.setUint32(28, 0, true);
  h.setUint16(32, (channels * bits) / 8, true);
  h.setUint16(34, bits, true);
  tag(36, 'data');
  h.setUint32(40, dataBytes, true);
  return new Uint8Array(h.buffer);
}

const limitError = (code: string, name: string) => (e: unknown) =>
  e instanceof MediaError && e.code === code && e.message.includes(name) && e.message.includes('raise the limit');

test('the 144-byte WAV at 0xFFFFFFFF Hz is refused by maxSampleRate, fast and small', async () => {
  const bytes = new Uint8Array(144);
  bytes.set(wavHeader(0xffffffff, 1, 16, 100));
  assert.throws(() => decodeWav(bytes, 'sr.wav'), limitError('AUDIO_SAMPLE_RATE_LIMIT', 'maxSampleRate'));
  const dir = mkdtempSync(join(tmpdir(), 'ib-limits-'));
  try {
    const path = join(dir, 'sr.wav');
    const fd = openSync(path, 'w');
    writeSync(fd, bytes);
    closeSync(fd);
    const t0 = performance.now();
    await assert.rejects(loadAudioFile(path), limitError('AUDIO_SAMPLE_RATE_LIMIT', 'IMAGEBIND_MAX_SAMPLE_RATE'));
    assert.ok(performance.now() - t0 < 2000);
    // Raised, the same file decodes (its 50 samples are too short for a clip, which is a different error).
    await assert.rejects(
      loadAudioFile(path, { limits: { maxSampleRate: 2 ** 32 } }),
      (e: unknown) => e instanceof MediaError && e.code !== 'AUDIO_SAMPLE_RATE_LIMIT',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a WAV declaring an hour of CD audio is refused from its header without reading the samples', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ib-limits-'));
  try {
    const path = join(dir, 'hour.wav');
    const data = 44100 * 2 * 2 * 3600; // 635 MB, written sparse: no disk used
    const fd = openSync(path, 'w');
    writeSync(fd, wavHeader(44100, 2, 16, data));
    ftruncateSync(fd, 44 + data);
    closeSync(fd);
    const rss = process.memoryUsage().rss;
    const t0 = performance.now();
    // Decoded float32: 1.27 GB, over the 512 MiB default.
    await assert.rejects(decodeAudioFile(path), limitError('AUDIO_BYTES_LIMIT', 'maxAudioBytes'));
    await assert.rejects(
      decodeAudioFile(path, { limits: { maxAudioBytes: 2 ** 31, maxAudioSeconds: 1800 } }),
      limitError('AUDIO_SECONDS_LIMIT', 'maxAudioSeconds'),
    );
    assert.ok(performance.now() - t0 < 2000, 'refused at once');
    assert.ok(process.memoryUsage().rss - rss < 50e6, 'without reading the samples');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the resampler is bounded at the largest allowed rates and refuses larger ones', () => {
  const max = LIMITS.maxSampleRate.default;
  for (const [from, to] of [
    [max - 1, 16000],
    [16000, max - 1],
  ]) {
    const t0 = performance.now();
    const y = resampleChannel(new Float32Array(from / 10).fill(0.25), from, to);
    assert.equal(y.length, Math.ceil(to / 10));
    // Loose (2 cores shared with other work): the case grew without limit.
    assert.ok(performance.now() - t0 < 10_000, `${from} -> ${to}`);
  }
  assert.throws(
    () => resampleChannel(new Float32Array(10), max + 1, 16000),
    limitError('AUDIO_SAMPLE_RATE_LIMIT', 'maxSampleRate'),
  );
});

test('waveforms: seconds, and bytes after upsampling, are limited too', () => {
  // 1 Hz for 4000 s is only 4000 samples, but over an hour (and 64M samples once at 16 kHz).
  assert.throws(
    () => preprocessWaveform([new Float32Array(4000)], 1),
    limitError('AUDIO_SECONDS_LIMIT', 'maxAudioSeconds'),
  );
  assert.throws(
    () => preprocessWaveform([new Float32Array(8000)], 8000, { limits: { maxAudioBytes: 40_000 } }),
    limitError('AUDIO_BYTES_LIMIT', 'maxAudioBytes'),
  );
});
