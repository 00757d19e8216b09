/**
 * Stills that Pillow 9.4 reads (netpbm P1–P6, TGA, ICO, GIF transparency, CMYK JPEG/TIFF, 16-bit
 * grey): our decoder must give exactly the pixels of Pillow's `convert("RGB")`, which the fixtures
 * carry (test/fixtures/images/README.md). A real photo as an 800x600-class PPM goes through the
 * whole vision pipeline to the official reference tensor. Formats left out are named in the error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MediaError } from '../../core/errors.ts';
import { ref, refNpy } from '../../../test/helpers/shared.ts';
import { decodeImage } from './decode.ts';
import { loadVisionFile } from '../vision/vision.ts';
import { sniffImageFormat } from './formats.ts';

const dir = fileURLToPath(new URL('../../../test/fixtures/images/', import.meta.url));
const manifest = JSON.parse(readFileSync(join(dir, 'pillow.json'), 'utf8')) as Record<
  string,
  { width: number; height: number; mode: string }
>;

for (const [file, want] of Object.entries(manifest)) {
  test(`${file} (Pillow mode ${want.mode}) decodes to Pillow's convert("RGB") exactly`, async () => {
    const img = await decodeImage(readFileSync(join(dir, file)), file);
    assert.deepEqual([img.width, img.height], [want.width, want.height]);
    const expected = readFileSync(join(dir, `${file}.rgb`));
    let differ = 0;
    for (let i = 0; i < expected.length; i++) if (img.data[i] !== expected[i]) differ++;
    assert.equal(differ, 0, `${differ} of ${expected.length} samples differ`);
  });
}

test('a real photo saved as PPM gives the official tensor of the same photo', async () => {
  const photo = await decodeImage(readFileSync(ref('assets', 'dog_image.jpg')), 'dog_image.jpg');
  const tmp = mkdtempSync(join(tmpdir(), 'ib-ppm-'));
  try {
    const ppm = join(tmp, 'dog.ppm');
    const header = new TextEncoder().encode(`P6\n# converted\n${photo.width} ${photo.height}\n255\n`);
    writeFileSync(ppm, Buffer.concat([header, photo.data]));
    const tensor = await loadVisionFile(ppm);
    const official = await refNpy('preprocess', 'vision_dog.npy');
    assert.deepEqual([...tensor.shape], official.shape.slice(-3));
    const o = official.data as Float32Array;
    let max = 0;
    for (let i = 0; i < tensor.data.length; i++) max = Math.max(max, Math.abs(tensor.data[i] - o[i]));
    assert.equal(max, 0);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('formats left out are named, not guessed to be text', () => {
  const named = (bytes: string | number[], what: RegExp): void =>
    assert.throws(
      () => sniffImageFormat(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : Uint8Array.from(bytes), 'x'),
      (e: unknown) => e instanceof MediaError && e.code === 'IMAGE_UNSUPPORTED_FORMAT' && what.test(e.message),
    );
  named('8BPS\x00\x01rest of a photoshop file', /Photoshop/);
  named('P7\nWIDTH 2\nHEIGHT 2\n', /PAM/);
  named('PF\n2 2\n-1.0\n', /PFM/);
  named('#define x_width 8\n', /XBM/);
  named('just some notes\n', /text file/);
  assert.equal(sniffImageFormat(new TextEncoder().encode('P6\n1 1\n255\nabc'), 'x'), 'pnm');
});

test('truncated and malformed netpbm/TGA/ICO give typed errors', async () => {
  const bad = async (bytes: Uint8Array, code: string): Promise<void> => {
    await assert.rejects(decodeImage(bytes, 'bad'), (e: unknown) => e instanceof MediaError && e.code === code);
  };
  await bad(new TextEncoder().encode('P6\n4 4\n255\nabc'), 'IMAGE_TRUNCATED');
  await bad(new TextEncoder().encode('P2\n2 1\n10\n5 11\n'), 'IMAGE_CORRUPT');
  await bad(new TextEncoder().encode('P5\n2 2\n70000\n'), 'IMAGE_CORRUPT');
  const tga = readFileSync(join(dir, 'rgb_rle.tga'));
  await bad(tga.subarray(0, 40), 'IMAGE_TRUNCATED');
  const ico = Uint8Array.from(readFileSync(join(dir, 'png.ico')));
  new DataView(ico.buffer).setUint32(6 + 12, 1e9, true); // every entry's offset past the end
  new DataView(ico.buffer).setUint32(22 + 12, 1e9, true);
  new DataView(ico.buffer).setUint32(38 + 12, 1e9, true);
  await bad(ico, 'IMAGE_CORRUPT');
});
