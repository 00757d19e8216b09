/**
 * The training loop: batches from a `Dataset`, one onnxruntime run of the training graph per step
 * (loss, embeddings and every gradient), global-norm clipping and AdamW in TypeScript.
 * Deterministic given the seed (init, data order) when run single-threaded.
 */
import { TrainingError } from '../core/errors.ts';
import type { Float32Tensor, Tensor } from '../core/tensor.ts';
import { modalityArch } from '../model/architecture.ts';
import type { ImageBindConfig, Modality } from '../model/config.ts';
import { gradName } from '../model/autodiff/gradient.ts';
import type { InitializerDef } from '../model/graph.ts';
import type { Manifest } from '../model/manifest.ts';
import { type AdamWOptions, type AdamWState, adamwStep, clipGlobalNorm, newAdamWState } from './adamw.ts';
import { loadTrainState, saveTrainState } from './train-state.ts';
import { type Batch, type Dataset, batchIndices } from './data.ts';
import { saveModel } from './export.ts';
import {
  LOSS_OUTPUT,
  TARGET_INPUT,
  type TrainSetup,
  buildLossGraph,
  buildTrainingGraph,
  embeddingName,
  inputName,
  setupModalities,
} from './graph.ts';
import { type ParamMap, decays, initParams } from './params.ts';
import { ProgressLine } from './progress.ts';
import { learningRate } from './schedule.ts';
import { GraphSession } from './graph-session.ts';

export interface TrainOptions {
  readonly config: ImageBindConfig;
  readonly setup: TrainSetup;
  readonly data: Dataset;
  readonly batchSize: number;
  /** Total optimizer steps (also the cosine schedule's length). */
  readonly steps: number;
  readonly lr: number;
  readonly warmupSteps?: number;
  /** Final learning rate as a fraction of `lr` (default 0.1). */
  readonly minLrRatio?: number;
  readonly adam?: Partial<AdamWOptions>;
  /** Global gradient-norm limit; null disables clipping (default 1). */
  readonly clipNorm?: number | null;
  /** Seeds the initial weights and the data order. */
  readonly seed?: number;
  /** Starting weights (official keys), e.g. a pretrained model; random-init otherwise. */
  readonly initialParams?: ParamMap;
  /** Which weights train (default `defaultTrainable`: all but the causal mask and non-text logit scales). */
  readonly trainable?: (init: InitializerDef) => boolean;
  /** Learning-rate multiplier per weight (default 1), e.g. 0.1 for a pretrained encoder being fine-tuned. */
  readonly lrScale?: (name: string) => number;
  readonly threads?: number;
  /** Write a checkpoint every `checkpointEvery` steps (and at the end of `run`) to this directory. */
  readonly checkpointDir?: string;
  readonly checkpointEvery?: number;
  readonly onStep?: (s: StepResult) => void | Promise<void>;
  readonly evalEvery?: number;
  readonly onEval?: (trainer: Trainer, step: number) => void | Promise<void>;
  /** Progress line on stderr; default: only when stderr is a TTY. */
  readonly progress?: boolean;
}

export interface StepResult {
  readonly step: number;
  readonly loss: number;
  readonly lr: number;
  readonly gradNorm: number;
  readonly samplesPerSecond: number;
}

export interface EvalResult {
  readonly loss: number;
  readonly embeddings: Map<Modality, Float32Tensor>;
}

const ADAM_DEFAULTS: AdamWOptions = { beta1: 0.9, beta2: 0.98, eps: 1e-6, weightDecay: 0.05 };

export class Trainer {
  /** Forward-only session for `evaluate` (onnxruntime would run the whole backward otherwise). */
  private evalSession: Promise<GraphSession> | null = null;

  private constructor(
    readonly opts: TrainOptions,
    private readonly session: GraphSession,
    readonly trainable: readonly string[],
    private readonly decayNames: ReadonlySet<string>,
    readonly params: ParamMap,
    private readonly adam: AdamWState,
    private current: number,
  ) {}

  /** Steps completed so far. */
  get step(): number {
    return this.current;
  }

  get modalities(): Modality[] {
    return setupModalities(this.opts.setup);
  }

  static async create(opts: TrainOptions): Promise<Trainer> {
    const params = opts.initialParams ?? (await initParams(opts.config, setupModalities(opts.setup), opts.seed ?? 0));
    return Trainer.open(opts, params, newAdamWState(), 0);
  }

  /** Continues from a checkpoint written by `saveCheckpoint` (same config and setup). */
  static async resume(dir: string, opts: TrainOptions): Promise<Trainer> {
    const s = await loadTrainState(dir);
    if (
      JSON.stringify(s.config) !== JSON.stringify(opts.config) ||
      JSON.stringify(s.setup) !== JSON.stringify(opts.setup)
    ) {
      throw new TrainingError(
        'CHECKPOINT_MISMATCH',
        `${dir}: the checkpoint was trained with another config or setup.`,
      );
    }
    return Trainer.open({ ...opts, seed: s.seed }, s.params, s.adam, s.step);
  }

  private static async open(opts: TrainOptions, params: ParamMap, adam: AdamWState, step: number): Promise<Trainer> {
    if (opts.data.size === 0)
      throw new TrainingError(
        'EMPTY_DATASET',
        'the training dataset is empty: give the data provider at least two items.',
      );
    if (opts.batchSize < 2)
      throw new TrainingError(
        'BATCH_SIZE',
        `batch size ${opts.batchSize}: InfoNCE needs at least 2 items per batch (in-batch negatives).`,
      );
    if (opts.data.size < opts.batchSize) {
      throw new TrainingError(
        'DATASET_TOO_SMALL',
        `the dataset has ${opts.data.size} items, fewer than one batch of ${opts.batchSize}; lower the batch size.`,
      );
    }
    const tg = buildTrainingGraph(opts.config, opts.setup, {
      outDim: opts.config.out_embed_dim,
      trainable: opts.trainable,
      frozen: (name) => {
        const p = params.get(name);
        if (!p) throw new TrainingError('PARAM_MISSING', `no initial value for weight "${name}".`);
        return p.data;
      },
    });
    for (const n of tg.trainable)
      if (!params.has(n)) throw new TrainingError('PARAM_MISSING', `no initial value for weight "${n}".`);
    const decayNames = new Set(tg.weights.filter(decays).map((w) => w.name));
    if (tg.trainable.length === 0) throw new TrainingError('NOTHING_TO_TRAIN', 'no trainable weights in this setup.');
    const session = await GraphSession.create(tg.graph, { threads: opts.threads ?? 2 });
    return new Trainer(opts, session, tg.trainable, decayNames, params, adam, step);
  }

  private feeds(batch: Batch): Record<string, Tensor> {
    const feeds: Record<string, Tensor> = {};
    for (const m of this.modalities) {
      const t = batch.inputs[m];
      if (!t) throw new TrainingError('BATCH_INPUT', `the data provider's batch has no ${m} input.`);
      feeds[inputName(m)] = t;
    }
    if (this.opts.setup.kind === 'binding') {
      if (!batch.targets)
        throw new TrainingError(
          'BATCH_TARGETS',
          'binding needs frozen target embeddings in each batch (see computeTargets / withTargets).',
        );
      feeds[TARGET_INPUT] = batch.targets;
    }
    for (const n of this.trainable) {
      const p = this.params.get(n)!;
      feeds[n] = { dtype: 'float32', shape: p.shape, data: p.data };
    }
    return feeds;
  }

  /** Loss and embeddings for a batch under the current weights (no update). */
  async evaluate(batch: Batch): Promise<EvalResult> {
    this.evalSession ??= GraphSession.create(
      buildLossGraph(this.opts.config, this.opts.setup, {
        outDim: this.opts.config.out_embed_dim,
        trainable: this.opts.trainable,
        frozen: (name) => this.params.get(name)!.data,
      }).graph,
      { threads: this.opts.threads ?? 2 },
    );
    const out = await (
      await this.evalSession
    ).run(this.feeds(batch), [LOSS_OUTPUT, ...this.modalities.map(embeddingName)]);
    const embeddings = new Map<Modality, Float32Tensor>(this.modalities.map((m) => [m, out.get(embeddingName(m))!]));
    return { loss: out.get(LOSS_OUTPUT)!.data[0], embeddings };
  }

  /** One optimizer step on the next batch of the seeded order. */
  async trainStep(): Promise<StepResult> {
    const t0 = performance.now();
    const o = this.opts;
    const step = this.current;
    const batch = await o.data.get(batchIndices(o.data.size, o.batchSize, o.seed ?? 0, step));
    const out = await this.session.run(this.feeds(batch), [LOSS_OUTPUT, ...this.trainable.map(gradName)]);
    const loss = out.get(LOSS_OUTPUT)!.data[0];
    if (!Number.isFinite(loss)) {
      throw new TrainingError(
        'NON_FINITE_LOSS',
        `step ${step + 1}: the loss is ${loss}. Lower the learning rate (now ${o.lr}), enable gradient clipping, or check the batch for NaN/Inf inputs.`,
      );
    }
    const grads = new Map(this.trainable.map((n) => [n, out.get(gradName(n))!.data]));
    const gradNorm = clipGlobalNorm(grads, o.clipNorm === undefined ? 1 : o.clipNorm);
    if (!Number.isFinite(gradNorm)) {
      throw new TrainingError(
        'NON_FINITE_GRADIENT',
        `step ${step + 1}: the gradient norm is ${gradNorm} (loss ${loss}). Check the batch for NaN/Inf inputs or lower the learning rate.`,
      );
    }
    const lr = learningRate(step, {
      lr: o.lr,
      warmupSteps: o.warmupSteps ?? 0,
      totalSteps: o.steps,
      minRatio: o.minLrRatio ?? 0.1,
    });
    const data = new Map(this.trainable.map((n) => [n, this.params.get(n)!.data]));
    adamwStep(data, grads, this.adam, lr, { ...ADAM_DEFAULTS, ...o.adam }, (n) => this.decayNames.has(n), o.lrScale);
    this.current = step + 1;
    const seconds = (performance.now() - t0) / 1000;
    return { step: this.current, loss, lr, gradNorm, samplesPerSecond: o.batchSize / seconds };
  }

  /** Trains until `opts.steps`, with callbacks, progress, periodic checkpoints; returns each step's result. */
  async run(): Promise<StepResult[]> {
    const o = this.opts;
    const progress = new ProgressLine(o.progress ?? Boolean(process.stderr.isTTY));
    const results: StepResult[] = [];
    try {
      while (this.current < o.steps) {
        const r = await this.trainStep();
        results.push(r);
        progress.update(
          `step ${r.step}/${o.steps}  loss ${r.loss.toFixed(4)}  lr ${r.lr.toExponential(2)}  |g| ${r.gradNorm.toFixed(3)}  ${r.samplesPerSecond.toFixed(1)} samples/s`,
        );
        await o.onStep?.(r);
        if (o.evalEvery && o.onEval && r.step % o.evalEvery === 0) await o.onEval(this, r.step);
        if (o.checkpointDir && o.checkpointEvery && r.step % o.checkpointEvery === 0)
          await this.saveCheckpoint(o.checkpointDir);
      }
      if (o.checkpointDir) await this.saveCheckpoint(o.checkpointDir);
    } finally {
      progress.done();
    }
    return results;
  }

  saveCheckpoint(dir: string): Promise<void> {
    return saveTrainState(dir, {
      step: this.current,
      seed: this.opts.seed ?? 0,
      config: this.opts.config,
      setup: this.opts.setup,
      params: this.params,
      adam: this.adam,
    });
  }

  /** Writes a model directory (official keys, the standard converter) for the trained encoders. */
  saveModel(outDir: string, extra: { name?: string; vocabPath?: string } = {}): Promise<Manifest> {
    return saveModel(this.params, { config: this.opts.config, modalities: this.modalities, outDir, ...extra });
  }

  /** The input shape one item of `m` must have (for data providers). */
  itemShape(m: Modality): readonly number[] {
    return modalityArch(this.opts.config, m).itemShape;
  }

  async close(): Promise<void> {
    await this.session.release();
    if (this.evalSession) await (await this.evalSession).release();
  }
}
