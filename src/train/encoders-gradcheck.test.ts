/**
 * End-to-end gradient checks through whole tiny encoders of every modality plus the symmetric
 * InfoNCE loss (directional derivatives on a few weights of each encoder).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/random.ts';
import type { Tensor } from '../core/tensor.ts';
import { modalityArch } from '../model/architecture.ts';
import { MODALITIES, type Modality } from '../model/config.ts';
import { TARGET_INPUT, type TrainSetup, buildLossGraph, inputName, setupModalities } from './graph.ts';
import { initParams } from './params.ts';
import { randomInput, tinyConfig } from '../../test/helpers/train-configs.ts';
import { gradCheck } from './grad-check.ts';

const config = tinyConfig();

async function check(setup: TrainSetup, pick: (names: readonly string[]) => string[]): Promise<number> {
  const mods = setupModalities(setup);
  const params = await initParams(config, mods, 3);
  const f = buildLossGraph(config, setup, {
    frozen: (n) => params.get(n)?.data as Float32Array,
    outDim: config.out_embed_dim,
  });
  const rng = new Rng(11);
  const feeds: Record<string, Tensor> = {};
  for (const m of mods) feeds[inputName(m)] = randomInput(modalityArch(config, m), 4, rng);
  if (setup.kind === 'binding')
    feeds[TARGET_INPUT] = {
      dtype: 'float32',
      shape: [4, config.out_embed_dim],
      data: rng.fillNormal(new Float32Array(4 * config.out_embed_dim)),
    };
  for (const n of f.trainable) {
    const p = params.get(n);
    assert.ok(p, n);
    feeds[n] = { dtype: 'float32', shape: p.shape, data: p.data };
  }
  const wrt = pick(f.trainable);
  const r = await gradCheck(f.graph, {
    loss: f.loss,
    wrt,
    feeds,
    directions: 2,
    relEps: 3e-3,
    minEps: 1e-5,
    rtol: 1e-2,
    atol: 0,
  });
  assert.deepEqual(r.failures, [], `worst relative error ${r.worstRelError.toExponential(2)}`);
  return r.worstAlignedRelError;
}

/** The stem, a first-block attention weight, an MLP weight, the head and one norm or bias. */
function representative(names: readonly string[]): string[] {
  const pats = [
    /(stem\.proj|token_embedding)/,
    /in_proj_weight/,
    /bias_k|cls_token|pos_embed$/,
    /mlp\.fc1\.weight/,
    /norm_1\.weight/,
    /modality_heads\..*weight/,
    /log_logit_scale/,
  ];
  return [...new Set(pats.flatMap((p) => names.filter((n) => p.test(n)).slice(0, 1)))];
}

for (const m of MODALITIES) {
  test(`end-to-end gradient: ${m} encoder + InfoNCE against fixed targets`, async (t) => {
    t.diagnostic(
      `worst relative error along ∇L ${(await check({ kind: 'binding', modality: m }, representative)).toExponential(2)}`,
    );
  });
}

test('end-to-end gradient: joint text + vision (learnable text logit scale)', async (t) => {
  t.diagnostic(
    `worst relative error along ∇L ${(await check({ kind: 'joint', query: 'text' as Modality, key: 'vision' as Modality }, representative)).toExponential(2)}`,
  );
});
