import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../core/random.ts';
import { ImageBind } from '../embed/imagebind.ts';
import { modalityArch } from '../model/architecture.ts';
import { batchIndices, tensorDataset } from './data.ts';
import { saveModel } from './export.ts';
import { initParams } from './params.ts';
import { computeTargets, withTargets } from './targets.ts';
import { Trainer } from './trainer.ts';
import { randomInput, tinyConfig } from '../../test/helpers/train-configs.ts';

test('targets: frozen vision embeddings are computed once, cached to .npy, and feed a binding run', async () => {
  const config = tinyConfig();
  const root = mkdtempSync(join(tmpdir(), 'ibts-targets-'));
  await saveModel(await initParams(config, ['vision'], 4), {
    config,
    modalities: ['vision'],
    outDir: join(root, 'frozen'),
  });
  const model = await ImageBind.load(join(root, 'frozen'), { threads: 1 });
  const rng = new Rng(3);
  const clips = randomInput(modalityArch(config, 'vision'), 6, rng);
  const audio = randomInput(modalityArch(config, 'audio'), 6, rng);
  const npy = join(root, 'targets.npy');
  const images = async (idx: readonly number[]) => {
    const per = clips.data.length / 6;
    const data = new Float32Array(idx.length * per);
    idx.forEach((r, i) => data.set((clips.data as Float32Array).subarray(r * per, (r + 1) * per), i * per));
    return { dtype: 'float32' as const, shape: [idx.length, 1, ...clips.shape.slice(1)], data };
  };
  const targets = await computeTargets(model, 6, images, { batchSize: 4, cachePath: npy });
  await model.close();
  assert.deepEqual(targets.shape, [6, config.out_embed_dim]);
  const again = await computeTargets(model, 6, async () => assert.fail('the cache should be used'), { cachePath: npy });
  assert.deepEqual(Array.from(again.data), Array.from(targets.data));

  const data = withTargets(tensorDataset({ audio }), targets);
  const batch = await data.get(batchIndices(6, 3, 0, 0));
  assert.deepEqual(batch.targets?.shape, [3, config.out_embed_dim]);
  const t = await Trainer.create({
    config,
    setup: { kind: 'binding', modality: 'audio' },
    data,
    batchSize: 3,
    steps: 2,
    lr: 1e-3,
    threads: 1,
    progress: false,
  });
  try {
    const r = await t.run();
    assert.equal(r.length, 2);
    assert.ok(r.every((s) => Number.isFinite(s.loss)));
  } finally {
    await t.close();
  }
});

test('joint: text + vision training updates the learnable text logit scale, not the fixed ones', async () => {
  const config = tinyConfig();
  const { classDataset } = await import('../../test/helpers/train-toy.ts');
  const data = classDataset(config, ['text', 'vision'], 8, 4, 3, false);
  const t = await Trainer.create({
    config,
    setup: { kind: 'joint', query: 'text', key: 'vision' },
    data,
    batchSize: 4,
    steps: 3,
    lr: 1e-2,
    threads: 1,
    progress: false,
  });
  try {
    const key = 'modality_postprocessors.text.1.log_logit_scale';
    const before = t.params.get(key)!.data[0];
    await t.run();
    assert.ok(t.trainable.includes(key));
    assert.notEqual(t.params.get(key)!.data[0], before);
    assert.ok(!t.trainable.some((n) => n.endsWith('.mask')));
  } finally {
    await t.close();
  }
});
