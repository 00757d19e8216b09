/**
 * Issue 11 item 2: with the HNSW index in use (≥ 20k vectors), a running server and a CLI `index`
 * writing the same store both see every item, through restarts. The bug: the server's graphs never
 * learnt of the CLI's items, and were saved on shutdown under the store's new fingerprint, so later
 * processes answered "no results" too.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageBind } from '../../src/embed/imagebind.ts';
import { type SpawnedServer, spawnServer } from '../helpers/server.ts';
import { openStore } from '../../src/store/index.ts';
import { seededVector } from '../helpers/store.ts';
import { runCli } from '../helpers/cli.ts';
import { ref } from '../helpers/shared.ts';

const work = mkdtempSync(join(tmpdir(), 'imagebind-sync-'));
const db = join(work, 'store.db');
const media = join(work, 'media');
const SYNTHETIC = 20_500;
let identity = '';
let server: SpawnedServer | null = null;

type Hit = { id: number; path: string; modality: string; score: number };

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(server!.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  assert.equal(res.status, 200, JSON.stringify(json));
  return json;
}

/** The server's top hit for an item's own stored vector, within its modality. */
async function serverTop(id: number, modality: string): Promise<Hit> {
  const r = await post('/v1/search', { queries: [{ itemId: id }], k: 1, modalities: [modality] });
  return (r.results as Hit[])[0];
}

async function listed(): Promise<Map<string, { id: number; modality: string }>> {
  const out = new Map<string, { id: number; modality: string }>();
  let after = 0;
  for (;;) {
    const page = (await (await fetch(`${server!.url}/v1/items?after=${after}&limit=1000`)).json()) as {
      items: { id: number; path: string; modality: string }[];
    };
    if (page.items.length === 0) return out;
    for (const i of page.items) out.set(i.path, i);
    after = page.items[page.items.length - 1].id;
  }
}

/** Every real (non-synthetic) item is found by the server as its own nearest neighbour. */
async function serverSeesAll(paths: readonly string[]): Promise<void> {
  const items = await listed();
  assert.ok(items.size >= SYNTHETIC + paths.length, `${items.size} items listed`);
  for (const p of paths) {
    const item = items.get(p);
    assert.ok(item, `${p} is listed`);
    const top = await serverTop(item.id, item.modality);
    assert.ok(top, `the server finds nothing for ${p}`);
    assert.equal(top.id, item.id, `the server's nearest ${item.modality} item to ${p} is ${top.path}`);
  }
}

/** The CLI finds each image file as the nearest image to itself. */
async function cliSeesAll(files: readonly string[]): Promise<void> {
  for (const f of files) {
    const r = await runCli(['search', '--db', db, '--image', f, '--modality', 'image', '-k', '1', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const hits = JSON.parse(r.stdout) as Hit[];
    assert.equal(hits.length, 1, `CLI search for ${f}: ${r.stdout}`);
    assert.ok(hits[0].score > 0.9999, `${f}: ${JSON.stringify(hits[0])}`);
  }
}

async function startServer(): Promise<void> {
  server = await spawnServer(['--db', db, '--root', media]);
}

before(async () => {
  mkdirSync(media, { recursive: true });
  const model = await ImageBind.load();
  identity = model.identity;
  const space = { identity, dim: model.manifest.config.out_embed_dim, modelName: model.manifest.name };
  await model.close();
  // ≥ 20k synthetic vectors in the model's space: above the HNSW threshold.
  const store = openStore(db, { space, ann: false });
  for (let start = 0; start < SYNTHETIC; start += 5000) {
    store.addItems(
      Array.from({ length: Math.min(5000, SYNTHETIC - start) }, (_, j) => ({
        path: `/synthetic/${start + j}.png`,
        modality: 'vision' as const,
        vector: seededVector(start + j, space.dim),
        hash: String(start + j),
        mtime: 1,
        size: 1,
      })),
    );
  }
  store.close();
});

after(async () => {
  await server?.stop();
});

test(
  'a server and CLI index writing one ≥ 20k-vector store both see every item, through restarts',
  { timeout: 600_000 },
  async () => {
    await startServer();
    // The server builds its graphs on the first search.
    const first = await serverTop(123, 'vision');
    assert.equal(first.path, '/synthetic/122.png'); // ids start at 1

    // 1. A CLI `index` adds files while the server runs.
    copyFileSync(ref('assets', 'dog_image.jpg'), join(media, 'dog.jpg'));
    copyFileSync(ref('assets', 'dog_audio.wav'), join(media, 'dog.wav'));
    copyFileSync(ref('assets', 'car_audio.wav'), join(media, 'car.wav'));
    const indexed = await runCli(['index', media, '--db', db, '--json']);
    assert.equal(indexed.code, 0, indexed.stderr);
    assert.equal((JSON.parse(indexed.stdout) as { added: number }).added, 3);
    const fromCli = ['dog.jpg', 'dog.wav', 'car.wav'].map((n) => join(media, n));
    await serverSeesAll(fromCli);

    // 2. The server writes (an upload); the CLI sees it, and the server's own graphs too.
    const form = new FormData();
    form.append('image', new Blob([readFileSync(ref('assets', 'bird_image.jpg'))]), 'bird.jpg');
    const up = await fetch(`${server!.url}/v1/items`, { method: 'POST', body: form });
    assert.equal(up.status, 200);
    const uploaded = ((await up.json()) as { items: { path: string }[] }).items[0].path;
    await serverSeesAll([...fromCli, uploaded]);
    await cliSeesAll([join(media, 'dog.jpg'), ref('assets', 'bird_image.jpg')]);

    // 3. Restart the server: it saved graphs on shutdown, and must not answer from a stale save.
    await server!.stop();
    copyFileSync(ref('assets', 'car_image.jpg'), join(media, 'car.jpg'));
    const again = await runCli(['index', media, '--db', db, '--json']);
    assert.equal(again.code, 0, again.stderr);
    await startServer();
    const all = [...fromCli, join(media, 'car.jpg'), uploaded];
    await serverSeesAll(all);
    await cliSeesAll([join(media, 'dog.jpg'), join(media, 'car.jpg'), ref('assets', 'bird_image.jpg')]);

    // 4. And once more while it runs, then a last restart.
    copyFileSync(ref('assets', 'bird_audio.wav'), join(media, 'bird.wav'));
    assert.equal((await runCli(['index', media, '--db', db])).code, 0);
    all.push(join(media, 'bird.wav'));
    await serverSeesAll(all);
    await server!.stop();
    await startServer();
    await serverSeesAll(all);
    assert.equal(
      (await serverTop(20_000, 'vision')).path,
      '/synthetic/19999.png',
      'item ids start at 1: the synthetic vectors are still found',
    );
  },
);
