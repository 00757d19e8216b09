/**
 * Compressed audio decodes as the official loader decodes it (torchaudio 0.13, sox_io: libsox,
 * libmad for MP3, libvorbis for Vorbis): the fixtures' waveforms must be bit-identical to what
 * torchaudio.load returned for them (see test/fixtures/audio/README.md). ffmpeg's decoders differ
 * in delay and padding, which is why these formats go through sox.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { decodeAudioFile } from './index.ts';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../../../test/fixtures/audio/${name}`, import.meta.url));

/** sox with MP3 and Vorbis support (Debian: sox + libsox-fmt-all) reads the fixture. */
const soxReads = (type: string, file: string): boolean =>
  spawnSync('sox', ['-V1', '-t', type, file, '-n'], { stdio: 'ignore', timeout: 30_000 }).status === 0;

const EXPECTED: [string, string, number, number, string, number, number][] = [
  // file, libsox type, rate, frames, sha256 of the float32 samples, sum, peak |x|
  [
    'speech.mp3',
    'mp3',
    22050,
    74304,
    '67e883f81fae8b13058b8e2aa76cc499a48265f2626f5acbe7ab8f1537ac542d',
    32.64642399549484,
    0.958174467086792,
  ],
  [
    'speech.ogg',
    'vorbis',
    22050,
    73467,
    '2a3c31a37877661095ac1573e1ed9aaf7a0b875611145a6500f49d4cff389451',
    32.6893310546875,
    1.0,
  ],
];

for (const [name, type, rate, frames, sha, sum, peak] of EXPECTED) {
  test(`${name}: bit-identical to torchaudio 0.13 (sox_io)`, async (t) => {
    if (!soxReads(type, fixture(name)))
      return t.skip(`sox cannot read ${type} here (apt-get install sox libsox-fmt-all)`);
    const d = await decodeAudioFile(fixture(name));
    assert.equal(d.decoder, 'sox');
    assert.equal(d.sampleRate, rate);
    assert.equal(d.channels.length, 1);
    assert.equal(d.channels[0].length, frames);
    const x = d.channels[0];
    let s = 0;
    let m = 0;
    for (const v of x) {
      s += v;
      m = Math.max(m, Math.abs(v));
    }
    assert.equal(m, peak);
    assert.ok(Math.abs(s - sum) < 1e-9, `sum ${s} vs ${sum}`);
    assert.equal(
      createHash('sha256')
        .update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength))
        .digest('hex'),
      sha,
    );
  });
}
