/**
 * Streaming windows over real files made here (WAV by our encoder, MP4 by ffmpeg's test source):
 * the time ranges at the file's edges, a window longer than the file, a file without an audio
 * track, bad lengths. Needs ffmpeg and ffprobe (as the video loader does).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageBindError } from '../../core/errors.ts';
import { encodeWav } from '../audio/wav-encode.ts';
import { audioWindows, checkSegmentSeconds, planWindows, videoWindows } from './windows.ts';

const dir = mkdtempSync(join(tmpdir(), 'imagebind-windows-'));

/** `seconds` of 44.1 kHz stereo: channel 0 a 440 Hz tone, channel 1 silent. */
function wav(name: string, seconds: number): string {
  const n = Math.round(seconds * 44100);
  const left = Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / 44100));
  const path = join(dir, name);
  writeFileSync(path, encodeWav([left, new Float32Array(n)], 44100));
  return path;
}

function silentVideo(name: string, seconds: number): string {
  const path = join(dir, name);
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc=size=320x240:rate=10:duration=${seconds}`,
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    path,
  ]);
  return path;
}

async function collect<T>(g: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of g) out.push(x);
  return out;
}

const rms = (x: Float32Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / Math.max(1, x.length));

test('planWindows: edges, a short tail joins the window before, a long window covers the file', () => {
  assert.deepEqual(planWindows(30, 10), [
    { start: 0, end: 10 },
    { start: 10, end: 20 },
    { start: 20, end: 30 },
  ]);
  assert.deepEqual(planWindows(23, 10).at(-1), { start: 20, end: 23 }, 'a 3 s tail stands (≥ a quarter window)');
  assert.deepEqual(planWindows(21, 10), [
    { start: 0, end: 10 },
    { start: 10, end: 21 },
  ]);
  assert.deepEqual(planWindows(7, 600), [{ start: 0, end: 7 }]);
  assert.deepEqual(planWindows(0, 10), []);
  for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY])
    assert.throws(
      () => checkSegmentSeconds(bad),
      (e: ImageBindError) => e.code === 'SEGMENTS_BAD_LENGTH' && /positive number of seconds/.test(e.message),
    );
});

test('audioWindows: 16 kHz mono from the first channel, time ranges at the file edges', async () => {
  const path = wav('tone-25s.wav', 25);
  const w = await collect(audioWindows(path, { seconds: 10 }));
  assert.deepEqual(
    w.map((x) => [x.start, +x.end.toFixed(3)]),
    [
      [0, 10],
      [10, 20],
      [20, 25],
    ],
  );
  assert.deepEqual(
    w.map((x) => x.samples.length),
    [160000, 160000, 80000],
  );
  assert.ok(
    w.every((x) => x.sampleRate === 16000 && Math.abs(rms(x.samples) - 0.5 / Math.SQRT2) < 0.02),
    'the tone of channel 0',
  );
  // A 21 s file: the 1 s tail joins the second window; planWindows says the same.
  const short = await collect(audioWindows(wav('tone-21s.wav', 21), { seconds: 10 }));
  assert.deepEqual(
    short.map((x) => [x.start, +x.end.toFixed(3)]),
    planWindows(21, 10).map((p) => [p.start, p.end]),
  );
  // A window longer than the file: one window, the whole file, nothing padded.
  const long = await collect(audioWindows(path, { seconds: 600 }));
  assert.deepEqual(
    long.map((x) => [x.start, +x.end.toFixed(3), x.samples.length]),
    [[0, 25, 400000]],
  );
  await assert.rejects(
    collect(audioWindows(path, { seconds: 20, maxAudioSeconds: 10 })),
    (e: ImageBindError) => e.code === 'AUDIO_SECONDS_LIMIT' && /maxAudioSeconds/.test(e.message),
  );
  await assert.rejects(
    collect(audioWindows(path, { seconds: -1 })),
    (e: ImageBindError) => e.code === 'SEGMENTS_BAD_LENGTH',
  );
});

test('videoWindows: two frames per window; a video without an audio track has no sound windows', async () => {
  const path = silentVideo('silent-12s.mp4', 12);
  const w = await collect(videoWindows(path, { seconds: 5 }));
  assert.deepEqual(
    w.map((x) => [x.start, +x.end.toFixed(2), x.frames.length]),
    [
      [0, 5, 2],
      [5, 10, 2],
      [10, 12, 2],
    ],
  );
  assert.ok(w.every((x) => x.frames.every((f) => f.length === 224 * 224 * 3)));
  // testsrc moves: the two frames of a window differ.
  assert.ok(w[0].frames[0].some((v, i) => v !== w[0].frames[1][i]));
  await assert.rejects(
    collect(audioWindows(path, { seconds: 5 })),
    (e: ImageBindError) =>
      e.code === 'AUDIO_NO_TRACK' && /no audio track/.test(e.message) && /silent-12s/.test(e.message),
  );
  await assert.rejects(
    collect(videoWindows(wav('tone-3s.wav', 3), { seconds: 5 })),
    (e: ImageBindError) => e.code === 'VIDEO_NO_STREAM',
  );
  // A window longer than the video: one window of the whole video.
  const one = await collect(videoWindows(path, { seconds: 60 }));
  assert.deepEqual(
    one.map((x) => [x.start, +x.end.toFixed(2), x.frames.length]),
    [[0, 12, 2]],
  );
});
