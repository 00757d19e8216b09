import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaError } from '../../core/errors.ts';
import { ref } from '../../../test/helpers/shared.ts';
import { loadVisionFile, loadVisionFiles } from './index.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ib-vision-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(name: string, bytes: Uint8Array | string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, bytes);
  return p;
}

function expectMedia(code: string, path: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof MediaError, `expected MediaError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.ok(e.message.includes(path), `message names the file: ${e.message}`);
    console.log(`  ${code}: ${e.message}`);
    return true;
  };
}

test('truncated JPEG (progressive and baseline) is IMAGE_TRUNCATED', async () => {
  for (const src of ['dog_image.jpg', 'extra_wide_645x360.jpg']) {
    const full = await readFile(ref('assets', src));
    const p = await put(`cut-${src}`, full.subarray(0, Math.floor(full.length * 0.6)));
    await assert.rejects(loadVisionFile(p), expectMedia('IMAGE_TRUNCATED', p));
  }
});

test('PNG with a wrong chunk CRC is IMAGE_CORRUPT, not a warning', async () => {
  const png = Buffer.from(await readFile(ref('assets', 'extra_gray_100x150.png')));
  // Flip one byte inside the first IDAT payload; the chunk's CRC no longer matches.
  const idat = png.indexOf('IDAT');
  png[idat + 10] ^= 0x55;
  const p = await put('bad-crc.png', png);
  await assert.rejects(loadVisionFile(p), expectMedia('IMAGE_CORRUPT', p));
});

test('truncated PNG is IMAGE_TRUNCATED', async () => {
  const png = await readFile(ref('assets', 'extra_rgba_300x400.png'));
  const p = await put('cut.png', png.subarray(0, png.length >> 1));
  await assert.rejects(loadVisionFile(p), expectMedia('IMAGE_TRUNCATED', p));
});

test('zero-byte file is IMAGE_EMPTY', async () => {
  const p = await put('empty.jpg', new Uint8Array(0));
  await assert.rejects(loadVisionFile(p), expectMedia('IMAGE_EMPTY', p));
});

test('text named .jpg, SVG and HEIC are IMAGE_UNSUPPORTED_FORMAT', async () => {
  const txt = await put('notes.jpg', 'this is not an image\n');
  await assert.rejects(loadVisionFile(txt), expectMedia('IMAGE_UNSUPPORTED_FORMAT', txt));
  const svg = await put('logo.svg', '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>');
  await assert.rejects(
    loadVisionFile(svg),
    (e: unknown) => expectMedia('IMAGE_UNSUPPORTED_FORMAT', svg)(e) && /SVG/.test((e as Error).message),
  );
  const heic = new Uint8Array(64);
  heic.set([0, 0, 0, 24, ...'ftypheic'].map((c) => (typeof c === 'string' ? c.charCodeAt(0) : c)));
  const hp = await put('photo.heic', heic);
  await assert.rejects(
    loadVisionFile(hp),
    (e: unknown) => expectMedia('IMAGE_UNSUPPORTED_FORMAT', hp)(e) && /HEIC/.test((e as Error).message),
  );
});

test('missing file is FILE_NOT_FOUND', async () => {
  const p = join(dir, 'nope.png');
  await assert.rejects(loadVisionFile(p), expectMedia('FILE_NOT_FOUND', p));
});

test('a batch with one bad file still returns the good ones, in order', async () => {
  const bad = await put('bad.jpg', 'garbage');
  const paths = [ref('assets', 'car_image.jpg'), bad, ref('assets', 'extra_gray_100x150.png')];
  const results = await loadVisionFiles(paths, { concurrency: 2 });
  assert.deepEqual(
    results.map((r) => r.ok),
    [true, false, true],
  );
  assert.deepEqual(
    results.map((r) => r.source),
    paths,
  );
  const second = results[1];
  assert.ok(!second.ok && second.error instanceof MediaError && second.error.code === 'IMAGE_UNSUPPORTED_FORMAT');
  const first = results[0];
  assert.ok(first.ok && first.tensor.shape.join() === '3,224,224');
});
