/**
 * One optimiser step over any training graph whose trainable weights are inputs and whose
 * gradients are `grad.<name>` outputs (`gradientGraph`): run it, check the loss, clip, AdamW.
 * The InfoNCE `Trainer` and the diffusion and classifier recipes share this; each builds its own
 * feeds and graph.
 */
import { TrainingError } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import type { Graph } from '../model/graph.ts';
import { gradName } from '../model/autodiff/gradient.ts';
import { type AdamWOptions, type AdamWState, adamwStep, clipGlobalNorm, newAdamWState } from './adamw.ts';
import { GraphSession } from './graph-session.ts';
import type { ParamMap } from './params.ts';

export interface OptimizerStep {
  readonly loss: number;
  readonly gradNorm: number;
  /** Other requested outputs of the run (e.g. logits for accuracy). */
  readonly extra: Map<string, Tensor<'float32'>>;
}

export class GraphOptimizer {
  private constructor(
    private readonly session: GraphSession,
    readonly trainable: readonly string[],
    readonly params: ParamMap,
    readonly adam: AdamWState,
    private readonly decays: (name: string) => boolean,
    private readonly loss: string,
  ) {}

  static async create(o: {
    graph: Graph;
    loss: string;
    trainable: readonly string[];
    params: ParamMap;
    decays: (name: string) => boolean;
    adam?: AdamWState;
    threads?: number;
  }): Promise<GraphOptimizer> {
    for (const n of o.trainable)
      if (!o.params.has(n)) throw new TrainingError('PARAM_MISSING', `no initial value for weight "${n}".`);
    const session = await GraphSession.create(o.graph, { threads: o.threads ?? 2 });
    return new GraphOptimizer(session, o.trainable, o.params, o.adam ?? newAdamWState(), o.decays, o.loss);
  }

  /** Runs the graph on `data` plus the current weights, then clips (null: never) and applies AdamW at `lr`. */
  async step(
    data: Readonly<Record<string, Tensor>>,
    lr: number,
    o: { clipNorm: number | null; adam: AdamWOptions; label: string; extra?: readonly string[] },
  ): Promise<OptimizerStep> {
    const feeds: Record<string, Tensor> = { ...data };
    for (const n of this.trainable) {
      const p = this.params.get(n)!;
      feeds[n] = { dtype: 'float32', shape: p.shape, data: p.data };
    }
    const out = await this.session.run(feeds, [this.loss, ...(o.extra ?? []), ...this.trainable.map(gradName)]);
    const loss = out.get(this.loss)!.data[0];
    if (!Number.isFinite(loss))
      throw new TrainingError(
        'NON_FINITE_LOSS',
        `${o.label}: the loss is ${loss}. Lower the learning rate (now ${lr}), enable gradient clipping, or check the batch for NaN/Inf inputs.`,
      );
    const grads = new Map(this.trainable.map((n) => [n, out.get(gradName(n))!.data]));
    const gradNorm = clipGlobalNorm(grads, o.clipNorm);
    if (!Number.isFinite(gradNorm))
      throw new TrainingError(
        'NON_FINITE_GRADIENT',
        `${o.label}: the gradient norm is ${gradNorm} (loss ${loss}). Check the batch for NaN/Inf inputs or lower the learning rate.`,
      );
    const weights = new Map(this.trainable.map((n) => [n, this.params.get(n)!.data]));
    adamwStep(weights, grads, this.adam, lr, o.adam, this.decays);
    const extra = new Map([...out].filter(([k]) => (o.extra ?? []).includes(k)));
    return { loss, gradNorm, extra };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
