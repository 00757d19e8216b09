/**
 * The studies, as data: what each varies, over which points, for which modalities. Binding
 * ablations use depth (cheap, and in the paper it prefers small batches and a high temperature)
 * and audio (where the paper finds the opposite), both bound to the M vision encoder.
 */
import type { SensorModality } from '../../synth/mini/data.ts';
import { ALL_SENSORS, type BindSettings, type StudyScale, type VisionSize } from './settings.ts';

export interface StudyPoint {
  readonly label: string;
  /** Overrides of the scale's bind settings at this point. */
  readonly bind?: Partial<BindSettings>;
  /** The vision encoder bound against (scaling); default: the scale's `visionSize`. */
  readonly vision?: VisionSize;
}

export interface StudyDef {
  readonly name: string;
  readonly title: string;
  readonly xLabel: string;
  readonly modalities: readonly SensorModality[];
  readonly points: (scale: StudyScale) => StudyPoint[];
  /** Derived series: the mean over the modalities per seed (scaling), image→text of each run. */
  readonly meanSeries?: boolean;
  readonly imageText?: 'per-point' | 'per-run';
  /** Stage 1 with more image–caption pairs and steps than the scale's (multipliers). */
  readonly baseScale?: { readonly pairs: number; readonly steps: number };
}

/** The scale a study runs at: the given one with the study's stage-1 multipliers applied. */
export function studyScale(def: StudyDef, scale: StudyScale): StudyScale {
  if (!def.baseScale) return scale;
  const b = scale.base;
  return {
    ...scale,
    base: { ...b, jointPairs: b.jointPairs * def.baseScale.pairs, jointSteps: b.jointSteps * def.baseScale.steps },
  };
}

const PAIR: readonly SensorModality[] = ['depth', 'audio'];

function scalingPoints(scale: StudyScale): StudyPoint[] {
  return scale.visionSizes.map((v) => ({ label: `${v.name} ${v.dim}/${v.blocks}/${v.heads}`, vision: v }));
}
const MULTIPLIERS = [0.25, 0.5, 1, 2, 4];

export const STUDIES: readonly StudyDef[] = [
  {
    name: 'scaling',
    title: 'Emergent X→text top-1 against image-encoder size',
    xLabel: 'vision encoder (width / blocks / heads)',
    modalities: ALL_SENSORS,
    points: scalingPoints,
    meanSeries: true,
    imageText: 'per-point',
    // At the base scale's stage 1 (3200 pairs × 600 steps) the largest encoder was the weakest at
    // image→text (see scaling-short): a larger encoder is only a stronger one with enough data.
    baseScale: { pairs: 2, steps: 2 },
  },
  {
    name: 'scaling-short',
    title: 'Emergent X→text top-1 against image-encoder size (short stage 1)',
    xLabel: 'vision encoder (width / blocks / heads)',
    modalities: ALL_SENSORS,
    points: scalingPoints,
    meanSeries: true,
    imageText: 'per-point',
  },
  {
    name: 'temperature',
    title: 'Binding temperature τ: fixed values against learned',
    xLabel: 'InfoNCE temperature τ (logit scale 1/τ); learned starts at 0.07',
    modalities: PAIR,
    points: () => [
      ...[0.05, 0.1, 0.2, 0.5].map((t) => ({ label: String(t), bind: { temperature: t } })),
      { label: 'learned', bind: { temperature: 'learned' as const } },
    ],
  },
  {
    name: 'batch-size',
    title: 'Binding batch size (same number of pairs seen)',
    xLabel: 'batch size (steps scaled to keep the samples seen constant)',
    modalities: PAIR,
    points: (scale) =>
      MULTIPLIERS.map((m) => {
        const batchSize = Math.round(scale.bind.batchSize * m);
        return {
          label: String(batchSize),
          bind: { batchSize, steps: Math.max(1, Math.round((scale.bind.steps * scale.bind.batchSize) / batchSize)) },
        };
      }),
  },
  {
    name: 'capacity',
    title: 'Sensor-encoder capacity',
    xLabel: 'sensor encoder (width / blocks / heads)',
    modalities: PAIR,
    points: () =>
      [
        { name: 'S', dim: 32, blocks: 2, heads: 2 },
        { name: 'B', dim: 64, blocks: 3, heads: 4 },
        { name: 'L', dim: 96, blocks: 4, heads: 4 },
      ].map((e) => ({ label: `${e.name} ${e.dim}/${e.blocks}/${e.heads}`, bind: { encoder: e } })),
  },
  {
    name: 'image-encoder',
    title: 'Frozen against fine-tuned image encoder',
    xLabel: 'image encoder during binding',
    modalities: PAIR,
    points: () => [
      { label: 'frozen', bind: { fineTuneVision: false } },
      // A pretrained encoder is fine-tuned at a tenth of the new encoder's learning rate: at the
      // full rate (1e-3) it collapsed in a trial run (image→text fell to chance, loss stayed at 2·ln B).
      { label: 'fine-tuned (lr ×0.1)', bind: { fineTuneVision: true, visionLrScale: 0.1 } },
    ],
    imageText: 'per-run',
  },
  {
    name: 'steps',
    title: 'Binding training length',
    xLabel: 'optimizer steps (warm-up + cosine over each run)',
    modalities: PAIR,
    points: (scale) =>
      [0.25, 0.5, 1, 2].map((m) => {
        const steps = Math.max(1, Math.round(scale.bind.steps * m));
        return { label: String(steps), bind: { steps } };
      }),
  },
];

export const STUDY_NAMES = STUDIES.map((s) => s.name);

export function studyByName(name: string): StudyDef | undefined {
  return STUDIES.find((s) => s.name === name);
}
