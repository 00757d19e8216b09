/**
 * The web UI against the REAL server: index a mixed folder with the CLI, spawn `imagebind serve`
 * on the reference tiny model, and walk through the UI in Chromium (random weights, so this checks
 * mechanics and rendering, not relevance). Screenshots land in test-artifacts/web/.
 */
import { after, before, test } from 'node:test';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { FAKE_MICROPHONE, chromiumMissing, launchChromium } from '../helpers/web/browser.ts';
import { makeMediaFolder } from '../helpers/web/media.ts';
import { runRecording, runScenario } from '../helpers/web/scenario.ts';
import { runCli } from '../helpers/cli.ts';
import { ref, repoDir } from '../helpers/shared.ts';
import { tinyModelDir } from '../helpers/tiny-model.ts';

async function whyNot(): Promise<string | null> {
  const missing = chromiumMissing();
  if (missing) return missing;
  const help = await runCli(['serve', '--help'], { timeoutMs: 60_000 });
  return help.code === 0
    ? null
    : 'the `imagebind serve` command does not exist yet (src/server/ missing): nothing real to test the UI against';
}

const skip = await whyNot();
const work = mkdtempSync(join(tmpdir(), 'imagebind-web-'));
let browser: Browser | undefined;
let server: ChildProcess | undefined;
let url = '';
let toIndex = '';

/** Spawns `serve` and resolves with the URL from its "listening on http://HOST:PORT" line. */
function serve(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoDir, 'bin', 'imagebind.js'), 'serve', ...args], {
      cwd: repoDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = child;
    let out = '',
      err = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start in 30 s\n${out}\n${err}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ''));
      }
    });
    child.stderr!.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}\n${out}\n${err}`));
    });
  });
}

before(async () => {
  if (skip) return;
  const media = join(work, 'media');
  const folder = await makeMediaFolder(media, ref('assets'));
  // car.jpg stays out of the index so the UI can upload it and see the count change.
  const pending = join(work, 'pending');
  mkdirSync(pending);
  toIndex = join(pending, 'car.jpg');
  renameSync(
    folder.files.find((f) => f.endsWith('car.jpg'))!,
    toIndex,
  );
  const modelDir = await tinyModelDir(false);
  const db = join(work, 'index.db');
  const indexed = await runCli(['index', media, '--db', db, '--model', modelDir]);
  if (indexed.code !== 0) throw new Error(`index failed: ${indexed.stderr}`);
  url = await serve(['--port', '0', '--model', modelDir, '--db', db, '--root', media, '--workers', '1']);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
});

test(
  'UI on the real server: text search, image query, image+audio weighted, upload-and-index, screenshots',
  { skip: skip ?? false, timeout: 60_000 },
  async () => {
    await runScenario(
      browser!,
      url,
      {
        image: join(work, 'media', 'dog.jpg'),
        audio: join(work, 'media', 'bird.wav'),
        toIndex,
        text: 'a dog barking',
      },
      join(repoDir, 'test-artifacts', 'web'),
    );
  },
);

test(
  'UI on the real server: a microphone recording (webm/opus) becomes an audio query',
  { skip: skip ?? false, timeout: 30_000 },
  async () => {
    const withMic = await launchChromium(FAKE_MICROPHONE);
    try {
      await runRecording(withMic, url);
    } finally {
      await withMic.close();
    }
  },
);
