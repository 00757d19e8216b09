/**
 * Search by segment through the real CLI and a real server (mini model): `index --segments`,
 * `search --segments [--within]`, the server's segment results, `eval-segments --json`, and the
 * errors for bad window lengths and for files without time.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLASSES } from '../../src/synth/world/classes.ts';
import { encodePng } from '../../src/synth/world/png.ts';
import { sampleTimeline } from '../../src/synth/world/timeline.ts';
import { writeTimelineVideo, writeTimelineWav } from '../../src/synth/world/timeline-files.ts';
import { runCli } from '../helpers/cli.ts';
import { type SpawnedServer, spawnServer } from '../helpers/server.ts';
import { chromiumMissing, launchChromium } from '../helpers/web/browser.ts';

const work = mkdtempSync(join(tmpdir(), 'imagebind-cli-segments-'));
const media = join(work, 'media');
const db = join(work, 'index.db');
const tl = sampleTimeline(21, 0, { duration: 90, events: 3 });
let server: SpawnedServer | null = null;

before(async () => {
  mkdirSync(media);
  await writeTimelineWav(tl, join(media, 'walk.wav'));
  await writeTimelineVideo(tl, join(media, 'walk.mp4'), { wav: join(media, 'walk.wav') });
});

after(async () => {
  await server?.stop();
});

test('index --segments and search --segments: the file and the time range', async () => {
  const r = await runCli(['index', media, '--db', db, '--segments', '15', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).failed, []);
  const e = tl.events[0];
  const s = await runCli([
    'search',
    '--db',
    db,
    '--segments',
    '--text',
    `a ${CLASSES[e.classId].caption.nouns[0]}`,
    '--within',
    join(media, 'walk.wav'),
    '-k',
    '3',
    '--json',
  ]);
  assert.equal(s.code, 0, s.stderr);
  const hits = JSON.parse(s.stdout) as { path: string; modality: string; start: number; end: number; score: number }[];
  assert.equal(hits.length, 3);
  for (const h of hits) {
    assert.equal(h.path, join(media, 'walk.wav'));
    assert.ok(h.start >= 0 && h.end <= 90 + 1e-6 && h.end - h.start > 0 && h.start % 15 === 0, JSON.stringify(h));
  }
  const text = await runCli(['search', '--db', db, '--segments', '--text', 'a bell', '-k', '2']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /\[\d+:\d\d\.\d–\d+:\d\d\.\d\]/);
});

test('segments errors: zero or negative length, a file without time, --within without --segments', async () => {
  const png = join(work, 'still.png');
  writeFileSync(png, encodePng(4, 4, { kind: 'rgb8', data: new Uint8Array(48).fill(90) }));
  const [zero, negative, still, within] = await Promise.all([
    runCli(['index', media, '--db', join(work, 'x.db'), '--segments', '0']),
    runCli(['index', media, '--db', join(work, 'x.db'), '--segments', '-5']),
    runCli(['index', png, '--db', join(work, 'x.db'), '--segments', '10']),
    runCli(['search', '--db', db, '--text', 'a dog', '--within', join(media, 'walk.wav')]),
  ]);
  for (const r of [zero, negative]) {
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /error \[SEGMENTS_BAD_LENGTH\]: segment length must be a positive number of seconds/);
  }
  assert.equal(still.code, 2);
  assert.match(still.stderr, /error \[SEGMENTS_NOT_TIMED\].*still\.png.*only audio and video/);
  assert.equal(within.code, 2);
  assert.match(within.stderr, /needs --segments/);
});

test('server: audio and video results carry their best segment; segments: true ranks windows', async () => {
  server = await spawnServer(['--db', db, '--root', media]);
  const post = async (body: unknown) => {
    const res = await fetch(`${server!.url}/v1/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as {
      results: {
        id: number;
        path: string;
        modality: string;
        segment?: { start: number; end: number; modality: string };
      }[];
    };
  };
  const plain = await post({ queries: [{ kind: 'text', text: 'a campfire' }], k: 5 });
  assert.ok(plain.results.length >= 2);
  for (const r of plain.results) {
    assert.ok(r.segment, `${r.path} has no segment`);
    assert.ok(r.segment.start >= 0 && r.segment.end > r.segment.start && r.segment.end <= 90 + 1e-6);
  }
  const windows = await post({
    queries: [{ kind: 'text', text: 'a campfire' }],
    k: 4,
    segments: true,
    modalities: ['video'],
  });
  assert.equal(windows.results.length, 4);
  assert.ok(windows.results.every((r) => r.segment?.modality === 'video' && r.path.endsWith('walk.mp4')));
  const bad = await fetch(`${server.url}/v1/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ queries: [{ kind: 'text', text: 'x' }], segments: 'yes' }),
  });
  assert.equal(bad.status, 400);
});

test(
  'web UI: the result of a recording shows its best window and plays from its start',
  { skip: chromiumMissing() ?? false },
  async () => {
    assert.ok(server, 'the server test ran first');
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(server!.url);
      await page.getByLabel('Search by text').fill('a campfire');
      const answered = page.waitForResponse((r) => r.url().endsWith('/v1/search'));
      await page.getByLabel('Search by text').press('Enter');
      assert.equal((await answered).status(), 200);
      const card = page.locator('[data-testid=result][data-modality=audio]').first();
      await card.waitFor();
      const label = await card.getByTestId('segment').textContent();
      assert.match(label ?? '', /^\d+:\d\d\.\d–\d+:\d\d\.\d$/);
      const { src, start, time } = await card.locator('audio').evaluate(async (el: HTMLAudioElement) => {
        const ready = new Promise((r) => el.addEventListener('loadedmetadata', r, { once: true }));
        el.preload = 'metadata';
        el.load();
        await ready;
        return { src: el.src, start: Number(/#t=([\d.]+),/.exec(el.src)?.[1]), time: el.currentTime };
      });
      assert.match(src, /#t=\d+\.\d\d,\d+\.\d\d$/);
      assert.ok(start >= 0 && Math.abs(time - start) < 0.05, `player at ${time} s, window starts at ${start} s`);
    } finally {
      await browser.close();
    }
  },
);

test('eval-segments --json: hit rate and chance for text and audio queries', async () => {
  const r = await runCli(['eval-segments', '--n', '2', '--duration', '80', '--json'], { timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout) as Record<string, { hit_rate: number; chance: number }>;
  for (const q of ['text', 'audio']) {
    assert.ok(res[q].hit_rate >= 0 && res[q].hit_rate <= 1, `${q} ${JSON.stringify(res[q])}`);
    assert.ok(res[q].chance > 0 && res[q].chance < 0.5, `${q} chance ${res[q].chance}`);
  }
});
