/**
 * The web UI against a fake API (same routes and shapes, hashed scores): the full walk-through plus
 * the states the real server rarely produces on demand (errors, microphone denial, token prompt).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../helpers/web/browser.ts';
import { startFakeApi, type FakeServer } from '../helpers/web/fake-api.ts';
import { makeMediaFolder, type MediaFolder } from '../helpers/web/media.ts';
import { runScenario } from '../helpers/web/scenario.ts';
import { ref, repoDir } from '../helpers/shared.ts';

const skip = chromiumMissing();
let browser: Browser;
let media: MediaFolder;
let toIndex: string;
let api: FakeServer;

function kindOf(path: string): string {
  const n = basename(path);
  if (n.includes('.depth.')) return 'depth';
  if (n.includes('.thermal.')) return 'thermal';
  if (n.endsWith('.csv')) return 'imu';
  if (n.endsWith('.wav')) return 'audio';
  if (n.endsWith('.mp4')) return 'video';
  return 'vision';
}

before(async () => {
  if (skip) return;
  media = await makeMediaFolder(join(mkdtempSync(join(tmpdir(), 'imagebind-web-fake-')), 'media'), ref('assets'));
  toIndex = media.files.find((f) => f.endsWith('car.jpg'))!;
  api = await startFakeApi({
    items: media.files.filter((f) => f !== toIndex).map((path) => ({ path, modality: kindOf(path) })),
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await api?.close();
});

test(
  'walk-through against the fake API: text, image, image+audio, upload, phone and dark screenshots',
  { skip: skip ?? false, timeout: 60_000 },
  async () => {
    await runScenario(
      browser,
      api.url,
      {
        image: media.files.find((f) => f.endsWith('dog.jpg'))!,
        audio: media.files.find((f) => f.endsWith('bird.wav'))!,
        toIndex,
        text: 'a dog barking',
      },
      join(repoDir, 'test-artifacts', 'web-fake'),
    );
    // The composed request carried both inputs with the audio weighted 0.5 (before "Use as query" added a third).
    const composed = api.searches
      .map((q) => JSON.parse(String(q)) as { kind: string; weight: number }[])
      .filter((q) => q.length === 2 && q.some((x) => x.kind === 'audio'));
    assert.deepEqual(
      composed[composed.length - 1].map((q) => [q.kind, q.weight]),
      [
        ['vision', 1],
        ['audio', 0.5],
      ],
    );
  },
);

test(
  'error, empty and microphone-denied states are shown, not thrown',
  { skip: skip ?? false, timeout: 30_000 },
  async () => {
    const shots = join(repoDir, 'test-artifacts', 'web-fake');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(api.url);
    await page.getByTestId('notice-welcome').waitFor();
    await page.screenshot({ path: join(shots, 'desktop-welcome.png') });
    await page.getByLabel('Search by text').fill('boom');
    await page.getByLabel('Search by text').press('Enter');
    await page.getByTestId('notice-error').waitFor();
    assert.match((await page.getByTestId('notice-error').textContent()) ?? '', /simulated.*MODEL_FAILED/);
    await page.screenshot({ path: join(shots, 'desktop-error.png') });

    for (const k of ['vision', 'audio', 'video', 'depth', 'thermal', 'imu'])
      await page.getByTestId(`filter-${k}`).uncheck();
    await page.getByLabel('Search by text').fill('anything');
    await page.getByLabel('Search by text').press('Enter');
    await page.getByTestId('notice-empty').waitFor();
    await page.getByTestId('filter-imu').check();
    await page.getByTestId('result').first().waitFor();
    assert.deepEqual(
      [
        ...new Set(
          await page
            .locator('[data-testid=result]')
            .evaluateAll((els) => els.map((e) => e.getAttribute('data-modality'))),
        ),
      ],
      ['imu'],
    );
    await page.locator('.sparkline').first().waitFor(); // the IMU CSV is drawn

    await page.locator('#mic').click();
    await page.locator('#composer-msg').waitFor();
    assert.match((await page.locator('#composer-msg').textContent()) ?? '', /microphone|Recording/i);
    assert.equal(await page.locator('#mic').getAttribute('aria-pressed'), 'false');
    await page.screenshot({ path: join(shots, 'desktop-mic-denied.png') });
    await page.close();
  },
);

test(
  'a token from ?token= is sent as a bearer header and hidden from the address bar',
  { skip: skip ?? false, timeout: 30_000 },
  async () => {
    const locked = await startFakeApi({ token: 's3cret', items: [{ path: media.files[0], modality: 'vision' }] });
    try {
      const page = await browser.newPage();
      const auth: string[] = [];
      page.on('request', (r) => {
        if (r.url().includes('/v1/info')) auth.push(r.headers().authorization ?? '');
      });
      await page.goto(`${locked.url}/?token=s3cret`);
      await page.waitForFunction(() => /1 items/.test(document.getElementById('model-line')?.textContent ?? ''));
      assert.equal(auth[0], 'Bearer s3cret');
      assert.ok(!page.url().includes('token'), page.url());
      await page.close();
      const anon = await browser.newPage();
      await anon.goto(locked.url);
      await anon.locator('#token-dialog[open]').waitFor();
      await anon.locator('#token-input').fill('s3cret');
      await anon.getByRole('button', { name: 'Save' }).click();
      await anon.waitForFunction(() => /1 items/.test(document.getElementById('model-line')?.textContent ?? ''));
      await anon.close();
    } finally {
      await locked.close();
    }
  },
);

test(
  'files too big for a JSON body go as multipart, with weights for the positive inputs and minus_ fields',
  { skip: skip ?? false, timeout: 30_000 },
  async () => {
    // A 256 KiB limit leaves ~128 KiB for base64 files: bird.wav (860 KiB) cannot go as JSON.
    const small = await startFakeApi({ bodyBytes: 256 * 1024, items: [{ path: media.files[0], modality: 'vision' }] });
    try {
      const page = await browser.newPage();
      await page.goto(small.url);
      await page.waitForFunction(() => /1 items/.test(document.getElementById('model-line')?.textContent ?? ''));
      await page
        .locator('#query-files')
        .setInputFiles([
          media.files.find((f) => f.endsWith('dog.jpg'))!,
          media.files.find((f) => f.endsWith('bird.wav'))!,
        ]);
      await page.getByTestId('result').first().waitFor();
      await page.getByTestId('chip').nth(0).getByRole('slider').fill('1.5');
      await page
        .getByTestId('chip')
        .nth(1)
        .getByRole('button', { name: /Subtract/ })
        .click();
      // Weight changes are debounced: poll until the search with both changes has arrived.
      const want = /^weights=1\.5\|vision:\d+\|minus_audio:\d+$/;
      const last = (): string => String(small.searches[small.searches.length - 1]);
      for (let i = 0; i < 50 && !want.test(last()); i++) await page.waitForTimeout(100);
      assert.match(last(), want);
      await page.close();
    } finally {
      await small.close();
    }
  },
);
