/**
 * ImageBindWeb reads a model directory over HTTP through the same model-directory abstraction as
 * ImageBind and takes the same `embed({...})` call. Run here in Node with onnxruntime-web (WASM)
 * against the shipped mini model served by a fetch over the folder; the browser run is in
 * test/e2e/web-local.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, MediaError } from '../core/errors.ts';
import { ref, repoDir } from '../../test/helpers/shared.ts';
import { ImageBind } from './imagebind.ts';
import { ImageBindWeb } from './web.ts';

const MINI = join(repoDir, 'models/mini');
const BASE = 'http://models.test/mini/';

/** A fetch over the model folder that records what it was asked for. */
function folderFetch(asked: string[]): typeof fetch {
  return (async (input: string | URL | Request) => {
    const url = String(input);
    asked.push(url);
    if (!url.startsWith(BASE)) return new Response('outside', { status: 404 });
    try {
      return new Response(await readFile(join(MINI, url.slice(BASE.length))));
    } catch {
      return new Response('missing', { status: 404 });
    }
  }) as typeof fetch;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('ImageBindWeb.embed takes the same call as ImageBind.embed and agrees with it', async () => {
  const asked: string[] = [];
  const web = await ImageBindWeb.load(BASE.slice(0, -1), {
    fetch: folderFetch(asked),
    executionProviders: ['wasm'],
    threads: 1,
  });
  const node = await ImageBind.load(MINI);
  try {
    assert.equal(web.baseUrl, BASE);
    assert.equal(web.identity, node.identity);
    assert.deepEqual(web.modalities, node.modalities);
    const png = new Uint8Array(await readFile(ref('assets', 'extra_rgba_300x400.png')));
    const wav = new Uint8Array(await readFile(ref('assets', 'extra_short_0p5s_16k.wav')));
    const inputs = { text: ['a dog barking', 'rain'], vision: [png], audio: [wav] };
    const [w, n] = await Promise.all([web.embed(inputs, { normalize: true }), node.embed(inputs, { normalize: true })]);
    assert.deepEqual(w.errors, []);
    assert.deepEqual(n.errors, []);
    for (const kind of ['text', 'vision', 'audio'] as const) {
      assert.equal(w[kind].length, n[kind].length);
      w[kind].forEach((v, i) => {
        // WASM and native onnxruntime kernels round differently; the inputs are identical.
        const d = maxAbsDiff(v!, n[kind][i]!);
        assert.ok(d < 1e-4, `${kind}[${i}]: max |web - node| = ${d}`);
      });
    }
    assert.ok(asked.every((u) => u.startsWith(BASE)));
    assert.ok(asked.includes(`${BASE}manifest.json`));
  } finally {
    await Promise.all([web.close(), node.close()]);
  }
});

test('ImageBindWeb: formats a browser decodes here only, paths refused, missing files named', async () => {
  const web = await ImageBindWeb.load(BASE, { fetch: folderFetch([]), executionProviders: ['wasm'], threads: 1 });
  try {
    const jpeg = new Uint8Array(await readFile(ref('assets', 'dog_image.jpg')));
    const out = await web.embed({ vision: [jpeg, 'photo.png'] });
    assert.deepEqual(out.vision, [null, null]);
    assert.deepEqual(
      out.errors.map((e) => e.code),
      ['IMAGE_UNSUPPORTED_FORMAT', 'FILE_UNREADABLE'],
    );
    await assert.rejects(web.loadItem('vision', 'x.png', 'x.png'), MediaError);
  } finally {
    await web.close();
  }
  await assert.rejects(
    ImageBindWeb.load('http://models.test/nothing/', { fetch: folderFetch([]) }),
    (e: unknown) =>
      e instanceof ConfigError && e.code === 'MODEL_FETCH_FAILED' && /nothing\/manifest\.json/.test(e.message),
  );
});
