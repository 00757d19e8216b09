/**
 * onnxruntime's optimised graph, cached on disk: the first session over a model file saves the graph
 * after level-`all` optimisation (fusions, constant folding, layout changes) with its initializers in
 * a side file; later sessions load that and skip the optimiser. The level-`all` result is specific
 * to the CPU and the onnxruntime version, so both are part of the cache key, with the graph's bytes
 * and the weights' identity: the caller's key (the manifest's weight hash) when it has one, and the
 * weights file's size, times and inode in any case, so a re-converted model never meets a stale entry.
 */
import { createHash } from 'node:crypto';
import { arch, cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface CacheEntry {
  /** The optimised graph when it is cached already, else null. */
  readonly cached: string | null;
  /** Where to save the optimised graph while creating this session (when not cached). */
  readonly savePath: string;
  /** Session config (onnxruntime `extra`) that makes it write initializers beside the saved graph. */
  readonly saveConfig: Record<string, Record<string, string>>;
  /** Moves a saved graph into place; a no-op when saving failed. */
  commit(): Promise<void>;
  /** Drops a cached graph that failed to load, so the next session rebuilds it. */
  discard(): Promise<void>;
}

const GRAPH = 'optimized.onnx';
const WEIGHTS = 'optimized.weights';
const DONE = 'complete';

/** The CPU as the optimiser sees it: a VM may hide instruction sets its model name suggests. */
function cpuSignature(): string {
  let flags = '';
  try {
    flags =
      readFileSync('/proc/cpuinfo', 'utf8')
        .split('\n')
        .find((l) => /^(flags|Features)\s*:/.test(l)) ?? '';
  } catch {
    /* not Linux: the model name and architecture still distinguish most machines */
  }
  return `${arch()}\0${cpus()[0]?.model ?? ''}\0${flags}`;
}

async function cacheKey(modelPath: string, runtimeVersion: string, weightsKey: string): Promise<string> {
  const h = createHash('sha256').update(await readFile(modelPath));
  const weights = join(dirname(modelPath), `${basename(modelPath).replace(/\.onnx$/, '')}.weights`);
  const info = await stat(weights).catch(() => null);
  h.update(`\0${weightsKey}\0${info?.size ?? 0}\0${info?.mtimeMs ?? 0}\0${info?.ctimeMs ?? 0}\0${info?.ino ?? 0}`);
  h.update(`\0${runtimeVersion}\0${cpuSignature()}`);
  return h.digest('hex').slice(0, 32);
}

const STALE_MS = 6 * 3600 * 1000;

/** Staging folders of processes that died mid-save; an hours-old one is no longer being written. */
async function sweepStaging(cacheDir: string): Promise<void> {
  const names = await readdir(cacheDir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((n) => n.includes('.tmp-'))
      .map(async (n) => {
        const info = await stat(join(cacheDir, n)).catch(() => null);
        if (info && Date.now() - info.mtimeMs > STALE_MS) await rm(join(cacheDir, n), { recursive: true, force: true });
      }),
  );
}

/** `weightsKey` identifies the weights beyond the file's metadata (e.g. the manifest's hash and precision). */
export async function optimizedCacheEntry(
  cacheDir: string,
  modelPath: string,
  runtimeVersion: string,
  weightsKey = '',
): Promise<CacheEntry> {
  const dir = join(
    cacheDir,
    `${basename(modelPath).replace(/\.onnx$/, '')}-${await cacheKey(modelPath, runtimeVersion, weightsKey)}`,
  );
  const done = await stat(join(dir, DONE)).then(
    () => true,
    () => false,
  );
  if (!done) await sweepStaging(cacheDir);
  // Sessions may be created concurrently (several processes): each writes its own staging folder.
  const staging = `${dir}.tmp-${process.pid}-${Date.now()}`;
  if (!done) await mkdir(staging, { recursive: true });
  return {
    cached: done ? join(dir, GRAPH) : null,
    savePath: join(staging, GRAPH),
    saveConfig: {
      session: {
        optimized_model_external_initializers_file_name: WEIGHTS,
        optimized_model_external_initializers_min_size_in_bytes: '1024',
      },
    },
    commit: async () => {
      if (done) return;
      const saved = await stat(join(staging, GRAPH)).then(
        () => true,
        () => false,
      );
      if (!saved) return void (await rm(staging, { recursive: true, force: true }));
      await writeFile(join(staging, DONE), '');
      // Another process may have finished first; its copy is as good as ours.
      await rename(staging, dir).catch(() => rm(staging, { recursive: true, force: true }));
    },
    discard: () => rm(dir, { recursive: true, force: true }),
  };
}
