/**
 * loadBytes gives, bit for bit, what loadFile gives for the same file, for every kind; only the
 * FFmpeg/sox formats pass through a temp file, whose path never shows in an error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MediaError } from '../core/errors.ts';
import { encodeNpy } from '../core/npy.ts';
import type { FileKind } from '../core/modalities.ts';
import { ref, repoDir } from '../../test/helpers/shared.ts';
import { makeGeqVideo, skipNoFfmpeg, tempDir } from '../../test/helpers/video-files.ts';
import { loadBytes, loadFile } from './loaders.ts';

async function assertSame(kind: FileKind, path: string, name = '<bytes>'): Promise<void> {
  const fromFile = await loadFile(kind, path);
  const fromBytes = await loadBytes(kind, new Uint8Array(readFileSync(path)), name);
  assert.deepEqual(fromBytes.shape, fromFile.shape, `${kind} ${path}`);
  assert.ok(
    Buffer.from(fromBytes.data.buffer).equals(Buffer.from(fromFile.data.buffer)),
    `${kind} ${path}: data differ`,
  );
}

test('vision, thermal and WAV audio from bytes equal the file loaders bit for bit', async () => {
  await assertSame('vision', ref('assets', 'dog_image.jpg'));
  await assertSame('vision', ref('assets', 'extra_rgba_300x400.png'));
  await assertSame('thermal', ref('assets', 'extra_gray_100x150.png'));
  await assertSame('audio', ref('assets', 'extra_stereo_44k1.wav'));
});

test('sox and ffmpeg formats (MP3, Ogg, video) from bytes equal the file loaders', { skip: skipNoFfmpeg }, async () => {
  await assertSame('audio', join(repoDir, 'test/fixtures/audio/speech.mp3'));
  await assertSame('audio', join(repoDir, 'test/fixtures/audio/speech.ogg'));
  const video = makeGeqVideo(join(tempDir('ib-bytes-'), 'v.mkv'), {
    w: 64,
    h: 48,
    fps: 10,
    seconds: 2,
    r: 'X*4',
    g: 'Y*5',
    b: 'N*10',
  });
  await assertSame('video', video);
});

test('depth and IMU from bytes: the name picks no format, the content does', async () => {
  const dir = tempDir('ib-bytes-');
  const depth = new Float32Array(40 * 30).map((_, i) => 0.5 + (i % 40) / 10);
  const npy = join(dir, 'room.npy');
  writeFileSync(npy, encodeNpy({ dtype: 'float32', shape: [30, 40], data: depth }));
  await assertSame('depth', npy);
  const rows = Array.from({ length: 50 }, (_, i) => [i / 100, ...[1, 2, 3, 4, 5, 6].map((c) => Math.sin(i * c))]);
  const csv = join(dir, 'walk.csv');
  writeFileSync(csv, `t,ax,ay,az,gx,gy,gz\n${rows.map((r) => r.join(',')).join('\n')}\n`);
  await assertSame('imu', csv);
  // A JSON log is recognised from its content when the name has no extension.
  const json = join(dir, 'walk.json');
  const keys = ['t', 'ax', 'ay', 'az', 'gx', 'gy', 'gz'];
  writeFileSync(json, JSON.stringify(rows.map((r) => Object.fromEntries(keys.map((k, i) => [k, r[i]])))));
  const a = await loadFile('imu', json);
  const b = await loadBytes('imu', new Uint8Array(readFileSync(json)), '<upload>');
  assert.ok(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer)));
});

test('errors name the input as the caller named it, never a temp path', { skip: skipNoFfmpeg }, async () => {
  const mp3 = readFileSync(join(repoDir, 'test/fixtures/audio/speech.mp3'));
  for (const [kind, bytes] of [
    ['audio', new Uint8Array([...Buffer.from('fLaC'), ...new Uint8Array(200).fill(7)])],
    ['video', new Uint8Array(mp3)],
    ['vision', new Uint8Array([1, 2, 3, 4])],
    ['imu', new Uint8Array()],
  ] as const) {
    await assert.rejects(
      loadBytes(kind, bytes, '<uploaded bytes>'),
      (e: Error) => {
        assert.ok(e instanceof MediaError, `${kind}: ${e.message}`);
        assert.match(e.message, /<uploaded bytes>/, kind);
        assert.doesNotMatch(e.message, /imagebind-in-|input\.bin|\/tmp\//, kind);
        return true;
      },
      kind,
    );
  }
});
