/**
 * The package as a user gets it: `npm pack` (whose prepack builds dist/), installed offline from
 * the tarball into an empty project, then used without tsx or this repository:
 *  - plain Node imports `imagebind-ts` and embeds text and an image with the embedded mini model,
 *    giving the same vectors as the sources do;
 *  - `npx imagebind --version` and `npx imagebind demo` run the compiled CLI;
 *  - a strict `module: nodenext` TypeScript consumer type-checks against the shipped .d.ts
 *    (skipLibCheck off), including result types that follow the request;
 *  - `imagebind-ts/web` bundles with esbuild into a page that embeds text in headless Chromium.
 * The tarball must hold what the package needs and no tests, sources, benches or scripts.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { ImageBind } from '../../src/embed/imagebind.ts';
import { type Packed, installOffline, packRepo, run, writeConsumerProject } from '../helpers/consumer-project.ts';
import { repoDir } from '../helpers/shared.ts';
import { chromiumMissing, launchChromium } from '../helpers/web/browser.ts';

const work = mkdtempSync(join(tmpdir(), 'imagebind-consumer-'));
const app = join(work, 'app');
const pkg = JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8')) as {
  version: string;
  exports: Record<string, unknown>;
};
let packed: Packed;

before(async () => {
  packed = await packRepo(work);
  writeConsumerProject(app, packed.tarball, ['typescript', 'esbuild', '@types/node']);
  await installOffline(app);
  await sharp({
    create: { width: 96, height: 64, channels: 3, background: { r: 200, g: 80, b: 30 } },
  })
    .composite([
      { input: Buffer.alloc(32 * 32 * 3, 0x40), raw: { width: 32, height: 32, channels: 3 }, left: 8, top: 8 },
    ])
    .png()
    .toFile(join(app, 'photo.png'));
});

after(() => rmSync(work, { recursive: true, force: true }));

test('the tarball holds dist/, the mini model, the README and the licence, and no tests or sources', () => {
  const paths = packed.files.map((f) => f.path);
  for (const need of [
    'LICENSE',
    'README.md',
    'package.json',
    'bin/imagebind.js',
    'dist/index.js',
    'dist/index.d.ts',
    'dist/index.js.map',
    'dist/embed/web.js',
    'dist/embed/web.d.ts',
    'dist/cli/main.js',
    'dist/runtime/session-thread-entry.js',
    'dist/server/preprocess-worker.js',
    'dist/web/ui/index.html',
    'dist/web/ui/app.js',
    'dist/web/ui/app.css',
    'dist/web/ui/local.js',
    'models/mini/manifest.json',
    'models/mini/vision.weights',
    'models/mini/decoder/manifest.json',
    'models/mini/decoder/dit.weights',
    'models/mini/judge/judge.weights',
  ])
    assert.ok(paths.includes(need), `${need} is missing from the tarball`);
  const unwanted = paths.filter(
    (p) => /\.test\.|(^|\/)testing\.|fixtures?\//.test(p) || /^(src|test|bench|scripts|examples)\//.test(p),
  );
  assert.deepEqual(unwanted, []);
  // Every export target ships.
  const targets = JSON.stringify(pkg.exports).match(/\.\/dist\/[^"]+/g) ?? [];
  for (const t of targets) assert.ok(paths.includes(t.slice(2)), `exports name ${t}, which is not in the tarball`);
});

test('plain Node imports the package and embeds text and an image, as the sources do', async () => {
  writeFileSync(
    join(app, 'embed.mjs'),
    `import { ImageBind } from 'imagebind-ts';
const model = await ImageBind.load();
const out = await model.embed({ text: ['a dog barking'], vision: ['photo.png'] });
console.log(JSON.stringify({ text: Array.from(out.text[0]), vision: Array.from(out.vision[0]), errors: out.errors }));
await model.close();
`,
  );
  const r = await run(process.execPath, ['embed.mjs'], { cwd: app });
  assert.equal(r.code, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { text: number[]; vision: number[]; errors: unknown[] };
  assert.deepEqual(got.errors, []);
  const model = await ImageBind.load();
  try {
    const want = await model.embed({ text: ['a dog barking'], vision: [join(app, 'photo.png')] });
    assert.deepEqual(got.text, Array.from(want.text[0]!));
    assert.deepEqual(got.vision, Array.from(want.vision[0]!));
  } finally {
    await model.close();
  }
});

test('npx imagebind --version, then demo, run the compiled CLI', async () => {
  const version = await run('npx', ['--no', '--', 'imagebind', '--version'], { cwd: app });
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stdout.trim(), pkg.version);
  const demo = await run('npx', ['--no', '--', 'imagebind', 'demo', '--per-class', '1', '--dir', 'demo', '--json'], {
    cwd: app,
    timeoutMs: 180_000,
  });
  assert.equal(demo.code, 0, demo.stderr);
  const report = JSON.parse(demo.stdout) as { indexed: number; queries: unknown[] };
  assert.equal(report.indexed, 16 * 5);
  assert.ok(report.queries.length > 0);
});

test('a strict nodenext TypeScript consumer type-checks against the shipped types', async () => {
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
      },
      files: ['check.ts'],
    }),
  );
  writeFileSync(
    join(app, 'check.ts'),
    `import { ImageBind, ImageBindError, type Float32Tensor } from 'imagebind-ts';
import { ImageBindWeb } from 'imagebind-ts/web';

const model = await ImageBind.load();
const out = await model.embed({ text: ['a dog'], vision: ['photo.png'] }, { normalize: true });
const text: (Float32Array | null)[] = out.text;
const vision: (Float32Array | null)[] = out.vision;
// @ts-expect-error audio was not asked for, so it may be absent
const audio: (Float32Array | null)[] = out.audio;
const tensor: Float32Tensor = await model.embedTensor('vision', { dtype: 'float32', shape: [1, 3, 224, 224], data: new Float32Array(3 * 224 * 224) });
const web: Promise<ImageBindWeb> = ImageBindWeb.load('https://example.org/models/mini/');
const isOurs = (e: unknown): boolean => e instanceof ImageBindError && typeof e.code === 'string';
console.log(text.length, vision.length, audio, tensor.shape, web, isOurs);
`,
  );
  const r = await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.'], { cwd: app });
  assert.equal(r.code, 0, `tsc found errors:\n${r.stdout}${r.stderr}`);
});

test(
  'imagebind-ts/web bundles with esbuild into a page that embeds text in Chromium',
  { skip: chromiumMissing() ?? false },
  async () => {
    writeFileSync(
      join(app, 'page.js'),
      `import { ImageBindWeb } from 'imagebind-ts/web';
const model = await ImageBindWeb.load(new URL('model/', location.href).href, { wasmPaths: '/ort/', executionProviders: ['wasm'] });
const t = await model.embedText(['a dog barking']);
window.done = Array.from(t.data);
`,
    );
    const bundled = await run(
      process.execPath,
      [
        'node_modules/esbuild/bin/esbuild',
        'page.js',
        '--bundle',
        '--format=esm',
        '--platform=browser',
        '--outfile=www/page.js',
        '--log-level=error',
      ],
      { cwd: app },
    );
    assert.equal(bundled.code, 0, bundled.stderr);
    const roots: Record<string, string> = {
      '/model/': join(app, 'node_modules/imagebind-ts/models/mini'),
      '/ort/': join(app, 'node_modules/onnxruntime-web/dist'),
      '/': join(app, 'www'),
    };
    writeFileSync(join(app, 'www/index.html'), '<!doctype html><script type="module" src="page.js"></script>');
    const server: Server = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x').pathname;
      const [prefix, dir] = Object.entries(roots).find(([p]) => url.startsWith(p))!;
      const file = normalize(join(dir, url.slice(prefix.length) || 'index.html'));
      if (!file.startsWith(dir)) return res.writeHead(403).end();
      try {
        const body = await readFile(file);
        const types: Record<string, string> = {
          '.html': 'text/html',
          '.js': 'text/javascript',
          '.mjs': 'text/javascript',
          '.wasm': 'application/wasm',
        };
        res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await page
        .waitForFunction(() => (window as { done?: unknown }).done !== undefined || false, null, { timeout: 60_000 })
        .catch(() => {
          throw new Error(`the page did not finish: ${errors.join('; ')}`);
        });
      const got = (await page.evaluate(() => (window as unknown as { done: number[] }).done)) as number[];
      const model = await ImageBind.load();
      try {
        const want = (await model.embed({ text: ['a dog barking'] })).text[0]!;
        assert.equal(got.length, want.length);
        const diff = Math.max(...got.map((v, i) => Math.abs(v - want[i]!)));
        assert.ok(diff < 1e-4, `browser and Node differ by ${diff}`);
      } finally {
        await model.close();
      }
    } finally {
      await browser.close();
      server.close();
    }
  },
);
