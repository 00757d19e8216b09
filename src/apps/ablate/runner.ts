/**
 * Runs one study end to end: trains (or reuses) the stage-1 base of every vision size it needs,
 * binds each modality at each point for each seed, measures emergent zero-shot on the held-out
 * set, and writes `<out>/<study>.json` after every run (so an interrupted study resumes where it
 * stopped) and `<out>/<study>.png` after every seed.
 */
import { cpus, loadavg } from 'node:os';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigError } from '../../core/errors.ts';
import { ImageBind } from '../../embed/imagebind.ts';
import { saveModel } from '../../train/export.ts';
import type { ParamMap } from '../../train/params.ts';
import type { SensorModality } from '../../synth/mini/data.ts';
import { NUM_CLASSES } from '../../synth/world/classes.ts';
import { type TrainedBase, ensureBase, loadBaseParams } from './base.ts';
import { type BindRunResult, bindOnce } from './bind-run.ts';
import { HeldOut } from './held-out.ts';
import { readMemo, runKey, writeMemo } from './run-memo.ts';
import { plotSvg, writePlotPng } from './plot.ts';
import { ALL_SENSORS, type BindSettings, FULL_SCALE, type StudyScale, type VisionSize } from './settings.ts';
import { type StudyDef, type StudyPoint, STUDY_NAMES, studyByName, studyScale } from './studies.ts';
import { type Observation, type SummaryRow, summarize } from './summary.ts';
import { WorldCache } from './world-cache.ts';

export interface StudyOptions {
  /** Where `<study>.json` and `<study>.png` go. */
  readonly outDir: string;
  /** Rendered data and trained bases, shared by all studies. */
  readonly cacheDir: string;
  readonly seeds?: number;
  readonly scale?: StudyScale;
  /** Override the study's modalities (e.g. one cheap modality for a smoke run). */
  readonly modalities?: readonly SensorModality[];
  /** Scaling only: write one complete model directory per vision size here (seed 0's sensor encoders). */
  readonly modelsDir?: string;
  /** Scaling only: a JSON file that lists those models as `{"scaling": [{name, model_dir, vision_params}]}`. */
  readonly modelsList?: string;
  readonly log?: (line: string) => void;
  /**
   * onnxruntime intra-op threads (default 1). On the shared 2-core machine one thread trained
   * faster than two: 62–140 against 184–199 ms per depth binding step at load ≈ 10, with ~half
   * the CPU time; one thread also makes runs bit-reproducible.
   */
  readonly threads?: number;
}

export interface RunRecord {
  readonly point: string;
  readonly modality: SensorModality;
  readonly seed: number;
  readonly top1: number;
  readonly image_text_top1: number | null;
  readonly final_loss: number;
  readonly temperature: number;
  readonly train_seconds: number;
  readonly seconds: number;
  /** Measured once by another study with identical settings (run-memo.ts); its time is that run's. */
  readonly reused?: boolean;
}

export interface PointInfo {
  readonly label: string;
  readonly bind: BindSettings;
  readonly vision: VisionSize & { params: number; image_text_top1: number; train_seconds: number };
}

export interface ScalingModel {
  readonly name: string;
  readonly model_dir: string;
  readonly vision_params: number;
}

export interface StudyResult {
  readonly format: 'imagebind-ts-ablation';
  readonly study: string;
  readonly title: string;
  readonly x_label: string;
  readonly seeds: number;
  readonly modalities: readonly SensorModality[];
  readonly scale: StudyScale;
  readonly points: PointInfo[];
  readonly runs: RunRecord[];
  readonly summary: SummaryRow[];
  readonly models: ScalingModel[];
  readonly complete: boolean;
  /** Wall time over every invocation that worked on this result (rendering and stage 1 included). */
  readonly wall_seconds: number;
  readonly machine: { cpu: string; cores: number; load_at_start: number[] };
  readonly updated_at: string;
}

export function observations(def: StudyDef, r: Pick<StudyResult, 'points' | 'runs' | 'modalities'>): Observation[] {
  const obs: Observation[] = r.runs.map((x) => ({ point: x.point, series: x.modality, seed: x.seed, value: x.top1 }));
  if (def.meanSeries) {
    for (const p of r.points) {
      for (const seed of new Set(r.runs.filter((x) => x.point === p.label).map((x) => x.seed))) {
        const vals = r.runs.filter((x) => x.point === p.label && x.seed === seed).map((x) => x.top1);
        if (vals.length === r.modalities.length)
          obs.push({
            point: p.label,
            series: `mean of ${vals.length} sensors`,
            seed,
            value: vals.reduce((a, b) => a + b) / vals.length,
          });
      }
    }
  }
  if (def.imageText === 'per-point')
    for (const p of r.points)
      obs.push({ point: p.label, series: 'image→text', seed: 0, value: p.vision.image_text_top1 });
  if (def.imageText === 'per-run') {
    for (const x of r.runs) {
      const p = r.points.find((q) => q.label === x.point)!;
      obs.push({
        point: x.point,
        series: `image→text (${x.modality} run)`,
        seed: x.seed,
        value: x.image_text_top1 ?? p.vision.image_text_top1,
      });
    }
  }
  return obs;
}

async function writeAtomic(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

async function previous(path: string): Promise<StudyResult | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as StudyResult;
  } catch {
    return null;
  }
}

export function pointSettings(scale: StudyScale, p: StudyPoint): BindSettings {
  return { ...scale.bind, ...p.bind };
}

export async function runStudy(name: string, o: StudyOptions): Promise<StudyResult> {
  const def = studyByName(name);
  if (!def) throw new ConfigError('BAD_ARGUMENT', `unknown study "${name}": choose one of ${STUDY_NAMES.join(', ')}.`);
  const t0 = performance.now();
  const log = o.log ?? (() => {});
  const scale = studyScale(def, o.scale ?? FULL_SCALE);
  const seeds = o.seeds ?? 3;
  const modalities = o.modalities ?? def.modalities;
  for (const m of modalities)
    if (!ALL_SENSORS.includes(m))
      throw new ConfigError('BAD_ARGUMENT', `unknown modality "${m}": choose from ${ALL_SENSORS.join(', ')}.`);
  const points = def.points(scale);
  await mkdir(o.outDir, { recursive: true });
  const jsonPath = join(o.outDir, `${name}.json`);
  const pngPath = join(o.outDir, `${name}.png`);
  const prev = await previous(jsonPath);
  const resumable =
    prev !== null &&
    JSON.stringify(prev.scale) === JSON.stringify(scale) &&
    JSON.stringify(prev.modalities) === JSON.stringify(modalities);
  // Runs of points no longer in the study (a point dropped from its definition) are left out.
  const runs: RunRecord[] = resumable
    ? prev.runs.filter((r) => r.seed < seeds && points.some((p) => p.label === r.point))
    : [];
  const infos = new Map<string, PointInfo>(resumable ? prev.points.map((p) => [p.label, p]) : []);
  const models: ScalingModel[] = resumable ? [...prev.models] : [];
  const wallBefore = resumable ? prev.wall_seconds : 0;
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, load_at_start: loadavg() };
  const cache = new WorldCache(o.cacheDir, log);
  const heldOut = new HeldOut(cache, scale.heldOut);

  const snapshot = (complete: boolean): StudyResult => {
    const pts = points.map((p) => infos.get(p.label)).filter((p): p is PointInfo => p !== undefined);
    const part = { points: pts, runs, modalities };
    return {
      format: 'imagebind-ts-ablation',
      study: name,
      title: def.title,
      x_label: def.xLabel,
      seeds,
      modalities,
      scale,
      points: pts,
      runs,
      summary: summarize(
        observations(def, part),
        points.map((p) => p.label),
      ),
      models,
      complete,
      wall_seconds: wallBefore + (performance.now() - t0) / 1000,
      machine,
      updated_at: new Date().toISOString(),
    };
  };
  const save = async (plot: boolean, complete = false): Promise<StudyResult> => {
    const r = snapshot(complete);
    await writeAtomic(jsonPath, `${JSON.stringify(r, null, 2)}\n`);
    if (plot && r.summary.length > 0) await writePlotPng(plotSvg(plotSpec(r, scale)), pngPath);
    return r;
  };

  // Points that share a vision encoder are run together, seeds outermost within a group, so a
  // partly finished study already covers every point of the group.
  const groups = new Map<string, StudyPoint[]>();
  for (const p of points) {
    const v = p.vision ?? scale.visionSize;
    groups.set(JSON.stringify(v), [...(groups.get(JSON.stringify(v)) ?? []), p]);
  }
  const total = points.length * seeds * modalities.length;
  let done = runs.length;
  for (const group of groups.values()) {
    const vision = group[0].vision ?? scale.visionSize;
    const threads = o.threads ?? 1;
    const base = await ensureBase(cache, vision, scale.base, log, threads);
    const baseModel = await ImageBind.load(base.dir, { batchSize: 32, threads });
    try {
      const ctx = { cache, base, baseModel, heldOut, threads };
      const baseImageText = await heldOut.zeroShot(baseModel, 'vision', baseModel);
      for (const p of group)
        infos.set(p.label, {
          label: p.label,
          bind: pointSettings(scale, p),
          vision: { ...vision, params: base.visionParams, image_text_top1: baseImageText, train_seconds: base.seconds },
        });
      for (let seed = 0; seed < seeds; seed++) {
        for (const p of group) {
          const modelDir = o.modelsDir ? join(o.modelsDir, `vision-${vision.name}`) : null;
          const saveModelNow = modelDir !== null && seed === 0 && !existsSync(join(modelDir, 'manifest.json'));
          const kept = new Map<SensorModality, ParamMap>();
          for (const m of modalities) {
            const at = runs.findIndex((r) => r.point === p.label && r.modality === m && r.seed === seed);
            if (at >= 0 && !saveModelNow) continue;
            const settings = pointSettings(scale, p);
            const key = runKey(base, m, settings, seed, scale.heldOut, threads);
            const memo = saveModelNow ? null : await readMemo(o.cacheDir, key);
            const r: BindRunResult = memo ?? (await bindOnce(ctx, m, settings, seed, { keepParams: saveModelNow }));
            if (!memo) await writeMemo(o.cacheDir, key, r);
            if (r.params) kept.set(m, r.params);
            const record: RunRecord = {
              point: p.label,
              modality: m,
              seed,
              top1: r.top1,
              image_text_top1: r.imageTextTop1,
              final_loss: r.finalLoss,
              temperature: r.temperature,
              train_seconds: r.trainSeconds,
              seconds: r.seconds,
              ...(memo ? { reused: true } : {}),
            };
            if (at >= 0) runs[at] = record;
            else {
              runs.push(record);
              done++;
            }
            log(
              `[${done}/${total}] ${name} ${p.label} ${m} seed ${seed}: top-1 ${(100 * r.top1).toFixed(1)}%` +
                `${r.imageTextTop1 === null ? '' : `, image→text ${(100 * r.imageTextTop1).toFixed(1)}%`}` +
                ` (train ${r.trainSeconds.toFixed(0)} s, total ${r.seconds.toFixed(0)} s${memo ? ', reused' : ''})`,
            );
            await save(false);
          }
          if (saveModelNow && modelDir) {
            await saveScalingModel(base, kept, modelDir);
            const entry = {
              name: `vision-${vision.name}`,
              model_dir: relative(process.cwd(), modelDir),
              vision_params: base.visionParams,
            };
            models.splice(0, models.length, ...models.filter((x) => x.name !== entry.name), entry);
            log(`wrote ${modelDir} (vision ${vision.name} + ${[...kept.keys()].join(', ')}, seed 0)`);
          }
        }
        await save(true);
      }
    } finally {
      await baseModel.close();
    }
  }
  const result = await save(true, true);
  if (o.modelsList && models.length > 0) await writeModelsList(o.modelsList, models);
  log(`${name}: ${runs.length} runs in ${result.wall_seconds.toFixed(0)} s; wrote ${jsonPath} and ${pngPath}`);
  return result;
}

/** Merges `models` into the `scaling` list of `path`, keeping any other keys of that file. */
export async function writeModelsList(path: string, models: readonly ScalingModel[]): Promise<void> {
  const old = (await readFile(path, 'utf8').then(JSON.parse, () => ({}))) as Record<string, unknown>;
  await writeAtomic(path, `${JSON.stringify({ ...old, scaling: models }, null, 2)}\n`);
}

async function saveScalingModel(base: TrainedBase, sensors: Map<SensorModality, ParamMap>, dir: string): Promise<void> {
  const all: ParamMap = await loadBaseParams(base);
  for (const p of sensors.values()) for (const [k, t] of p) all.set(k, t);
  await saveModel(all, {
    config: base.config,
    modalities: ['vision', 'text', ...sensors.keys()],
    outDir: dir,
    name: `imagebind-mini-vision-${base.size.name}`,
    vocabPath: base.mergesPath,
  });
}

export function plotSpec(r: StudyResult, scale: StudyScale): Parameters<typeof plotSvg>[0] {
  const b = scale.bind;
  const s1 = scale.base;
  return {
    title: r.title,
    subtitle: `mean ± 1 std over ${r.seeds} seeds (dots: seeds); held-out n=${scale.heldOut.n}\nstage 1 ${s1.jointPairs} pairs × ${s1.jointSteps} steps; bind ${b.pairs} pairs × ${b.steps} steps, batch ${b.batchSize}`,
    xLabel: r.x_label,
    points: r.points.map((p) => p.label),
    pointNotes:
      new Set(r.points.map((p) => p.vision.params)).size > 1
        ? r.points.map((p) => `${(p.vision.params / 1e6).toFixed(2)} M params`)
        : undefined,
    rows: r.summary,
    chance: 1 / NUM_CLASSES,
  };
}
