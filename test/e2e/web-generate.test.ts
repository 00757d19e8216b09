/**
 * The web UI's "Generate image" against the real server with the embedded mini model and its
 * decoder, in Chromium: a dropped sound file and a sound recorded from the (fake) microphone each
 * become an image, with streamed progress on the way.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { World } from '../../src/synth/world/world.ts';
import { FILE_SUFFIX, baseName, writeSampleFiles } from '../../src/synth/world/files.ts';
import { FAKE_MICROPHONE, chromiumMissing, launchChromium } from '../helpers/web/browser.ts';
import { type SpawnedServer, spawnServer } from '../helpers/server.ts';
import { repoDir } from '../helpers/shared.ts';

const skip = chromiumMissing();
let work: string;
let server: SpawnedServer;
let browser: Browser;
let wav: string;

before(async () => {
  if (skip) return;
  work = await mkdtemp(join(tmpdir(), 'imagebind-web-generate-'));
  const world = new World(31);
  const sample = world.sample(world.split('test').index(2));
  await writeSampleFiles(work, sample, ['audio']);
  wav = join(work, `${baseName(sample)}${FILE_SUFFIX.audio}`);
  server = await spawnServer(['--db', join(work, 'index.db'), '--max-generate-steps', '50']);
  browser = await launchChromium(FAKE_MICROPHONE);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function generateAndWait(page: Page, name: string): Promise<void> {
  await page.locator('#generate').click();
  await page.locator('.gen-progress').waitFor({ timeout: 30_000 });
  const img = page.getByTestId('generated');
  await img.waitFor({ timeout: 240_000 });
  const size = await img.evaluate((el) => [
    (el as HTMLImageElement).naturalWidth,
    (el as HTMLImageElement).naturalHeight,
  ]);
  assert.deepEqual(size, [64, 64]);
  assert.match((await page.locator('.gen-status').last().textContent()) ?? '', /^Seed 0 · [\d.]+ s$/);
  assert.match((await img.getAttribute('alt')) ?? '', /Image generated from/);
  const dir = join(repoDir, 'test-artifacts', 'web');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `generate-${name}.png`) });
}

test('web UI: a dropped sound becomes an image', { skip: skip ?? false, timeout: 300_000 }, async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(server.url);
  await page.locator('#query-files').setInputFiles(wav);
  await page.getByTestId('chip').first().waitFor();
  await generateAndWait(page, 'dropped');
  // Another seed gives another picture.
  const first = await page.getByTestId('generated').getAttribute('src');
  await page.getByRole('button', { name: 'Another seed' }).click();
  await page.waitForFunction(
    (prev) => {
      const el = document.querySelector('[data-testid="generated"]');
      return el && el.getAttribute('src') !== prev;
    },
    first,
    { timeout: 240_000 },
  );
  assert.match((await page.locator('.gen-status').last().textContent()) ?? '', /^Seed 1 /);
  await page.close();
});

test('web UI: a recorded sound becomes an image', { skip: skip ?? false, timeout: 300_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, permissions: ['microphone'] });
  const page = await context.newPage();
  await page.goto(server.url);
  const mic = page.locator('#mic');
  await mic.click();
  await page.waitForFunction(() => document.getElementById('rec-timer')?.textContent === '0:01', null, {
    timeout: 5000,
  });
  await mic.click();
  assert.equal(await page.getByTestId('chip').getAttribute('data-kind'), 'audio');
  await generateAndWait(page, 'recorded');
  await context.close();
});

test('web UI: Generate with no input says what to do', { skip: skip ?? false }, async () => {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.locator('#generate').click();
  assert.match((await page.locator('.generated [role=alert]').textContent()) ?? '', /Add an input first/);
  await page.close();
});
