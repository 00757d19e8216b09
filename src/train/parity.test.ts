/**
 * Train/inference parity: after a few steps, the training graph's embeddings for a batch equal
 * what the saved model directory gives through `ImageBind.load(dir).embedTensor`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Float32Tensor } from '../core/tensor.ts';
import { ImageBind } from '../embed/imagebind.ts';
import type { Modality } from '../model/config.ts';
import { batchIndices } from './data.ts';
import type { TrainSetup } from './graph.ts';
import { Trainer } from './trainer.ts';
import { tinyConfig } from '../../test/helpers/train-configs.ts';
import { classDataset } from '../../test/helpers/train-toy.ts';

function maxAbsDiff(a: Float32Tensor, b: Float32Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  return a.data.reduce((m, x, i) => Math.max(m, Math.abs(x - b.data[i])), 0);
}

async function parity(setup: TrainSetup, modalities: Modality[], t: { diagnostic(s: string): void }): Promise<void> {
  const config = tinyConfig();
  const data = classDataset(config, modalities, 8, 4, 9, setup.kind === 'binding');
  const trainer = await Trainer.create({
    config,
    setup,
    data,
    batchSize: 4,
    steps: 3,
    lr: 1e-2,
    seed: 2,
    threads: 1,
    progress: false,
  });
  const dir = join(mkdtempSync(join(tmpdir(), 'ibts-parity-')), 'model');
  try {
    await trainer.run();
    await trainer.saveModel(dir);
    const batch = await data.get(batchIndices(8, 4, 7, 0));
    const train = await trainer.evaluate(batch);
    const model = await ImageBind.load(dir, { threads: 1 });
    try {
      for (const m of modalities) {
        // The engine reads rank-5 vision input as [B, S, 3, H, W]; one clip per item is [B, 1, 3, T, H, W].
        const x = batch.inputs[m]!;
        const input = m === 'vision' ? { ...x, shape: [x.shape[0], 1, ...x.shape.slice(1)] } : x;
        const diff = maxAbsDiff(train.embeddings.get(m)!, await model.embedTensor(m, input));
        t.diagnostic(`${m}: max |train − inference| = ${diff.toExponential(2)}`);
        assert.ok(diff <= 1e-4, `${m}: ${diff}`);
      }
    } finally {
      await model.close();
    }
  } finally {
    await trainer.close();
  }
}

test('parity: a trained binding encoder (audio) saved as a model directory embeds like the training graph', (t) =>
  parity({ kind: 'binding', modality: 'audio' }, ['audio'], t));

test('parity: a jointly trained text + vision pair saved as a model directory embeds like the training graph', (t) =>
  parity({ kind: 'joint', query: 'text', key: 'vision' }, ['text', 'vision'], t));
