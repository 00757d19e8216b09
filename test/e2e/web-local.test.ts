/**
 * The browser runtime: the server's embedded mini model, fetched from /v1/model/ and run by
 * onnxruntime-web in headless Chromium (WASM SIMD + threads on a cross-origin-isolated page), must
 * give the same embeddings as Node's onnxruntime for text, images and WAV audio (≤ 1e-4), and the
 * UI's "embed in this browser" mode must search with vectors only. The server side of this mode
 * (model files, vector queries) is tested without a browser in server-model-files.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { ImageBind } from '../../src/embed/imagebind.ts';
import { type SpawnedServer, spawnServer } from '../helpers/server.ts';
import { SOFTWARE_WEBGPU, chromiumMissing, launchChromium } from '../helpers/web/browser.ts';
import { makeMediaFolder } from '../helpers/web/media.ts';
import { runCli } from '../helpers/cli.ts';
import { ref } from '../helpers/shared.ts';

const skip = chromiumMissing();
const work = mkdtempSync(join(tmpdir(), 'imagebind-web-local-'));
let browser: Browser | undefined;
let server: SpawnedServer | undefined;
let model: ImageBind | undefined;

const TEXTS = ['a dog barking', 'a car engine revving', 'birds singing in the morning', ''];
const IMAGES = [
  'dog_image.jpg',
  'car_image.jpg',
  'bird_image.jpg',
  'extra_wide_645x360.jpg',
  'extra_gray_100x150.png',
  'extra_rgba_300x400.png',
  'extra_exif_orient6_320x240.jpg',
];
const WAVS = [
  'dog_audio.wav',
  'car_audio.wav',
  'extra_stereo_44k1.wav',
  'extra_long_22k05.wav',
  'extra_short_0p5s_16k.wav',
];

before(async () => {
  if (skip) return;
  const media = join(work, 'media');
  await makeMediaFolder(media, ref('assets'));
  const db = join(work, 'index.db');
  const indexed = await runCli(['index', media, '--db', db]);
  if (indexed.code !== 0) throw new Error(`index failed: ${indexed.stderr}`);
  server = await spawnServer(['--db', db, '--root', media, '--workers', '1']);
  browser = await launchChromium();
  model = await ImageBind.load();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await model?.close();
});

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for the page');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function maxAbsDiff(a: readonly number[], b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

interface BrowserResult {
  isolated: boolean;
  backend: string;
  text: number[][];
  images: number[][];
  wavs: number[][];
}

/** Embeds everything inside the page through local.js, exactly as the UI does. */
async function embedInPage(page: Page): Promise<BrowserResult> {
  const files = (names: string[]) =>
    names.map((n) => ({ name: n, b64: readFileSync(ref('assets', n)).toString('base64') }));
  // A string, not a function: tsx would wrap named closures in helpers the page does not have.
  const script = `(async (args) => {
    const blob = (f) => new Blob([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))]);
    const mod = await import(new URL('local.js', location.href).href);
    const m = await mod.loadLocalModel({ modelUrl: new URL('v1/model/', location.href).href, wasmPaths: new URL('ort/', location.href).href });
    const text = [], images = [], wavs = [];
    for (const t of args.texts) text.push(Array.from(await m.embedText(t)));
    for (const f of args.images) images.push(Array.from(await m.embedImage(blob(f))));
    for (const f of args.wavs) wavs.push(Array.from(await m.embedAudio(blob(f))));
    return { isolated: globalThis.crossOriginIsolated, backend: m.backend, text, images, wavs };
  })(${JSON.stringify({ texts: TEXTS, images: files(IMAGES), wavs: files(WAVS) })})`;
  return page.evaluate(script) as Promise<BrowserResult>;
}

async function parityInBrowser(b: Browser, backend: RegExp): Promise<string> {
  const page = await b.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  try {
    await page.goto(server!.url);
    const got = await embedInPage(page);
    assert.equal(got.isolated, true, 'the UI page must be cross-origin isolated so WASM can use threads');
    assert.match(got.backend, backend);
    const node = await model!.embed({
      text: TEXTS,
      vision: IMAGES.map((n) => ref('assets', n)),
      audio: WAVS.map((n) => ref('assets', n)),
    });
    assert.deepEqual(node.errors, []);
    const report: string[] = [];
    const check = (
      kind: string,
      names: readonly string[],
      browserVecs: number[][],
      nodeVecs: (Float32Array | null)[] | undefined,
    ) => {
      names.forEach((name, i) => {
        const d = maxAbsDiff(browserVecs[i], nodeVecs![i]!);
        report.push(`${kind} ${JSON.stringify(name)}: max |Δ| ${d.toExponential(2)}`);
        assert.ok(d <= 1e-4, `${kind} ${name}: browser (${got.backend}) and Node differ by ${d}`);
      });
    };
    check('text', TEXTS, got.text, node.text);
    check('image', IMAGES, got.images, node.vision);
    check('audio', WAVS, got.wavs, node.audio);
    assert.deepEqual(problems, []);
    return `backend ${got.backend}\n${report.join('\n')}`;
  } finally {
    await page.close();
  }
}

test(
  'browser runtime: mini model in Chromium (onnxruntime-web, WASM threads) equals Node for text, images and WAV audio within 1e-4',
  { skip: skip ?? false, timeout: 120_000 },
  async (t) => {
    t.diagnostic(await parityInBrowser(browser!, /^WASM · \d+ threads$/));
  },
);

test(
  'browser runtime: the WebGPU execution provider (software adapter) equals Node within 1e-4',
  { skip: skip ?? false, timeout: 180_000 },
  async (t) => {
    const gpu = await launchChromium(SOFTWARE_WEBGPU);
    try {
      t.diagnostic(await parityInBrowser(gpu, /^WebGPU$/));
    } finally {
      await gpu.close();
    }
  },
);

test(
  'UI "Embed queries in this browser": text and image queries go out as vectors and match server-side results',
  { skip: skip ?? false, timeout: 120_000 },
  async () => {
    const page = await browser!.newPage();
    const bodies: string[] = [];
    const embedCalls: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/v1/search')) bodies.push(r.postData() ?? '');
      if (r.url().includes('/v1/embed')) embedCalls.push(r.url());
    });
    try {
      await page.goto(server!.url);
      await page.check('#local-mode');
      await page.waitForFunction(
        () => /Embedding in this browser/.test(document.querySelector('#local-status')?.textContent ?? ''),
        null,
        { timeout: 60_000 },
      );
      await page.fill('#q', 'a dog barking');
      await page.press('#q', 'Enter');
      await page.waitForFunction(
        () => /embedded in this browser/.test(document.querySelector('#results-status')?.textContent ?? ''),
        null,
        { timeout: 60_000 },
      );
      const sent = JSON.parse(bodies.at(-1)!) as {
        queries: { kind: string; vector?: number[]; text?: string; identity?: string }[];
      };
      assert.equal(sent.queries.length, 1);
      assert.equal(sent.queries[0].kind, 'vector');
      assert.equal(sent.queries[0].text, undefined, 'the text itself must not leave the browser');
      assert.equal(sent.queries[0].vector!.length, model!.manifest.config.out_embed_dim);
      assert.equal(sent.queries[0].identity, model!.identity);
      assert.deepEqual(embedCalls, []);

      // The same query embedded by the server ranks the same items with the same scores.
      const res = await fetch(`${server!.url}/v1/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ queries: [{ kind: 'text', text: 'a dog barking' }], k: 24 }),
      });
      const serverHits = ((await res.json()) as { results: { path: string; score: number }[] }).results;
      const uiHits = await page.$$eval('[data-testid=result]', (els) =>
        els.map((e) => ({
          path: e.querySelector('.card-title')?.getAttribute('title') ?? '',
          score: Number(e.querySelector('[data-testid=score]')?.textContent),
        })),
      );
      assert.ok(uiHits.length > 0, 'results are shown');
      assert.deepEqual(
        uiHits.map((h) => h.path),
        serverHits.map((h) => h.path),
      );
      assert.deepEqual(
        uiHits.map((h) => h.score.toFixed(3)),
        serverHits.map((h) => h.score.toFixed(3)),
      );

      // An image query, embedded here too.
      await page.fill('#q', '');
      const before = bodies.length;
      await page.setInputFiles('#query-files', ref('assets', 'dog_image.jpg'));
      await waitFor(() => bodies.length > before, 60_000);
      const last = JSON.parse(bodies.at(-1)!) as { queries: { kind: string; data?: string }[] };
      assert.equal(last.queries.length, 1);
      assert.ok(
        last.queries.every((q) => q.kind === 'vector' && q.data === undefined),
        'image bytes are not uploaded in local mode',
      );

      // A format the browser would not decode exactly as the server (WebP) goes to the server instead.
      await page.click('#clear');
      const webp = join(work, 'dog.webp');
      await sharp(ref('assets', 'dog_image.jpg')).webp().toFile(webp);
      const beforeWebp = bodies.length;
      await page.setInputFiles('#query-files', webp);
      await waitFor(() => bodies.length > beforeWebp, 60_000);
      const sentWebp = JSON.parse(bodies.at(-1)!) as { queries: { kind: string; data?: string }[] };
      assert.equal(sentWebp.queries.length, 1);
      assert.equal(sentWebp.queries[0].kind, 'vision');
      assert.ok(sentWebp.queries[0].data, 'the WebP bytes are sent for the server to embed');
      // The status was 'Searching…' when the request left; it must not claim local embedding after.
      const status = await page.waitForFunction(
        () => {
          const t = document.querySelector('#results-status')?.textContent ?? '';
          return /result/.test(t) ? t : null;
        },
        null,
        { timeout: 60_000 },
      );
      assert.doesNotMatch(String(await status.jsonValue()), /embedded in this browser/);
    } finally {
      await page.close();
    }
  },
);
