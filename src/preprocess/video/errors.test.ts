import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, MediaError } from '../../core/errors.ts';
import { loadVideoFile, loadVideoFiles } from './load.ts';
import { makeGeqVideo, makeMedia, skipNoFfmpeg, tempDir } from '../../../test/helpers/video-files.ts';

const dir = tempDir('ib-video-err-');
const good = skipNoFfmpeg
  ? ''
  : makeGeqVideo(join(dir, 'ok.mkv'), { w: 64, h: 48, fps: 10, seconds: 3, r: 'X', g: 'Y', b: 'N' });

async function rejectsWith(p: Promise<unknown>, code: string, ...mentions: string[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof MediaError, `expected MediaError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const m of mentions) assert.ok(e.message.includes(m), `message should mention "${m}": ${e.message}`);
    return true;
  });
}

test('missing and zero-byte files', async () => {
  await rejectsWith(loadVideoFile(join(dir, 'missing.mp4')), 'FILE_UNREADABLE', 'missing.mp4');
  await rejectsWith(loadVideoFile(dir), 'FILE_UNREADABLE', 'not a regular file');
  const empty = join(dir, 'empty.mp4');
  writeFileSync(empty, '');
  await rejectsWith(loadVideoFile(empty), 'FILE_EMPTY', 'empty.mp4', '0 bytes');
});

test('ffmpeg or ffprobe missing says how to install', { skip: skipNoFfmpeg }, async () => {
  await rejectsWith(
    loadVideoFile(good, { ffprobePath: join(dir, 'no-ffprobe') }),
    'FFMPEG_NOT_FOUND',
    'apt-get install ffmpeg',
    'ok.mkv',
  );
  await rejectsWith(
    loadVideoFile(good, { ffmpegPath: join(dir, 'no-ffmpeg') }),
    'FFMPEG_NOT_FOUND',
    'IMAGEBIND_FFMPEG',
  );
});

test('not a video: garbage bytes, audio only', { skip: skipNoFfmpeg }, async () => {
  const junk = join(dir, 'junk.mp4');
  writeFileSync(junk, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251)));
  await rejectsWith(loadVideoFile(junk), 'VIDEO_CORRUPT', 'junk.mp4', 're-encod');
  const wav = makeMedia(join(dir, 'tone.wav'), ['-f', 'lavfi', '-i', 'sine=d=1']);
  await rejectsWith(loadVideoFile(wav), 'VIDEO_NO_STREAM', 'tone.wav', 'no video stream');
});

test('a video stream without frames is too short', { skip: skipNoFfmpeg }, async () => {
  const none = makeMedia(join(dir, 'none.avi'), [
    '-f',
    'lavfi',
    '-i',
    'color=s=64x48:r=10:d=1',
    '-t',
    '0',
    '-c:v',
    'ffv1',
  ]);
  await rejectsWith(loadVideoFile(none), 'VIDEO_TOO_SHORT', 'none.avi', 'no frames');
});

test('a truncated file whose index promises missing frames fails loudly', { skip: skipNoFfmpeg }, async () => {
  const full = makeMedia(join(dir, 'full.mp4'), [
    '-f',
    'lavfi',
    '-i',
    'testsrc=s=320x240:r=25:d=3',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
  ]);
  const bytes = readFileSync(full);
  const cut = join(dir, 'cut.mp4');
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  await assert.rejects(
    loadVideoFile(cut),
    (e: unknown) =>
      e instanceof MediaError &&
      ['VIDEO_DECODE_FAILED', 'VIDEO_CORRUPT'].includes(e.code) &&
      e.message.includes('cut.mp4'),
  );
  const headless = join(dir, 'headless.mp4');
  writeFileSync(headless, bytes.subarray(0, 3000)); // moov kept, no media data at all
  await assert.rejects(
    loadVideoFile(headless),
    (e: unknown) => e instanceof MediaError && e.message.includes('headless.mp4'),
  );
});

test('a run past the time limit is stopped, not waited for', { skip: skipNoFfmpeg }, async () => {
  const t0 = Date.now();
  await rejectsWith(loadVideoFile(good, { timeoutMs: 1 }), 'VIDEO_TIMEOUT', 'ok.mkv', 'timeoutMs');
  assert.ok(Date.now() - t0 < 5000);
});

test('bad options are a ConfigError, also for the batch helper', async () => {
  await assert.rejects(loadVideoFile(good, { numCrops: 2 as 3 }), ConfigError);
  await assert.rejects(loadVideoFile(good, { clipDurationSec: 2.5 }), /framesPerClip/);
  await assert.rejects(loadVideoFiles([good], { clipsPerVideo: 0 }), ConfigError);
});

test('frames over the image budgets are refused from the probe, before decoding', { skip: skipNoFfmpeg }, async () => {
  // 64x48 = 3072 pixels a frame: over a 3000-pixel budget, under a 4000-pixel one.
  await rejectsWith(
    loadVideoFile(good, { limits: { maxImagePixels: 3000 } }),
    'IMAGE_PIXELS_LIMIT',
    'ok.mkv',
    '64x48',
    'maxImagePixels',
  );
  await rejectsWith(
    loadVideoFile(good, { limits: { maxImageBytes: 9000 } }),
    'IMAGE_BYTES_LIMIT',
    'video frame',
    'maxImageBytes',
  );
  const t = await loadVideoFile(good, { limits: { maxImagePixels: 4000 } });
  assert.ok(t.data.length > 0);
});
