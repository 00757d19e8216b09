/**
 * Trains the mini decoder: seeded batches of the unCLIP objective (batch.ts), one onnxruntime run
 * of the training graph per step, clipping + AdamW (GraphOptimizer), a warm-up + cosine learning
 * rate, and an exponential moving average of the weights (the weights that ship, as is usual for
 * diffusion models). Checkpoints hold weights, Adam moments and the EMA, so a run resumes exactly.
 */
import { TrainingError } from '../../core/errors.ts';
import { type DitSpec, PARAM_PREFIX } from '../../model/diffusion/dit-spec.ts';
import { sincosPositions } from '../../model/diffusion/dit.ts';
import type { AdamWOptions } from '../adamw.ts';
import { batchIndices } from '../data.ts';
import { GraphOptimizer } from '../graph-optimizer.ts';
import { initWeights } from '../init.ts';
import { type ParamMap, cloneParams } from '../params.ts';
import { learningRate } from '../schedule.ts';
import { loadTrainState, saveTrainState } from '../train-state.ts';
import { type DiffusionData, type DiffusionObjective, diffusionBatch } from './batch.ts';
import { DIFFUSION_LOSS, buildDiffusionTrainingGraph } from './graph.ts';

export interface DiffusionTrainOptions {
  readonly spec: DitSpec;
  readonly objective: DiffusionObjective;
  readonly data: DiffusionData;
  readonly batchSize: number;
  readonly steps: number;
  readonly lr: number;
  readonly warmupSteps: number;
  readonly minLrRatio?: number;
  readonly weightDecay?: number;
  readonly clipNorm?: number | null;
  /** EMA decay, warmed up as min(decay, (1 + n)/(10 + n)). */
  readonly emaDecay?: number;
  readonly seed: number;
  readonly threads?: number;
}

export interface DiffusionStep {
  readonly step: number;
  readonly loss: number;
  readonly lr: number;
  readonly gradNorm: number;
  readonly samplesPerSecond: number;
}

const EMA = 'ema:';

/** Time a run has spent so far, carried through checkpoints so a resumed run reports its total. */
export interface TimeSpent {
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
}

interface Setup extends Partial<TimeSpent> {
  readonly seed: number;
  readonly batchSize: number;
}

export class DiffusionTrainer {
  private constructor(
    readonly opts: DiffusionTrainOptions,
    private readonly opt: GraphOptimizer,
    readonly ema: ParamMap,
    private current: number,
    /** Time spent before this process (0 for a fresh run). */
    readonly spentBefore: TimeSpent = { wallSeconds: 0, cpuSeconds: 0 },
  ) {}

  get step(): number {
    return this.current;
  }

  get params(): ParamMap {
    return this.opt.params;
  }

  static async create(opts: DiffusionTrainOptions): Promise<DiffusionTrainer> {
    const tg = buildDiffusionTrainingGraph(opts.spec);
    // adaLN-Zero: every modulation and the output layer start at zero, so each block starts as the
    // identity and the first prediction is 0; positions start from the 2-D sin-cos table.
    const params = initWeights(tg.weights, opts.seed, (n) => n.includes('final_linear') || n.includes('.adaln'));
    const grid = opts.spec.imageSize / opts.spec.patch;
    params.get(`${PARAM_PREFIX}.pos_embed`)!.data.set(sincosPositions(grid, opts.spec.dim));
    return DiffusionTrainer.open(opts, params, cloneParams(params), 0);
  }

  /** Continues a run from `saveCheckpoint` (same spec and options except `steps`). */
  static async resume(dir: string, opts: DiffusionTrainOptions): Promise<DiffusionTrainer> {
    const s = await loadTrainState<DitSpec, Setup>(dir);
    if (JSON.stringify(s.config) !== JSON.stringify(opts.spec) || s.setup.batchSize !== opts.batchSize)
      throw new TrainingError(
        'CHECKPOINT_MISMATCH',
        `${dir}: the checkpoint was trained with another spec or batch size.`,
      );
    const params: ParamMap = new Map();
    const ema: ParamMap = new Map();
    for (const [k, v] of s.params)
      (k.startsWith(EMA) ? ema : params).set(k.slice(k.startsWith(EMA) ? EMA.length : 0), v);
    const spent = { wallSeconds: s.setup.wallSeconds ?? 0, cpuSeconds: s.setup.cpuSeconds ?? 0 };
    return DiffusionTrainer.open({ ...opts, seed: s.seed }, params, ema, s.step, s.adam, spent);
  }

  private static async open(
    opts: DiffusionTrainOptions,
    params: ParamMap,
    ema: ParamMap,
    step: number,
    adam?: Parameters<typeof GraphOptimizer.create>[0]['adam'],
    spent?: TimeSpent,
  ): Promise<DiffusionTrainer> {
    if (opts.data.size < opts.batchSize)
      throw new TrainingError(
        'DATASET_TOO_SMALL',
        `the dataset has ${opts.data.size} images, fewer than one batch of ${opts.batchSize}; lower the batch size.`,
      );
    if (opts.data.imageSize !== opts.spec.imageSize || opts.data.embeddingDim !== opts.spec.condDim)
      throw new TrainingError(
        'DATA_MISMATCH',
        `data of ${opts.data.imageSize}px / ${opts.data.embeddingDim}-d embeddings for a decoder of ${opts.spec.imageSize}px / ${opts.spec.condDim}-d.`,
      );
    const tg = buildDiffusionTrainingGraph(opts.spec);
    const matrices = new Set(
      tg.weights
        .filter((w) => w.role === 'weight' && w.shape.length >= 2 && !w.name.endsWith('pos_embed'))
        .map((w) => w.name),
    );
    const opt = await GraphOptimizer.create({
      graph: tg.graph,
      loss: DIFFUSION_LOSS,
      trainable: tg.trainable,
      params,
      decays: (n) => matrices.has(n),
      adam,
      threads: opts.threads,
    });
    return new DiffusionTrainer(opts, opt, ema, step, spent);
  }

  async trainStep(): Promise<DiffusionStep> {
    const t0 = performance.now();
    const o = this.opts;
    const step = this.current;
    const idx = batchIndices(o.data.size, o.batchSize, o.seed, step);
    const feeds = diffusionBatch(o.data, idx, o.objective, o.seed, step);
    const lr = learningRate(step, {
      lr: o.lr,
      warmupSteps: o.warmupSteps,
      totalSteps: o.steps,
      minRatio: o.minLrRatio ?? 0.1,
    });
    const adam: AdamWOptions = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: o.weightDecay ?? 0.01 };
    const r = await this.opt.step(feeds, lr, {
      clipNorm: o.clipNorm === undefined ? 1 : o.clipNorm,
      adam,
      label: `decoder step ${step + 1}`,
    });
    this.current = step + 1;
    const decay = Math.min(o.emaDecay ?? 0.999, (1 + this.current) / (10 + this.current));
    for (const [name, p] of this.opt.params) {
      const e = this.ema.get(name)!.data;
      for (let i = 0; i < e.length; i++) e[i] = decay * e[i] + (1 - decay) * p.data[i];
    }
    const seconds = (performance.now() - t0) / 1000;
    return { step: this.current, loss: r.loss, lr, gradNorm: r.gradNorm, samplesPerSecond: o.batchSize / seconds };
  }

  /** `spent`: the run's total time so far (this process's plus `spentBefore`). */
  saveCheckpoint(dir: string, spent: TimeSpent = this.spentBefore): Promise<void> {
    const all: ParamMap = new Map(this.opt.params);
    for (const [k, v] of this.ema) all.set(`${EMA}${k}`, v);
    const setup: Setup = { seed: this.opts.seed, batchSize: this.opts.batchSize, ...spent };
    return saveTrainState(dir, {
      step: this.current,
      seed: this.opts.seed,
      config: this.opts.spec,
      setup,
      params: all,
      adam: this.opt.adam,
    });
  }

  close(): Promise<void> {
    return this.opt.release();
  }
}
