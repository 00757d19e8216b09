/**
 * Issue 11 item 13: command lines over ~29 KB crashed every command that opens an encoder (SIGSEGV,
 * exit 139) inside onnxruntime's telemetry set-up (see src/runtime/backend.ts). Both reproductions
 * run here through the real CLI on the embedded mini model: a 100 KB `--text` and 1,500 files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { runCli } from '../helpers/cli.ts';

const work = mkdtempSync(join(tmpdir(), 'imagebind-argv-'));

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A small valid RGB PNG whose pixels depend on `seed`. */
function png(seed: number, size = 16): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc(size * (size * 3 + 1));
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size * 3; x++) raw[y * (size * 3 + 1) + 1 + x] = (x * 7 + y * 3 + seed * 11) & 255;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

test('embed --text with 100 KB of text runs (was SIGSEGV, exit 139)', async () => {
  const text = 'a dog barking in the park '.repeat(4000).slice(0, 100_000);
  const out = join(work, 'long-text.json');
  const r = await runCli(['embed', '--text', text, '--output', out]);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(readFileSync(out, 'utf8')) as { kind: string; vector: number[] }[];
  assert.equal(rows.length, 1);
  assert.equal(rows[0].kind, 'text');
  assert.ok(rows[0].vector.every(Number.isFinite) && rows[0].vector.length > 0);
});

test('embed with 1,500 files on the command line runs and writes 1,500 vectors', async () => {
  const files: string[] = [];
  for (let i = 0; i < 1500; i++) {
    const f = join(work, `photo_${String(i).padStart(4, '0')}_from_the_holiday.png`);
    writeFileSync(f, png(i % 7));
    files.push(f);
  }
  const argBytes = files.reduce((n, f) => n + f.length + 1, 0);
  assert.ok(argBytes > 64_000, `the command line is ${argBytes} bytes`);
  const out = join(work, 'many.json');
  const r = await runCli(['embed', ...files, '--output', out], { timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(readFileSync(out, 'utf8')) as { input: string; vector: number[] }[];
  assert.equal(rows.length, 1500);
  assert.deepEqual(
    rows.map((x) => x.input),
    files,
  );
  // Same pixels, same vector: files 0 and 7 share a seed.
  assert.deepEqual(rows[0].vector, rows[7].vector);
  assert.notDeepEqual(rows[0].vector, rows[1].vector);
});
