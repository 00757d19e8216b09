/**
 * Training checkpoints: parameters, Adam moments, the step and the data-order seed, written to a
 * temporary directory and renamed into place, so a crash mid-save never leaves a half checkpoint.
 *
 *   state.json   format, step, seed, optimizer t, config, setup, tensor table (name, shape, offset)
 *   params.bin   every parameter (float32, concatenated in table order)
 *   adam_m.bin   first moments of the trainable ones; adam_v.bin second moments
 */
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TrainingError } from '../core/errors.ts';
import type { ImageBindConfig } from '../model/config.ts';
import type { AdamWState } from './adamw.ts';
import type { TrainSetup } from './graph.ts';
import type { ParamMap } from './params.ts';

export const STATE_FORMAT = 'imagebind-ts-train-state';

/** `C` and `S` describe what was trained (ImageBind config and setup; a decoder's spec and recipe). */
export interface TrainState<C = ImageBindConfig, S = TrainSetup> {
  readonly step: number;
  readonly seed: number;
  readonly config: C;
  readonly setup: S;
  readonly params: ParamMap;
  readonly adam: AdamWState;
}

interface Entry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

async function writeBin(path: string, arrays: readonly Float32Array[]): Promise<void> {
  const fh = await open(path, 'w');
  try {
    let offset = 0;
    for (const a of arrays) {
      await fh.write(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), 0, a.byteLength, offset);
      offset += a.byteLength;
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function table(names: readonly string[], size: (n: string) => { shape: readonly number[]; length: number }): Entry[] {
  let offset = 0;
  return names.map((name) => {
    const { shape, length } = size(name);
    const e = { name, shape: [...shape], offset, length };
    offset += length;
    return e;
  });
}

export async function saveTrainState<C, S>(dir: string, s: TrainState<C, S>): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const names = [...s.params.keys()];
  const moments = [...s.adam.m.keys()];
  const params = table(names, (n) => {
    const t = s.params.get(n)!;
    return { shape: t.shape, length: t.data.length };
  });
  const adam = table(moments, (n) => ({ shape: s.params.get(n)!.shape, length: s.adam.m.get(n)!.length }));
  await writeBin(
    join(tmp, 'params.bin'),
    names.map((n) => s.params.get(n)!.data),
  );
  await writeBin(
    join(tmp, 'adam_m.bin'),
    moments.map((n) => s.adam.m.get(n)!),
  );
  await writeBin(
    join(tmp, 'adam_v.bin'),
    moments.map((n) => s.adam.v.get(n)!),
  );
  const json = {
    format: STATE_FORMAT,
    version: 1,
    step: s.step,
    seed: s.seed,
    adamT: s.adam.t,
    config: s.config,
    setup: s.setup,
    params,
    adam,
  };
  await writeFile(join(tmp, 'state.json'), `${JSON.stringify(json, null, 1)}\n`);
  const old = `${dir}.old-${process.pid}`;
  const exists = await stat(dir).then(
    () => true,
    () => false,
  );
  if (exists) await rename(dir, old);
  await rename(tmp, dir);
  if (exists) await rm(old, { recursive: true, force: true });
}

function slices(buf: Buffer, entries: readonly Entry[], file: string): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const e of entries) {
    if ((e.offset + e.length) * 4 > buf.byteLength)
      throw new TrainingError('CHECKPOINT_TRUNCATED', `${file}: too short for tensor ${e.name}.`);
    out.set(
      e.name,
      new Float32Array(buf.buffer.slice(buf.byteOffset + e.offset * 4, buf.byteOffset + (e.offset + e.length) * 4)),
    );
  }
  return out;
}

export async function loadTrainState<C = ImageBindConfig, S = TrainSetup>(dir: string): Promise<TrainState<C, S>> {
  let json: {
    format?: string;
    step: number;
    seed: number;
    adamT: number;
    config: C;
    setup: S;
    params: Entry[];
    adam: Entry[];
  };
  try {
    json = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
  } catch (e) {
    throw new TrainingError('CHECKPOINT_UNREADABLE', `${dir}: not a training checkpoint (${(e as Error).message}).`, {
      cause: e,
    });
  }
  if (json.format !== STATE_FORMAT)
    throw new TrainingError('CHECKPOINT_FORMAT', `${dir}/state.json: format "${json.format}" is not ${STATE_FORMAT}.`);
  const p = slices(await readFile(join(dir, 'params.bin')), json.params, join(dir, 'params.bin'));
  const m = slices(await readFile(join(dir, 'adam_m.bin')), json.adam, join(dir, 'adam_m.bin'));
  const v = slices(await readFile(join(dir, 'adam_v.bin')), json.adam, join(dir, 'adam_v.bin'));
  const params: ParamMap = new Map(json.params.map((e) => [e.name, { shape: e.shape, data: p.get(e.name)! }]));
  return {
    step: json.step,
    seed: json.seed,
    config: json.config,
    setup: json.setup,
    params,
    adam: { t: json.adamT, m, v },
  };
}
