/**
 * `imagebind fetch` against a real HTTP server on 127.0.0.1 that serves the reference tiny
 * checkpoint and the official BPE vocabulary (read in place from shared/reference), with ETag and
 * Range support: a transfer cut in the middle fails with a resumable error, the next run asks for
 * the rest and converts a model whose outputs equal the official ones; the stated disk space is
 * checked before any byte is fetched; a wrong sha256 and a full disk are typed errors.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readNpy } from '../../src/core/npy.ts';
import { runCli } from '../helpers/cli.ts';
import { diff } from '../helpers/compare.ts';
import { ref, refNpy } from '../helpers/shared.ts';

const work = mkdtempSync(join(tmpdir(), 'imagebind-fetch-'));
const CKPT = ref('tiny', 'imagebind_tiny.pth');
const VOCAB = ref('vocab', 'bpe_simple_vocab_16e6.txt.gz');
const ckptBytes = statSync(CKPT).size;
const ckptSha = createHash('sha256').update(readFileSync(CKPT)).digest('hex');

/** Requests the server saw: method, path, Range header, and the status it answered. */
const seen: { method: string; path: string; range: string | null; status: number }[] = [];
let server: Server;
let base = '';
/** Paths under /cut/ send half the file to the first GET without a Range header, then drop the connection. */
const cutDone = new Set<string>();

function serveFile(req: IncomingMessage, res: import('node:http').ServerResponse, file: string, cut: boolean): void {
  const size = statSync(file).size;
  const etag = `"${size}-tiny"`;
  const range = req.headers.range ?? null;
  const log = (status: number) => seen.push({ method: req.method!, path: req.url!, range, status });
  const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
  const ifRange = req.headers['if-range'];
  if (m && (!ifRange || ifRange === etag)) {
    const start = Number(m[1]);
    if (start >= size) {
      log(416);
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    log(206);
    res.writeHead(206, {
      'content-length': size - start,
      'content-range': `bytes ${start}-${size - 1}/${size}`,
      etag,
      'accept-ranges': 'bytes',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file, { start }).pipe(res);
    return;
  }
  log(200);
  res.writeHead(200, { 'content-length': size, etag, 'accept-ranges': 'bytes' });
  if (req.method === 'HEAD') return void res.end();
  if (cut && !cutDone.has(req.url!)) {
    cutDone.add(req.url!);
    const half = Math.floor(size / 2);
    const stream = createReadStream(file, { start: 0, end: half - 1 });
    stream.on('data', (chunk) => res.write(chunk));
    stream.on('end', () => setTimeout(() => res.socket?.destroy(), 50));
    return;
  }
  createReadStream(file).pipe(res);
}

before(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.endsWith('/bpe_simple_vocab_16e6.txt.gz')) return serveFile(req, res, VOCAB, false);
    if (path === '/huge/imagebind_huge.pth' && req.method === 'HEAD') {
      seen.push({ method: 'HEAD', path, range: null, status: 200 });
      return void res.writeHead(200, { 'content-length': String(2 ** 50) }).end();
    }
    if (path.endsWith('/imagebind_tiny.pth')) return serveFile(req, res, CKPT, path.startsWith('/cut/'));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => server.close());

function fetchArgs(out: string, path: string, extra: string[] = []): string[] {
  return [
    'fetch',
    'huge',
    '--out',
    out,
    '--url',
    `${base}${path}`,
    '--vocab-url',
    `${base}/vocab/bpe_simple_vocab_16e6.txt.gz`,
    '--config',
    ref('tiny', 'config.json'),
    ...extra,
  ];
}

test('a transfer cut in the middle resumes with Range on the next run, then converts a model with the official outputs', async () => {
  const out = join(work, 'tiny');
  const first = await runCli(fetchArgs(out, '/cut/imagebind_tiny.pth'));
  assert.equal(first.code, 2, first.stderr);
  assert.match(first.stderr, /Disk needed: .* for the download, then ~.* for the fp32 model/);
  assert.match(first.stderr, /^error \[DOWNLOAD_INTERRUPTED\]: .*run the same command again to resume/m);
  const part = join(`${out}.download`, 'imagebind_tiny.pth.part');
  const kept = statSync(part).size;
  assert.ok(kept > 0 && kept < ckptBytes, `kept ${kept} of ${ckptBytes} bytes`);
  assert.ok(!existsSync(join(out, 'manifest.json')));

  const second = await runCli(fetchArgs(out, '/cut/imagebind_tiny.pth'));
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /already here from an earlier run/);
  const resumed = seen.filter((s) => s.path === '/cut/imagebind_tiny.pth' && s.method === 'GET');
  assert.deepEqual(
    resumed.map((s) => [s.range, s.status]),
    [
      [null, 200],
      [`bytes=${kept}-`, 206],
    ],
  );
  assert.match(second.stdout, new RegExp(`checkpoint sha256 ${ckptSha} \\(deleted after converting`));
  assert.ok(!existsSync(`${out}.download`), 'the download folder is removed without --keep');

  const emb = join(work, 'fetched_vision.npy');
  const r = await runCli([
    'embed-tensor',
    '--model',
    out,
    '--modality',
    'vision',
    '--input',
    ref('tiny', 'input_vision.npy'),
    '--output',
    emb,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const d = diff(
    (await readNpy(emb)).data as Float32Array,
    (await refNpy('tiny', 'output_vision.npy')).data as Float32Array,
  );
  assert.ok(d.maxAbs <= 1e-4, `vision output differs from the official by ${d.maxAbs}`);
  // The vocabulary came along: text embeds.
  assert.ok(existsSync(join(out, 'tokenizer')));
});

test('--keep keeps the checkpoint byte for byte; a wrong --sha256 deletes the download and says so', async () => {
  const out = join(work, 'kept');
  const r = await runCli(fetchArgs(out, '/plain/imagebind_tiny.pth', ['--keep', '--sha256', ckptSha]));
  assert.equal(r.code, 0, r.stderr);
  const keptAt = join(`${out}.download`, 'imagebind_tiny.pth');
  assert.equal(createHash('sha256').update(readFileSync(keptAt)).digest('hex'), ckptSha);
  // Run again (say after a failed conversion): the kept checkpoint is used, not downloaded again.
  const gets = () => seen.filter((x) => x.path === '/plain/imagebind_tiny.pth' && x.method === 'GET').length;
  const before = gets();
  const again = await runCli(fetchArgs(out, '/plain/imagebind_tiny.pth', ['--keep', '--force']));
  assert.equal(again.code, 0, again.stderr);
  assert.equal(gets(), before);
  assert.match(again.stderr, /already here from an earlier run/);

  const bad = join(work, 'bad');
  const wrong = '0'.repeat(64);
  const b = await runCli(fetchArgs(bad, '/plain/imagebind_tiny.pth', ['--sha256', wrong]));
  assert.equal(b.code, 2);
  assert.match(b.stderr, new RegExp(`^error \\[CHECKSUM_MISMATCH\\]: .*sha256 ${ckptSha}, expected ${wrong}`, 'm'));
  assert.ok(!existsSync(join(`${bad}.download`, 'imagebind_tiny.pth.part')));
  assert.ok(!existsSync(join(bad, 'manifest.json')));
});

test('the disk space needed is checked before any byte is downloaded', async () => {
  const out = join(work, 'too-big');
  const before = seen.length;
  const r = await runCli(fetchArgs(out, '/huge/imagebind_huge.pth', ['--max-size', '10000000']));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error \[DISK_SPACE\]: .*needs .* GiB free, has .* GiB/m);
  assert.deepEqual(
    seen.slice(before).map((s) => s.method),
    ['HEAD'],
  );
  // Without --max-size the 8 GiB budget refuses it first, naming the option that raises it.
  const t = await runCli(fetchArgs(out, '/huge/imagebind_huge.pth'));
  assert.equal(t.code, 2);
  assert.match(
    t.stderr,
    /^error \[TOO_LARGE\]: .*over the download limit of 8\.00 GiB \(raise it with --max-size <GiB>\)/m,
  );
});

test('a full disk is a DISK_FULL error that keeps what was written', { skip: !existsSync('/dev/full') }, async () => {
  const out = join(work, 'full');
  mkdirSync(`${out}.download`, { recursive: true });
  // Writes to /dev/full fail with ENOSPC, as on a full file system.
  symlinkSync('/dev/full', join(`${out}.download`, 'imagebind_tiny.pth.part'));
  const r = await runCli(fetchArgs(out, '/plain/imagebind_tiny.pth'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error \[DISK_FULL\]: .*imagebind_tiny\.pth\.part: the disk is full \(ENOSPC\)/m);
});
