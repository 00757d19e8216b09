/**
 * Parity with the official pipeline on the six reference clips (shared/reference/preprocess).
 * Criteria follow the reference README's noise-floor section: waveform max abs <= 1e-5; log-mel
 * features by mean abs (< 1e-4) plus a bound on the fraction of cells above 1e-3, because
 * low-energy cells near log(eps) amplify float32 rounding (the README measures up to 3e-2 there).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ref, refNpy } from '../../../test/helpers/shared.ts';
import { diff } from '../../../test/helpers/compare.ts';
import { loadAudioFile, sampleClips, clipFbanks, normalizeFbank, toModelRate, decodeWav } from './index.ts';

const CASES: [name: string, asset: string][] = [
  ['dog', 'dog_audio.wav'],
  ['car', 'car_audio.wav'],
  ['bird', 'bird_audio.wav'],
  ['stereo_44k1', 'extra_stereo_44k1.wav'],
  ['short_0p5s', 'extra_short_0p5s_16k.wav'],
  ['long_22k05', 'extra_long_22k05.wav'],
];

interface InfoClip {
  start_sample: number;
  end_sample: number;
}
interface InfoAudio {
  orig_sample_rate: number;
  orig_channels: number;
  orig_num_samples: number;
  resampled_num_samples_16k: number;
  clips: InfoClip[];
}
const info = JSON.parse(readFileSync(ref('preprocess', 'preprocess_info.json'), 'utf8')) as {
  audio: Record<string, InfoAudio>;
};

const fmt = (x: number): string => x.toExponential(2);

for (const [name, asset] of CASES) {
  test(`audio parity: ${name}`, async () => {
    const meta = info.audio[name];
    const decoded = decodeWav(readFileSync(ref('assets', asset)), asset);
    assert.equal(decoded.sampleRate, meta.orig_sample_rate);
    assert.equal(decoded.channels.length, meta.orig_channels);
    assert.equal(decoded.channels[0].length, meta.orig_num_samples);

    const wave = toModelRate(decoded.channels, decoded.sampleRate);
    const refWave = await refNpy('preprocess', `audio_${name}_waveform_16k.npy`);
    assert.deepEqual(refWave.shape, [wave.length, meta.resampled_num_samples_16k]);
    const flat = new Float32Array(wave.length * wave[0].length);
    wave.forEach((c, i) => flat.set(c, i * c.length));
    const dw = diff(flat, refWave.data as Float32Array);

    const clips = sampleClips(wave[0].length, 16000, 2, 3);
    assert.deepEqual(
      clips.map((c) => [c.start, c.end]),
      meta.clips.map((c) => [c.start_sample, c.end_sample]),
    );

    const { fbank } = clipFbanks(wave);
    const refFb = await refNpy('preprocess', `audio_${name}_fbank_unnormalized.npy`);
    assert.deepEqual(fbank.shape, refFb.shape);
    const df = diff(fbank.data, refFb.data as Float32Array);

    const full = await loadAudioFile(ref('assets', asset));
    const refOut = await refNpy('preprocess', `audio_${name}.npy`);
    assert.deepEqual(full.shape, [3, 1, 128, 204]);
    assert.deepEqual(normalizeFbank(fbank).data, full.data);
    const dn = diff(full.data, refOut.data as Float32Array);

    console.log(
      `  ${name}: waveform max ${fmt(dw.maxAbs)} | fbank max ${fmt(df.maxAbs)} mean ${fmt(df.meanAbs)} ` +
        `>1e-3 ${(100 * df.fractionAbove(1e-3)).toFixed(3)}% | normalised max ${fmt(dn.maxAbs)} mean ${fmt(dn.meanAbs)}`,
    );
    assert.ok(dw.maxAbs <= 1e-5, `waveform max abs ${dw.maxAbs}`);
    assert.ok(df.meanAbs < 1e-4, `fbank mean abs ${df.meanAbs}`);
    assert.ok(df.maxAbs < 5e-2, `fbank max abs ${df.maxAbs}`);
    assert.ok(df.fractionAbove(1e-3) < 0.01, `fbank fraction > 1e-3: ${df.fractionAbove(1e-3)}`);
    assert.ok(dn.meanAbs < 1e-4, `normalised mean abs ${dn.meanAbs}`);
  });
}

test('clip starts use the float duration - 2 (3.3 s: 10399/20799, not 10400/20800)', () => {
  assert.deepEqual(
    sampleClips(52800, 16000, 2, 3).map((c) => c.start),
    [0, 10399, 20799],
  );
  const short = sampleClips(8000, 16000, 2, 3);
  assert.deepEqual(
    short.map((c) => [c.start, c.end, c.sliceStart, c.sliceEnd]),
    [
      [0, 32000, 0, 8000],
      [0, 32000, 0, 8000],
      [0, 32000, 0, 8000],
    ],
  );
  assert.deepEqual(
    sampleClips(32000, 16000, 2, 1).map((c) => [c.start, c.end]),
    [[0, 32000]],
  );
});

test('padded columns and the empty mel bin have the documented values', async () => {
  const out = await loadAudioFile(ref('assets', 'extra_short_0p5s_16k.wav'));
  const at = (clip: number, bin: number, t: number): number => out.data[(clip * 128 + bin) * 204 + t];
  assert.ok(Math.abs(at(0, 10, 100) - 0.46706) < 1e-5, 'padded frame');
  assert.ok(Math.abs(at(2, 3, 10) - -1.2775646) < 1e-6, 'mel bin 3 is log(eps)');
});
