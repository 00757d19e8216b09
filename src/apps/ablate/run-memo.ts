/**
 * Binding runs shared between studies. Several studies contain the same run (the default settings
 * are the batch-size study's 32, the steps study's 300, the capacity study's mini trunk and the
 * image-encoder study's "frozen", and the temperature study's official value): a run is keyed by everything that determines its result (the
 * stage-1 base, the modality, the resolved sensor config, the bind settings, the seed and the
 * held-out set) and measured once. With one onnxruntime thread a run is bit-reproducible, so a
 * reused result is the result a rerun would give.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { LOGIT_SCALE_INIT } from '../../model/random-init.ts';
import type { SensorModality } from '../../synth/mini/data.ts';
import type { TrainedBase } from './base.ts';
import type { BindRunResult } from './bind-run.ts';
import { encoderConfig } from './bind-run.ts';
import type { BindSettings, HeldOutSettings } from './settings.ts';

/** What a memoized run keeps (the trained weights are not kept). */
export type MemoRun = Omit<BindRunResult, 'params'>;

export function runKey(
  base: TrainedBase,
  modality: SensorModality,
  s: BindSettings,
  seed: number,
  heldOut: HeldOutSettings,
  threads: number,
): string {
  const config = encoderConfig(base.config, modality, s.encoder) as unknown as Record<string, unknown>;
  const sensor = Object.fromEntries(Object.entries(config).filter(([k]) => k.startsWith(`${modality}_`)));
  const { encoder: _encoder, ...rest } = s;
  // The official temperature is a fixed one (1 / the family's initial logit scale, e.g. 0.2 for
  // depth): both set the same initial log-scale, so the runs are identical.
  const temperature = s.temperature === 'official' ? 1 / LOGIT_SCALE_INIT[modality] : s.temperature;
  const bind = { ...rest, temperature };
  const key = JSON.stringify({ base: basename(base.dir), modality, sensor, bind, seed, heldOut, threads });
  return createHash('sha256').update(key).digest('hex').slice(0, 20);
}

function memoPath(cacheDir: string, key: string): string {
  return join(cacheDir, 'run-memo', `${key}.json`);
}

export async function readMemo(cacheDir: string, key: string): Promise<MemoRun | null> {
  try {
    return JSON.parse(await readFile(memoPath(cacheDir, key), 'utf8')) as MemoRun;
  } catch {
    return null;
  }
}

export async function writeMemo(cacheDir: string, key: string, r: BindRunResult): Promise<void> {
  const path = memoPath(cacheDir, key);
  await mkdir(join(cacheDir, 'run-memo'), { recursive: true });
  const { params: _params, ...kept } = r;
  await writeFile(`${path}.tmp`, `${JSON.stringify(kept)}\n`);
  await rename(`${path}.tmp`, path);
}
