import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkContent, sniff } from './sniff.ts';

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));

test('magic numbers', () => {
  const cases: [Uint8Array, string | null][] = [
    [bytes([0xff, 0xd8, 0xff, 0xe0]), 'jpeg'],
    [bytes([0x89], 'PNG\r\n\x1a\n'), 'png'],
    [bytes('GIF89a'), 'gif'],
    [bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 '), 'webp'],
    [bytes('RIFF', [0, 0, 0, 0], 'WAVEfmt '), 'wav'],
    [bytes('BM', new Array(30).fill(0)), 'bmp'],
    [bytes('II*\0'), 'tiff'],
    [bytes('ID3', [4, 0]), 'mp3'],
    [bytes([0xff, 0xfb, 0x90, 0x00]), 'mp3'],
    [bytes('fLaC'), 'flac'],
    [bytes('OggS'), 'ogg'],
    [bytes([0, 0, 0, 0x20], 'ftypisom'), 'mp4'],
    [bytes([0, 0, 0, 0x20], 'ftypM4A '), 'm4a'],
    [bytes([0x1a, 0x45, 0xdf, 0xa3]), 'mkv'],
    [bytes([0x93], 'NUMPY'), 'npy'],
    [bytes('P6\n800 600\n255\n'), 'pnm'],
    [bytes('P2 4 4 255 '), 'pnm'],
    [bytes([0, 0, 1, 0, 1, 0]), 'ico'],
    [bytes('FORM', [0, 0, 0, 0], 'AIFFCOMM'), 'aiff'],
    [bytes('FORM', [0, 0, 0, 0], 'AIFCFVER'), 'aiff'],
    [bytes('.snd', [0, 0, 0, 24]), 'au'],
    [bytes([0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 4, 0, 24, 0]), 'tga'],
    [bytes('acc_x,acc_y\n1,2\n'), 'csv'],
    [bytes(' {"acc_x": []}'), 'json'],
    [bytes([0x7f], 'ELF', [2, 1, 1, 0]), null],
    [bytes('RIFF', [0, 0, 0, 0], 'XXXX'), null],
  ];
  for (const [b, want] of cases) assert.equal(sniff(b), want, Buffer.from(b).toString('latin1'));
});

test('declared kind, extension and Content-Type must agree with the content', () => {
  const png = bytes([0x89], 'PNG\r\n\x1a\n');
  assert.equal(checkContent('x', png, 'depth').kind, 'depth');
  assert.equal(checkContent('x', png, null, 'a.png', 'image/png').kind, 'vision');
  assert.throws(() => checkContent('x', png, 'audio'), /sent as audio but the content is PNG/);
  assert.throws(() => checkContent('x', png, null, 'song.mp3'), /says MP3 but the content is PNG/);
  assert.throws(() => checkContent('x', png, null, 'blob', 'audio/wav'), /declared as audio\/wav/);
  assert.throws(
    () => checkContent('x', bytes([0, 1, 2, 3]), null),
    (e: { code?: string }) => e.code === 'UNSUPPORTED_MEDIA_TYPE',
  );
});
