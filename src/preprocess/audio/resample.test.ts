import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resample, resampleChannel, resampledLength } from './resample.ts';

function tone(freq: number, rate: number, n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * freq * i) / rate));
}

test('output length is ceil(new * len / orig) and equal rates return the input', () => {
  assert.equal(resampledLength(115110, 44100, 16000), 41764);
  assert.equal(resampledLength(325000, 22050, 16000), 235828);
  const x = tone(100, 16000, 50);
  assert.equal(resampleChannel(x, 16000, 16000), x);
  assert.equal(resample([x, x], 16000, 8000)[1].length, 25);
});

test('tones survive up- and down-sampling, including co-prime rates', () => {
  for (const [from, to] of [
    [8000, 16000],
    [44100, 16000],
    [44101, 16000],
    [16000, 48000],
  ]) {
    const t0 = performance.now();
    const y = resampleChannel(tone(440, from, from), from, to);
    const ms = performance.now() - t0;
    assert.equal(y.length, to);
    const expect = tone(440, to, to);
    let maxErr = 0;
    for (let i = 200; i < to - 200; i++) maxErr = Math.max(maxErr, Math.abs(y[i] - expect[i]));
    assert.ok(maxErr < 2e-3, `${from}->${to}: max error ${maxErr}`);
    assert.ok(ms < 2000, `${from}->${to} took ${ms} ms`);
  }
});

test('rates must be positive integers', () => {
  assert.throws(() => resampleChannel(new Float32Array(4), 44100.5, 16000), /positive integers/);
});
