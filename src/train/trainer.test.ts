import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrainingError } from '../core/errors.ts';
import { type Dataset, tensorDataset } from './data.ts';
import { Trainer, type TrainOptions } from './trainer.ts';
import { tinyConfig } from '../../test/helpers/train-configs.ts';
import { classDataset } from '../../test/helpers/train-toy.ts';

const config = tinyConfig();
const data = classDataset(config, ['audio'], 32, 4);
const base: TrainOptions = {
  config,
  setup: { kind: 'binding', modality: 'audio' },
  data,
  batchSize: 8,
  steps: 30,
  lr: 3e-3,
  warmupSteps: 3,
  seed: 1,
  threads: 1,
  progress: false,
};

test('train: the loss decreases on a learnable class-conditioned task', async () => {
  const t = await Trainer.create(base);
  try {
    const r = await t.run();
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(r.slice(0, 4).map((s) => s.loss)),
      last = mean(r.slice(-4).map((s) => s.loss));
    assert.ok(last < 0.7 * first, `loss ${first.toFixed(3)} → ${last.toFixed(3)}`);
    assert.equal(t.step, 30);
  } finally {
    await t.close();
  }
});

test('train: resuming from a checkpoint reproduces the same losses exactly', async () => {
  const opts = { ...base, steps: 6 };
  const straight = await Trainer.create(opts);
  const all = (await straight.run()).map((s) => s.loss);
  await straight.close();

  const dir = join(mkdtempSync(join(tmpdir(), 'ibts-train-')), 'ckpt');
  const first = await Trainer.create({ ...opts, steps: 3, checkpointDir: dir });
  await first.run();
  await first.close();
  const resumed = await Trainer.resume(dir, opts);
  assert.equal(resumed.step, 3);
  const rest = (await resumed.run()).map((s) => s.loss);
  await resumed.close();
  assert.deepEqual(rest, all.slice(3));
});

test('train: a NaN input stops training with a TrainingError naming the step', async () => {
  const good = await data.get(Array.from({ length: 32 }, (_, i) => i));
  const audio = good.inputs.audio!;
  const poisoned = (audio.data as Float32Array).slice();
  poisoned.fill(NaN, 0, 5);
  const bad: Dataset = tensorDataset({ audio: { ...audio, data: poisoned } }, good.targets);
  const t = await Trainer.create({ ...base, data: bad, batchSize: 32 });
  try {
    await assert.rejects(
      t.run(),
      (e: unknown) => e instanceof TrainingError && e.code === 'NON_FINITE_LOSS' && /step 1:/.test(e.message),
    );
  } finally {
    await t.close();
  }
});

test('train: an absurd learning rate ends in a clear non-finite error, not silence', async () => {
  const t = await Trainer.create({ ...base, lr: 1e30, warmupSteps: 0, clipNorm: null });
  try {
    await assert.rejects(
      t.run(),
      (e: unknown) => e instanceof TrainingError && /NON_FINITE/.test(e.code) && /step \d+:/.test(e.message),
    );
  } finally {
    await t.close();
  }
});

test('train: an empty or too small dataset is a clear error', async () => {
  const empty: Dataset = { size: 0, get: async () => ({ inputs: {} }) };
  await assert.rejects(
    Trainer.create({ ...base, data: empty }),
    (e: unknown) => e instanceof TrainingError && e.code === 'EMPTY_DATASET',
  );
  await assert.rejects(
    Trainer.create({ ...base, batchSize: 64 }),
    (e: unknown) => e instanceof TrainingError && e.code === 'DATASET_TOO_SMALL',
  );
});

test('train: binding batches without targets are refused', async () => {
  const t = await Trainer.create({ ...base, data: classDataset(config, ['audio'], 16, 4, 5, false) });
  try {
    await assert.rejects(t.trainStep(), (e: unknown) => e instanceof TrainingError && e.code === 'BATCH_TARGETS');
  } finally {
    await t.close();
  }
});

test('train: a trainable predicate can learn a fixed logit scale, and lrScale 0 holds a weight still', async () => {
  const scaleKey = 'modality_postprocessors.audio.1.log_logit_scale';
  const t = await Trainer.create({
    ...base,
    steps: 5,
    trainable: (init) => init.role !== 'causal_mask',
    lrScale: (n) => (n.startsWith('modality_heads.') ? 0 : 1),
  });
  try {
    assert.ok(t.trainable.includes(scaleKey), 'the audio logit scale is trainable when asked');
    const before = new Map([...t.params].map(([k, v]) => [k, v.data.slice()]));
    await t.run();
    assert.notEqual(t.params.get(scaleKey)!.data[0], before.get(scaleKey)![0]);
    const heads = t.trainable.filter((n) => n.startsWith('modality_heads.'));
    assert.ok(heads.length > 0);
    for (const n of heads) assert.deepEqual(t.params.get(n)!.data, before.get(n), `${n} moved at lr × 0`);
    const trunk = t.trainable.find((n) => n.startsWith('modality_trunks.'))!;
    assert.notDeepEqual(t.params.get(trunk)!.data, before.get(trunk));
  } finally {
    await t.close();
  }
});
