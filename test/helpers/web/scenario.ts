/**
 * The UI walk-through both web tests run (against the fake API and the real server): text search,
 * an image query, image + audio composed with a weight, upload-and-index, and screenshots on a
 * laptop and a phone viewport.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';

export interface ScenarioFiles {
  image: string;
  audio: string;
  /** A file not yet in the index, uploaded through the panel. */
  toIndex: string;
  /** Query text. */
  text: string;
}

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

async function totalItems(page: Page): Promise<number> {
  const line = (await page.locator('#model-line').textContent()) ?? '';
  const m = /([\d,]+) items/.exec(line);
  assert.ok(m, `model line "${line}" has no item count`);
  return Number(m[1].replace(/,/g, ''));
}

async function expectResults(page: Page): Promise<number> {
  const cards = page.getByTestId('result');
  await cards.first().waitFor({ timeout: 20_000 });
  const scores = await page.getByTestId('score').allTextContents();
  assert.ok(scores.length > 0, 'no scores shown');
  for (const s of scores) assert.match(s, /^-?\d\.\d{3}$/, `score "${s}"`);
  const values = scores.map(Number);
  for (let i = 1; i < values.length; i++) assert.ok(values[i] <= values[i - 1] + 1e-9, 'results are ranked by score');
  const names = await page.locator('.card-title').allTextContents();
  assert.ok(
    names.every((n) => n.length > 0),
    'every card names its file',
  );
  return scores.length;
}

/** Waits for the search that `action` triggers, so results checked afterwards are that search's. */
async function searched(page: Page, action: () => Promise<unknown>): Promise<void> {
  const res = page.waitForResponse((r) => r.url().endsWith('/v1/search') && r.request().method() === 'POST', {
    timeout: 30_000,
  });
  await action();
  const r = await res;
  assert.equal(r.status(), 200, `search answered ${r.status()}: ${await r.text()}`);
  await page.waitForFunction(() => document.getElementById('results')?.getAttribute('aria-busy') === 'false');
}

/**
 * A phone (390×844) after a search: kind pills stay on screen, results start on the first screen,
 * file names are whole, and audio cards know their clip's duration (the player shows it, not 0:00).
 */
async function checkPhoneLayout(page: Page): Promise<void> {
  const layout = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const pills = Array.from(document.querySelectorAll('#filters .pill')).map((p) => p.getBoundingClientRect());
    const card = document.querySelector('[data-testid=result]')!.getBoundingClientRect();
    const titles = Array.from(document.querySelectorAll<HTMLElement>('.card-title')).map((t) => ({
      text: t.textContent ?? '',
      clipped: t.scrollWidth > t.clientWidth + 1 || t.scrollHeight > t.clientHeight + 1,
    }));
    return { width, pills: pills.map((r) => [r.left, r.right]), cardTop: card.top, pageScroll: window.scrollY, titles };
  });
  assert.ok(layout.pills.length > 0, 'no kind pills');
  for (const [left, right] of layout.pills)
    assert.ok(
      left >= 0 && right <= layout.width,
      `a kind pill runs off the screen: ${left}–${right} of ${layout.width}`,
    );
  assert.equal(layout.pageScroll, 0);
  // The first card's picture is on the first screen, not just its top edge.
  assert.ok(layout.cardTop + 120 <= PHONE.height, `results start at ${layout.cardTop}px of ${PHONE.height}`);
  for (const t of layout.titles) assert.ok(!t.clipped, `file name "${t.text}" is cut`);
  const audio = page.locator('[data-modality=audio] audio').first();
  if ((await audio.count()) > 0) {
    await audio.scrollIntoViewIfNeeded();
    const length = page.locator('[data-modality=audio]').first().getByTestId('duration');
    await length.waitFor({ state: 'visible', timeout: 10_000 });
    const shown = (await length.textContent()) ?? '';
    const seconds = await audio.evaluate((a: HTMLAudioElement) => a.duration);
    assert.match(shown, /^\d+:\d\d(\.\d)?$/);
    assert.notEqual(shown, '0:00', `an audio card of ${seconds} s shows 0:00`);
    await page.evaluate(() => window.scrollTo(0, 0));
  }
}

export async function runScenario(browser: Browser, url: string, files: ScenarioFiles, outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const context = await browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });

  await page.goto(url);
  await page.waitForFunction(() => /items/.test(document.getElementById('model-line')?.textContent ?? ''));
  await page.getByTestId('notice-welcome').waitFor();
  const before = await totalItems(page);
  assert.ok(before > 0, 'the index has items');

  // 1. Text: Enter searches.
  await page.getByLabel('Search by text').fill(files.text);
  await searched(page, () => page.getByLabel('Search by text').press('Enter'));
  await expectResults(page);
  await page.screenshot({ path: join(outDir, 'desktop-text.png') });

  // 2. An image query replaces the text.
  await page.getByLabel('Search by text').fill('');
  await searched(page, () => page.locator('#query-files').setInputFiles(files.image));
  assert.equal(await page.getByTestId('chip').count(), 1);
  await expectResults(page);

  // 3. Compose with a sound, weighted down.
  await searched(page, () => page.locator('#query-files').setInputFiles(files.audio));
  assert.equal(await page.getByTestId('chip').count(), 2);
  const slider = page.getByTestId('chip').nth(1).getByRole('slider');
  await searched(page, () => slider.fill('0.5'));
  assert.equal(await page.getByTestId('chip').nth(1).locator('output').textContent(), '0.50');
  await expectResults(page);
  await page.screenshot({ path: join(outDir, 'desktop-compose.png') });

  // 4. Upload and index one file: its row succeeds and the header count goes up.
  await page.locator('#upload-toggle').click();
  // The UI re-runs the current query once the file is in, so wait for that search too.
  await searched(page, () => page.locator('#upload-files').setInputFiles(files.toIndex));
  const row = page.getByTestId('upload-row').first();
  await page.waitForFunction(
    () =>
      ['done', 'failed'].includes(document.querySelector('[data-testid=upload-row]')?.getAttribute('data-state') ?? ''),
    null,
    { timeout: 30_000 },
  );
  assert.equal(await row.getAttribute('data-state'), 'done', `upload failed: ${await row.textContent()}`);
  await page.waitForFunction(
    (n) => new RegExp(`${n} items`).test(document.getElementById('model-line')?.textContent ?? ''),
    before + 1,
  );
  const titles = await page.locator('.card-title').allTextContents();
  assert.ok(
    titles.includes(basename(files.toIndex)),
    `the uploaded file shows under its own name: ${titles.join(', ')}`,
  );
  await row.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(outDir, 'desktop-upload.png') });

  // 5. An indexed item becomes a query input by reference.
  await searched(page, () => page.getByTestId('result').first().getByRole('button', { name: 'Use as query' }).click());
  assert.equal(await page.getByTestId('chip').count(), 3);
  await expectResults(page);
  assert.deepEqual(problems, []);
  await context.close();

  // 6. Phone and dark theme: same app, different frames.
  const phone = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const p2 = await phone.newPage();
  await p2.goto(url);
  await p2.getByLabel('Search by text').fill(files.text);
  await searched(p2, () => p2.getByLabel('Search by text').press('Enter'));
  await expectResults(p2);
  await p2.screenshot({ path: join(outDir, 'phone-top.png') });
  await checkPhoneLayout(p2);
  await p2.locator('.results').scrollIntoViewIfNeeded();
  await p2.screenshot({ path: join(outDir, 'phone-results.png') });
  await phone.close();

  const dark = await browser.newContext({ viewport: DESKTOP, colorScheme: 'dark' });
  const p3 = await dark.newPage();
  await p3.goto(url);
  await p3.getByLabel('Search by text').fill(files.text);
  await searched(p3, () => p3.getByLabel('Search by text').press('Enter'));
  await searched(p3, () => p3.locator('#query-files').setInputFiles(files.image));
  await expectResults(p3);
  await p3.screenshot({ path: join(outDir, 'desktop-dark.png') });
  await dark.close();
}

/** Records from Chromium's fake microphone (launch with FAKE_MICROPHONE) and searches with the take. */
export async function runRecording(browser: Browser, url: string): Promise<void> {
  const context = await browser.newContext({ viewport: DESKTOP, permissions: ['microphone'] });
  const page = await context.newPage();
  await page.goto(url);
  const mic = page.locator('#mic');
  await mic.click();
  await page.locator('#rec-timer').waitFor();
  assert.equal(await mic.getAttribute('aria-pressed'), 'true');
  await page.waitForFunction(() => document.getElementById('rec-timer')?.textContent === '0:01', null, {
    timeout: 5000,
  });
  await searched(page, () => mic.click());
  assert.equal(await mic.getAttribute('aria-pressed'), 'false');
  const chip = page.getByTestId('chip');
  assert.equal(await chip.getAttribute('data-kind'), 'audio');
  assert.match((await chip.textContent()) ?? '', /recording-/);
  await expectResults(page);
  await context.close();
}
