/**
 * Training a `buildClassifier` network with softmax cross-entropy (labels as one-hot rows), one
 * GraphOptimizer step per batch. Used for the generation benchmark's independent judge.
 */
import { gradientGraph } from '../model/autodiff/gradient.ts';
import { type ClassifierSpec, CLASSIFIER_INPUT, CLASSIFIER_OUTPUT, buildClassifier } from '../model/classifier.ts';
import { Graph, attr, bindWeights } from '../model/graph.ts';
import type { Tensor } from '../core/tensor.ts';
import { GraphOptimizer } from './graph-optimizer.ts';
import { initWeights } from './init.ts';
import { learningRate } from './schedule.ts';

export const CLASSIFIER_LABELS = 'labels_onehot';
export const CLASSIFIER_LOSS = 'loss.cross_entropy';

export function buildClassifierTrainingGraph(s: ClassifierSpec) {
  const g = new Graph('imagebind_judge_train');
  const image = g.input(CLASSIFIER_INPUT, 'float32', ['batch', 3, s.imageSize, s.imageSize]);
  const onehot = g.input(CLASSIFIER_LABELS, 'float32', ['batch', s.classes]);
  const logits = buildClassifier(g, s, image);
  const logp = g.op('LogSoftmax', [logits], { axis: attr.i(-1) }, 'logp');
  const picked = g.op('ReduceSum', [g.op('Mul', [logp, onehot]), g.constI64('class_axis', [1])], {
    keepdims: attr.i(0),
  });
  const loss = g.op('Neg', [g.op('ReduceMean', [picked], { keepdims: attr.i(0) })], {}, CLASSIFIER_LOSS);
  g.output(g.op('Identity', [logits], {}, CLASSIFIER_OUTPUT), 'float32', ['batch', s.classes]);
  g.output(loss, 'float32', []);
  const weights = g.initializers.filter((i) => i.source.kind === 'checkpoint');
  const trainable = bindWeights(g, () => 'input');
  return { graph: gradientGraph(g, { loss: loss.name, wrt: trainable }), trainable, weights };
}

export interface ClassifierTrainOptions {
  readonly spec: ClassifierSpec;
  readonly steps: number;
  readonly lr: number;
  readonly warmupSteps: number;
  readonly seed: number;
  /** The batch for `step`: images [B, 3, S, S] and integer labels. */
  readonly batch: (step: number) => { image: Tensor; labels: Int32Array };
  readonly onStep?: (step: number, loss: number, accuracy: number) => void;
  readonly threads?: number;
}

/** Trains from scratch; returns the final weights (a ParamMap under `judge.*` keys). */
export async function trainClassifier(o: ClassifierTrainOptions) {
  const tg = buildClassifierTrainingGraph(o.spec);
  const params = initWeights(tg.weights, o.seed, (n) => n.startsWith('judge.head.'));
  const matrices = new Set(
    tg.weights.filter((w) => w.role === 'weight' && !w.name.endsWith('pos_embed')).map((w) => w.name),
  );
  const opt = await GraphOptimizer.create({
    graph: tg.graph,
    loss: CLASSIFIER_LOSS,
    trainable: tg.trainable,
    params,
    decays: (n) => matrices.has(n),
    threads: o.threads,
  });
  try {
    for (let step = 0; step < o.steps; step++) {
      const { image, labels } = o.batch(step);
      const onehot = new Float32Array(labels.length * o.spec.classes);
      labels.forEach((l, i) => (onehot[i * o.spec.classes + l] = 1));
      const lr = learningRate(step, { lr: o.lr, warmupSteps: o.warmupSteps, totalSteps: o.steps, minRatio: 0.05 });
      const r = await opt.step(
        {
          [CLASSIFIER_INPUT]: image,
          [CLASSIFIER_LABELS]: { dtype: 'float32', shape: [labels.length, o.spec.classes], data: onehot },
        },
        lr,
        {
          clipNorm: 1,
          adam: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05 },
          label: `judge step ${step + 1}`,
          extra: [CLASSIFIER_OUTPUT],
        },
      );
      o.onStep?.(step + 1, r.loss, accuracy(r.extra.get(CLASSIFIER_OUTPUT)!.data, labels, o.spec.classes));
    }
  } finally {
    await opt.release();
  }
  return params;
}

export function argmaxRows(logits: Float32Array, classes: number): number[] {
  const n = logits.length / classes;
  return Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[i * classes + k] > logits[i * classes + best]) best = k;
    return best;
  });
}

export function accuracy(logits: Float32Array, labels: ArrayLike<number>, classes: number): number {
  const pred = argmaxRows(logits, classes);
  return pred.filter((p, i) => p === labels[i]).length / pred.length;
}
