import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { zlibSync } from 'fflate';
import sharp from 'sharp';
import { ref } from '../../../test/helpers/shared.ts';
import { MediaError } from '../../core/errors.ts';
import { decodeRaw, rawToRgb } from './decode.ts';
import { crc32, pngChunk as chunk } from './png-crc.ts';
import { decodePng } from './png-decode.ts';
import {
  CHANNELS,
  type ColorType,
  PALETTE_SIZE,
  type Spec,
  buildPng,
  concat,
  randomSpec,
  rng,
} from '../../../test/helpers/png-builder.ts';
async function assertSameAsSharp(bytes: Uint8Array, name: string): Promise<void> {
  const [ours, theirs] = [decodePng(bytes, name), await decodeRaw(bytes, name)];
  assert.deepEqual(
    { w: ours.width, h: ours.height, channels: ours.channels, bitDepth: ours.bitDepth, format: ours.format },
    { w: theirs.width, h: theirs.height, channels: theirs.channels, bitDepth: theirs.bitDepth, format: theirs.format },
    name,
  );
  assert.equal(ours.data.constructor, theirs.data.constructor, `${name}: sample type`);
  assert.ok(
    Buffer.from(ours.data.buffer, ours.data.byteOffset, ours.data.byteLength).equals(
      Buffer.from(theirs.data.buffer, theirs.data.byteOffset, theirs.data.byteLength),
    ),
    `${name}: samples differ`,
  );
  for (const gray16 of ['pil', 'scale'] as const) {
    assert.deepEqual(rawToRgb(ours, gray16).data, rawToRgb(theirs, gray16).data, `${name}: rawToRgb(${gray16})`);
  }
}

const DEPTHS: [ColorType, Spec['bitDepth'][]][] = [
  [0, [1, 2, 4, 8, 16]],
  [2, [8, 16]],
  [3, [1, 2, 4, 8]],
  [4, [8, 16]],
  [6, [8, 16]],
];

test('every colour type × bit depth × filter × interlace matches sharp', async () => {
  let n = 0;
  for (const [colorType, depths] of DEPTHS) {
    for (const bitDepth of depths) {
      for (const interlace of [false, true]) {
        for (const filter of [0, 1, 2, 3, 4, 'cycle'] as const) {
          const spec = randomSpec(colorType, bitDepth, ++n, { interlace, filter });
          await assertSameAsSharp(
            buildPng(spec),
            `ct${colorType} d${bitDepth} ${interlace ? 'adam7' : 'plain'} f${filter}`,
          );
        }
      }
    }
  }
  assert.equal(n, 15 * 2 * 6);
});

test('odd sizes (empty Adam7 passes, sub-byte row padding) and many IDAT chunks match sharp', async () => {
  let seed = 1000;
  for (const [width, height] of [
    [1, 1],
    [1, 9],
    [9, 1],
    [2, 3],
    [7, 7],
    [8, 8],
    [17, 5],
    [33, 2],
  ]) {
    for (const [colorType, depths] of DEPTHS) {
      for (const bitDepth of depths) {
        const spec = randomSpec(colorType, bitDepth, ++seed, {
          width,
          height,
          interlace: seed % 2 === 0,
          filter: 'cycle',
          idatSplit: 1 + (seed % 7),
        });
        await assertSameAsSharp(buildPng(spec), `${width}x${height} ct${colorType} d${bitDepth} split`);
      }
    }
  }
});

test('tRNS: colour keys on grey/RGB and palette alpha tables match sharp', async () => {
  let seed = 2000;
  for (const interlace of [false, true]) {
    for (const [colorType, depths] of [
      [0, [1, 2, 4, 8, 16]],
      [2, [8, 16]],
    ] as const) {
      for (const bitDepth of depths) {
        const spec = randomSpec(colorType, bitDepth, ++seed, { interlace, filter: 'cycle' });
        const ch = CHANNELS[colorType];
        const key = spec.samples.slice(0, ch);
        for (let p = 0; p < spec.width * spec.height; p += 3) spec.samples.splice(p * ch, ch, ...key); // every third pixel is the key
        await assertSameAsSharp(buildPng({ ...spec, trns: key }), `ct${colorType} d${bitDepth} key`);
        // an 8-bit key with a high byte set: libspng compares the low byte only
        if (bitDepth === 8)
          await assertSameAsSharp(buildPng({ ...spec, trns: key.map((v) => v + 256) }), `ct${colorType} high-byte key`);
        await assertSameAsSharp(
          buildPng({ ...spec, trns: key.slice(0, ch - 1) }),
          `ct${colorType} d${bitDepth} wrong-length key`,
        );
      }
    }
    for (const bitDepth of [1, 2, 4, 8] as const) {
      const spec = randomSpec(3, bitDepth, ++seed, { interlace, filter: 'cycle' });
      const entries = PALETTE_SIZE[bitDepth];
      const tables = { full: entries, short: 1, empty: 0, 'too long': entries + 1 } as Record<string, number>;
      for (const [name, len] of Object.entries(tables)) {
        await assertSameAsSharp(
          buildPng({ ...spec, trns: Array.from({ length: len }, (_, i) => (i * 37) & 255) }),
          `palette d${bitDepth} tRNS ${name}`,
        );
      }
    }
  }
  // indices past the end of PLTE read as black (opaque), with and without tRNS
  const oob: Spec = {
    width: 4,
    height: 1,
    colorType: 3,
    bitDepth: 8,
    palette: [10, 20, 30, 40, 50, 60],
    samples: [0, 1, 2, 255],
  };
  await assertSameAsSharp(buildPng(oob), 'palette index past PLTE');
  await assertSameAsSharp(buildPng({ ...oob, trns: [7] }), 'palette index past PLTE + tRNS');
  // tRNS on types that carry alpha already is ignored
  await assertSameAsSharp(buildPng({ ...randomSpec(6, 8, 3000), trns: [1, 2, 3] }), 'rgba + tRNS');
  await assertSameAsSharp(buildPng({ ...randomSpec(4, 16, 3001), trns: [1] }), 'grey-alpha + tRNS');
});

test('PNGs written by sharp (palette, 16-bit, grey, interlaced, adaptive filters) match', async () => {
  const w = 37,
    h = 29;
  const rgba = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++)
      rgba.set([x * 7, y * 9, (x * y) & 255, x < 6 ? 0 : x < 12 ? 128 : 255], (y * w + x) * 4);
  }
  const seen = new Set<string>();
  for (const alpha of [true, false]) {
    const base = (): sharp.Sharp => {
      const s = sharp(rgba, { raw: { width: w, height: h, channels: 4 } });
      return alpha ? s : s.removeAlpha();
    };
    for (const progressive of [false, true]) {
      for (const adaptiveFiltering of [false, true]) {
        const png = { progressive, adaptiveFiltering };
        const variants: [string, sharp.Sharp][] = [
          ['8-bit', base().png(png)],
          ['16-bit', base().toColourspace('rgb16').png(png)],
          ['grey', base().toColourspace('b-w').png(png)],
          ['grey16', base().toColourspace('grey16').png(png)],
          ...[2, 4, 16, 200].map((colours): [string, sharp.Sharp] => [
            `palette ${colours}`,
            base().png({ ...png, palette: true, colours, dither: 0 }),
          ]),
        ];
        for (const [name, pipeline] of variants) {
          const bytes = new Uint8Array(await pipeline.toBuffer());
          seen.add(`ct${bytes[25]} d${bytes[24]} i${bytes[28]}`);
          await assertSameAsSharp(bytes, `sharp ${name} alpha=${alpha} ${JSON.stringify(png)}`);
        }
      }
    }
  }
  for (const kind of [
    'ct2 d8',
    'ct6 d8',
    'ct2 d16',
    'ct6 d16',
    'ct0 d8',
    'ct4 d8',
    'ct0 d16',
    'ct4 d16',
    'ct3 d1',
    'ct3 d2',
    'ct3 d4',
    'ct3 d8',
  ]) {
    assert.ok(
      seen.has(`${kind} i0`) && seen.has(`${kind} i1`),
      `sharp wrote ${kind} plain and interlaced (saw ${[...seen].join(', ')})`,
    );
  }
});

test('reference assets decode like sharp', async () => {
  for (const name of ['extra_rgba_300x400.png', 'extra_gray_100x150.png']) {
    const bytes = new Uint8Array(readFileSync(ref('assets', name)));
    await assertSameAsSharp(bytes, name);
    assert.equal(decodePng(bytes, name).channels, name.includes('rgba') ? 4 : 1);
  }
  // the point of this decoder: fully transparent pixels keep their stored RGB (a canvas would zero it)
  const rgba = decodePng(new Uint8Array(readFileSync(ref('assets', 'extra_rgba_300x400.png'))), 'rgba');
  let transparentWithColour = 0;
  for (let i = 0; i < rgba.data.length; i += 4)
    if (rgba.data[i + 3] === 0 && rgba.data[i] | rgba.data[i + 1] | rgba.data[i + 2]) transparentWithColour++;
  assert.ok(transparentWithColour > 1000, `${transparentWithColour} transparent pixels with colour`);
});

function assertMediaError(fn: () => unknown, code: string, pattern?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MediaError, `expected MediaError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, /^bad\.png: /);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

test('malformed PNGs throw MediaError with a code and a message naming the file', () => {
  const good = buildPng(randomSpec(2, 8, 5));
  const withIhdr = (patch: (d: Uint8Array) => void): Uint8Array => {
    const d = good.slice(16, 29);
    patch(d);
    return concat([good.subarray(0, 8), chunk('IHDR', d), good.subarray(33)]);
  };
  assertMediaError(() => decodePng(new Uint8Array(0), 'bad.png'), 'IMAGE_CORRUPT', /signature/);
  assertMediaError(
    () => decodePng(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5]), 'bad.png'),
    'IMAGE_CORRUPT',
    /signature/,
  );
  assertMediaError(() => decodePng(good.subarray(0, 40), 'bad.png'), 'IMAGE_TRUNCATED', /cut off/);
  assertMediaError(() => decodePng(good.subarray(0, good.length - 12), 'bad.png'), 'IMAGE_TRUNCATED', /IEND/);
  assertMediaError(
    () =>
      decodePng(
        withIhdr((d) => {
          d[8] = 4;
        }),
        'bad.png',
      ),
    'IMAGE_CORRUPT',
    /bit depth 4/,
  );
  assertMediaError(
    () =>
      decodePng(
        withIhdr((d) => {
          d[9] = 5;
        }),
        'bad.png',
      ),
    'IMAGE_CORRUPT',
    /colour type 5/,
  );
  assertMediaError(
    () =>
      decodePng(
        withIhdr((d) => {
          d.set([0, 0, 0, 0], 0);
        }),
        'bad.png',
      ),
    'IMAGE_CORRUPT',
    /size 0x11/,
  );
  assertMediaError(
    () =>
      decodePng(
        withIhdr((d) => {
          d.set([0, 1, 0, 0, 0, 1, 0, 0], 0);
        }),
        'bad.png',
      ),
    'IMAGE_PIXELS_LIMIT',
    /maxImagePixels = 178956970 pixels/,
  );
  assertMediaError(
    () =>
      decodePng(
        withIhdr((d) => {
          d.set([0, 0, 1, 0], 0);
        }),
        'bad.png',
      ),
    'IMAGE_TRUNCATED',
    /cannot hold|of \d+ bytes/,
  );
  assertMediaError(
    () => decodePng(buildPng({ width: 2, height: 1, colorType: 3, bitDepth: 8, samples: [0, 0] }), 'bad.png'),
    'IMAGE_CORRUPT',
    /PLTE/,
  );
  assertMediaError(
    () => decodePng(buildPng({ ...randomSpec(3, 1, 6), palette: [1, 2, 3, 4, 5, 6, 7, 8, 9] }), 'bad.png'),
    'IMAGE_CORRUPT',
    /PLTE/,
  );
  const badFilter = { ...randomSpec(0, 8, 7), filter: 5 };
  assertMediaError(() => decodePng(buildPng(badFilter), 'bad.png'), 'IMAGE_CORRUPT', /filter 5/);
  const idat = (data: Uint8Array): Uint8Array =>
    concat([good.subarray(0, 33), chunk('IDAT', data), chunk('IEND', new Uint8Array(0))]);
  assertMediaError(() => decodePng(idat(zlibSync(new Uint8Array(10))), 'bad.png'), 'IMAGE_TRUNCATED', /image data/);
  assertMediaError(
    () => decodePng(idat(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)), 'bad.png'),
    'IMAGE_CORRUPT',
    /inflated/,
  );
  assertMediaError(
    () => decodePng(concat([good.subarray(0, 33), chunk('IEND', new Uint8Array(0))]), 'bad.png'),
    'IMAGE_CORRUPT',
    /IDAT/,
  );
  // more data than the image needs is ignored, as libspng does
  const rows = new Uint8Array(11 * (13 * 3 + 1) + 50);
  assert.equal(decodePng(idat(zlibSync(rows)), 'extra.png').data.length, 13 * 11 * 3);
});

/** Recomputes every complete chunk's CRC, so a corruption reaches the decoder past the CRC check. */
function fixCrcs(b: Uint8Array): Uint8Array {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let pos = 8; pos + 12 <= b.length;) {
    const len = view.getUint32(pos);
    if (pos + 12 + len > b.length) break;
    view.setUint32(pos + 8 + len, crc32(b.subarray(pos + 4, pos + 8 + len)));
    pos += 12 + len;
  }
  return b;
}

test('fuzz: 300 seeded corruptions and truncations only ever throw MediaError, and fast', () => {
  const seeds = [
    randomSpec(2, 8, 11, { interlace: true, filter: 'cycle', idatSplit: 97 }),
    randomSpec(3, 4, 12, { trns: [0, 9] }),
    randomSpec(0, 16, 13, { filter: 'cycle' }),
    randomSpec(4, 8, 14, { interlace: true, filter: 4 }),
  ].map(buildPng);
  const rand = rng(42);
  const outcomes = { decoded: 0, rejected: 0 };
  const start = performance.now();
  for (let i = 0; i < 300; i++) {
    const bytes = seeds[i % seeds.length].slice();
    let input: Uint8Array = bytes;
    const kind = rand(4);
    if (kind === 0)
      input = bytes.subarray(0, rand(bytes.length)); // truncation
    else if (kind === 1)
      for (let k = 1 + rand(8); k > 0; k--) bytes[rand(bytes.length)] = rand(256); // random bytes
    else if (kind === 2)
      bytes[8 + rand(33)] ^= 1 << rand(8); // one bit in the signature tail / IHDR
    else {
      const at = 33 + rand(bytes.length - 33);
      bytes[at] = 0xff;
      bytes[at + 1] = 0xff;
    } // absurd lengths / values
    // Half the cases keep valid CRCs, so the decoder itself (not only the CRC check) sees the damage.
    if (i % 2 === 0) fixCrcs(bytes);
    const t0 = performance.now();
    try {
      const raw = decodePng(input, 'fuzz.png');
      assert.equal(raw.data.length, raw.width * raw.height * raw.channels);
      outcomes.decoded++;
    } catch (e) {
      assert.ok(e instanceof MediaError, `case ${i} (kind ${kind}) threw ${(e as Error)?.stack ?? String(e)}`);
      outcomes.rejected++;
    }
    assert.ok(performance.now() - t0 < 500, `case ${i} took ${performance.now() - t0} ms`);
  }
  assert.ok(outcomes.decoded > 0 && outcomes.rejected > 0, JSON.stringify(outcomes));
  assert.ok(performance.now() - start < 5000);
});

test('png-decode.ts is browser-safe: its bundle pulls in no node: modules, sharp or decode.ts', async () => {
  const esbuild = await import('esbuild');
  const out = await esbuild.build({
    entryPoints: [fileURLToPath(new URL('./png-decode.ts', import.meta.url))],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(out.metafile.inputs);
  assert.ok(
    inputs.every((f) => !/^node:|sharp|image\/decode\.ts$|read-file\.ts$/.test(f)),
    inputs.join(', '),
  );
  assert.doesNotMatch(out.outputFiles[0].text, /\bBuffer\.|require\(|\bprocess\./);
});
