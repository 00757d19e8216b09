/**
 * Distributed-indexing test support: long-running CLI processes (coordinators, workers) that a
 * test can signal and kill, a corpus of small generated images, and a comparison of two stores.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { openStore } from '../../src/store/index.ts';
import { repoDir } from './shared.ts';

export interface CliProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

export function spawnCli(args: readonly string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [join(repoDir, 'bin', 'imagebind.js'), ...args], {
    cwd: repoDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/**
 * The exit codes of `procs`; after `ms`, kills them all and fails with what each wrote to stderr
 * (a hang shows its cause instead of a bare test timeout).
 */
export async function exits(procs: readonly CliProcess[], ms = 120_000): Promise<(number | null)[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      for (const p of procs) p.child.kill('SIGKILL');
      const logs = procs.map((p, i) => `--- process ${i} (${p.child.spawnargs.slice(2, 4).join(' ')}):\n${p.stderr()}`);
      reject(new Error(`processes still running after ${ms / 1000} s\n${logs.join('\n')}`));
    }, ms);
  });
  try {
    return await Promise.race([Promise.all(procs.map((p) => p.exited)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves when `cond` holds (polled), or rejects after `ms`. */
export async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * `n` PNGs of seeded noise (about 6 KB each, over a small inline limit) and, every third one, a
 * flat colour (about 100 bytes, under it), so both ways of reaching a file are used.
 */
export async function makeCorpus(dir: string, n: number, seed = 1): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const w = 48;
    const h = 40;
    const px = Buffer.alloc(w * h * 3);
    let s = (seed * 100_003 + i * 7919 + 1) >>> 0;
    for (let j = 0; j < px.length; j++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      px[j] = i % 3 === 0 ? (i * 37 + (j % 3) * 80) & 255 : s >>> 24;
    }
    const path = join(dir, `img-${String(i).padStart(3, '0')}.png`);
    writeFileSync(
      path,
      await sharp(px, { raw: { width: w, height: h, channels: 3 } })
        .png()
        .toBuffer(),
    );
    paths.push(path);
  }
  return paths;
}

export interface StoreRow {
  readonly path: string;
  readonly modality: string;
  readonly hash: string;
  readonly vector: Float32Array;
}

export function storeRows(db: string): StoreRow[] {
  const store = openStore(db, { readonly: true, ann: false });
  try {
    return store
      .list({ limit: 100_000 })
      .map((i) => ({ path: i.path, modality: i.modality, hash: i.hash, vector: store.getVector(i.id)! }))
      .sort((a, b) => a.path.localeCompare(b.path));
  } finally {
    store.close();
  }
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
