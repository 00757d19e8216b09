import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaError } from '../../core/errors.ts';
import { decodeAudioFile, encodeWav, loadAudioFile, loadAudioFiles, preprocessWaveform } from './index.ts';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ib-audio-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function sine(freq: number, rate: number, seconds: number, amp = 0.5): Float32Array {
  return Float32Array.from(
    { length: Math.round(rate * seconds) },
    (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / rate),
  );
}

/** Fraction of the signal's energy at `freq` (phase-independent; ~1 for a pure tone). */
function toneEnergy(x: Float32Array, freq: number, rate: number): number {
  let c = 0,
    s = 0,
    e = 0;
  for (let i = 0; i < x.length; i++) {
    c += x[i] * Math.cos((2 * Math.PI * freq * i) / rate);
    s += x[i] * Math.sin((2 * Math.PI * freq * i) / rate);
    e += x[i] * x[i];
  }
  return (2 * (c * c + s * s)) / x.length / e;
}

function sh(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

/** What serves a libsox format here: sox when it has the format's library (Debian libsox-fmt-all), else ffmpeg. */
function soxOr(type: string, file: string): string {
  return spawnSync('sox', ['-V1', '-t', type, file, '-n'], { stdio: 'ignore', timeout: 30_000 }).status === 0
    ? 'sox'
    : 'ffmpeg';
}

function mediaError(code: string, file: string) {
  return (e: unknown) => e instanceof MediaError && e.code === code && e.message.includes(file);
}

test('compressed formats decode through sox (what libsox reads) or ffmpeg (the rest) at their native rate', async (t) => {
  const src = join(dir, 'src.wav');
  writeFileSync(src, encodeWav([sine(440, 44100, 1), sine(440, 44100, 1, 0.25)], 44100));
  const formats: [string, string[], number, number, string][] = [
    ['tone.mp3', ['-c:a', 'libmp3lame', '-b:a', '128k'], 44100, 2, 'sox'],
    ['tone.flac', ['-c:a', 'flac'], 44100, 2, 'sox'],
    ['tone.ogg', ['-c:a', 'libvorbis'], 44100, 2, 'sox'],
    ['tone.aiff', ['-c:a', 'pcm_s16be'], 44100, 2, 'sox'],
    ['tone.opus', ['-c:a', 'libopus', '-ac', '1'], 48000, 1, 'ffmpeg'],
    ['tone.m4a', ['-c:a', 'aac'], 44100, 2, 'ffmpeg'],
    ['rf64.wav', ['-c:a', 'pcm_s16le', '-rf64', 'always'], 44100, 2, 'wav'], // decoded by wav.ts
    ['s24_extensible.wav', ['-c:a', 'pcm_s24le', '-ac', '1'], 44100, 1, 'wav'],
    ['tone.avi', ['-c:a', 'pcm_s16le'], 44100, 2, 'ffmpeg'], // RIFF but not WAVE: routed to ffmpeg
  ];
  for (const [name, codec, rate, channels, decoder] of formats) {
    await t.test(name, async (st) => {
      const out = join(dir, name);
      if (!sh('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', src, ...codec, out]))
        return st.skip(`ffmpeg cannot encode ${name} here`);
      const d = await decodeAudioFile(out);
      const soxType = { 'tone.mp3': 'mp3', 'tone.flac': 'flac', 'tone.ogg': 'vorbis', 'tone.aiff': 'aiff' }[name];
      assert.equal(d.decoder, soxType ? soxOr(soxType, out) : decoder);
      assert.equal(d.sampleRate, rate);
      assert.equal(d.channels.length, channels);
      const seconds = d.channels[0].length / rate;
      assert.ok(seconds > 0.95 && seconds < 1.1, `duration ${seconds}`);
      assert.ok(toneEnergy(d.channels[0], 440, rate) > 0.95, 'decoded tone is 440 Hz');
    });
  }
  await t.test('sox-written FLAC at 22.05 kHz', async (st) => {
    const out = join(dir, 'sox.flac');
    if (!sh('sox', ['-n', '-r', '22050', '-c', '1', out, 'synth', '1', 'sine', '1000']))
      return st.skip('sox unavailable');
    const d = await decodeAudioFile(out);
    assert.equal(d.sampleRate, 22050);
    assert.equal(d.channels[0].length, 22050);
    assert.ok(toneEnergy(d.channels[0], 1000, 22050) > 0.99);
  });
  await t.test('µ-law WAV goes to sox, or ffmpeg without sox; decoded-size limit on both', async (st) => {
    const out = join(dir, 'mulaw.wav');
    if (!sh('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', src, '-c:a', 'pcm_mulaw', out]))
      return st.skip('no pcm_mulaw encoder');
    const d = await decodeAudioFile(out);
    assert.equal(d.decoder, 'sox');
    assert.equal(d.channels[0].length, 44100);
    assert.ok(toneEnergy(d.channels[0], 440, 44100) > 0.99);
    const viaFfmpeg = await decodeAudioFile(out, { soxPath: join(dir, 'no-such-sox') });
    assert.equal(viaFfmpeg.decoder, 'ffmpeg');
    assert.equal(viaFfmpeg.channels[0].length, 44100);
    for (const soxPath of [undefined, join(dir, 'no-such-sox')]) {
      await assert.rejects(decodeAudioFile(out, { soxPath, limits: { maxAudioBytes: 1000 } }), (e: unknown) => {
        assert.ok(e instanceof MediaError && e.code === 'AUDIO_BYTES_LIMIT', String(e));
        assert.match(e.message, /maxAudioBytes = 1000 bytes.*IMAGEBIND_MAX_AUDIO_BYTES/);
        return true;
      });
      await assert.rejects(
        decodeAudioFile(out, { soxPath, limits: { maxAudioSeconds: 0.5 } }),
        mediaError('AUDIO_SECONDS_LIMIT', out),
      );
    }
  });
  await t.test('audio track of an MP4 video', async (st) => {
    const out = join(dir, 'clip.mp4');
    const ok = sh('ffmpeg', [
      '-nostdin',
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=64x48:rate=10:duration=2',
      '-i',
      src,
      '-shortest',
      '-c:v',
      'mpeg4',
      '-c:a',
      'aac',
      out,
    ]);
    if (!ok) return st.skip('ffmpeg cannot write mp4 here');
    const tensor = await loadAudioFile(out);
    assert.deepEqual(tensor.shape, [3, 1, 128, 204]);
  });
});

test('bad inputs give typed errors that name the file', async (t) => {
  const wav = (name: string, bytes: Uint8Array): string => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  const zero = wav('zero.wav', new Uint8Array(0));
  await assert.rejects(loadAudioFile(zero), mediaError('AUDIO_FILE_EMPTY', zero));
  const zeroMp3 = wav('zero.mp3', new Uint8Array(0));
  await assert.rejects(loadAudioFile(zeroMp3), mediaError('AUDIO_FILE_EMPTY', zeroMp3));

  const tenMs = wav('ten_ms.wav', encodeWav([sine(440, 16000, 0.01)], 16000));
  await assert.rejects(loadAudioFile(tenMs), mediaError('AUDIO_TOO_SHORT', tenMs));
  const silent = wav('no_samples.wav', encodeWav([new Float32Array(0)], 16000));
  await assert.rejects(loadAudioFile(silent), mediaError('AUDIO_EMPTY', silent));

  const full = encodeWav([sine(440, 16000, 1)], 16000);
  const liar = wav('liar.wav', full.subarray(0, 10000));
  await assert.rejects(loadAudioFile(liar), mediaError('AUDIO_WAV_TRUNCATED', liar));
  const header = wav('header.wav', full.subarray(0, 30));
  await assert.rejects(loadAudioFile(header), mediaError('AUDIO_WAV_TRUNCATED', header));

  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'this is not audio\n'.repeat(20));
  await assert.rejects(loadAudioFile(text), mediaError('AUDIO_UNSUPPORTED', text));
  const missing = join(dir, 'missing.wav');
  await assert.rejects(loadAudioFile(missing), mediaError('FILE_NOT_FOUND', missing));

  await t.test('video without sound', async (st) => {
    const mute = join(dir, 'mute.mp4');
    if (
      !sh('ffmpeg', [
        '-nostdin',
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        'testsrc=size=64x48:rate=10:duration=1',
        '-an',
        '-c:v',
        'mpeg4',
        mute,
      ])
    )
      return st.skip('no mp4 encoder');
    await assert.rejects(loadAudioFile(mute), mediaError('AUDIO_NO_STREAM', mute));
  });
  const mp3ish = wav('x.m4a', new TextEncoder().encode('\0\0\0\x20ftypM4A fake'));
  await assert.rejects(
    decodeAudioFile(mp3ish, { ffprobePath: join(dir, 'no-such-ffprobe') }),
    (e: unknown) =>
      e instanceof MediaError &&
      e.code === 'FFMPEG_NOT_FOUND' &&
      e.message.includes(mp3ish) &&
      /apt-get install ffmpeg/.test(e.message),
  );
  const slow = join(dir, 'slow-ffprobe.sh');
  writeFileSync(slow, '#!/bin/sh\nexec sleep 10\n');
  chmodSync(slow, 0o755);
  await assert.rejects(
    decodeAudioFile(mp3ish, { ffprobePath: slow, timeoutMs: 300 }),
    mediaError('AUDIO_DECODE_TIMEOUT', mp3ish),
  );
});

test('a batch with bad files still returns the good ones', async () => {
  const good = join(dir, 'good.wav');
  writeFileSync(good, encodeWav([sine(300, 16000, 2.5)], 16000));
  const bad = join(dir, 'bad.wav');
  writeFileSync(bad, new Uint8Array(0));
  const res = await loadAudioFiles([good, bad, join(dir, 'nope.wav'), good], { concurrency: 2 });
  assert.deepEqual(
    res.map((r) => r.ok),
    [true, false, false, true],
  );
  assert.equal(res[1].ok === false && res[1].error.code, 'AUDIO_FILE_EMPTY');
  assert.equal(res[2].ok === false && res[2].error.code, 'FILE_NOT_FOUND');
  assert.deepEqual(res[0].ok && res[0].tensor.shape, [3, 1, 128, 204]);
});

test('preprocessWaveform leaves its input untouched and honours options', () => {
  const x = sine(500, 22050, 3);
  const copy = x.slice();
  const warnings: string[] = [];
  const out = preprocessWaveform([x], 22050, {
    clipsPerVideo: 2,
    targetLength: 100,
    onWarning: (w) => warnings.push(w),
  });
  assert.deepEqual(out.shape, [2, 1, 128, 100]);
  assert.deepEqual(x, copy);
  assert.equal(warnings.length, 2); // 198 frames vs 100: the official "Large gap" warning
  assert.throws(
    () => preprocessWaveform([x, new Float32Array(3)], 22050),
    (e: unknown) => e instanceof MediaError && e.code === 'AUDIO_INVALID',
  );
  assert.throws(
    () => preprocessWaveform([Float32Array.from([NaN, ...copy])], 22050),
    (e: unknown) => e instanceof MediaError && e.code === 'AUDIO_INVALID',
  );
});
