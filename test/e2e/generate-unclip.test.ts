/**
 * The Stable unCLIP pipeline end to end on a random-weight miniature with SD 2.1 unCLIP's
 * interfaces: loaded as a model's decoder, driven by model.generate, and checked pixel by pixel
 * against a float64 recomputation of the published pipeline (noise augmentation, DDIM with
 * leading spacing, guidance, VAE scaling).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/random.ts';
import { writeNpy } from '../../src/core/npy.ts';
import { ImageBind } from '../../src/embed/imagebind.ts';
import { type MiniatureShape, miniatureForward, writeUnclipMiniature } from '../helpers/unclip-miniature.ts';

const MINI = join(import.meta.dirname, '../../models/mini');

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'imagebind-unclip-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function unitVector(dim: number, seed: number): Float32Array {
  const v = new Rng(seed).fillNormal(new Float32Array(dim));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

for (const timestep of ['float32', 'int64'] as const) {
  test(`Stable unCLIP miniature (timestep ${timestep}): model.generate equals the float64 pipeline, pixel for pixel`, async () => {
    await withDir(async (dir) => {
      const probe = await ImageBind.load(MINI);
      const tok = await probe.tokenizer();
      const s: MiniatureShape = { channels: 4, side: 6, embeddingDim: 64, hidden: 16, vocab: tok.vocabSize, timestep };
      const { weights } = await writeUnclipMiniature(dir, s, { identity: probe.identity });
      await probe.close();
      const model = await ImageBind.load(MINI, { decoder: dir });
      try {
        const cond = unitVector(64, 3);
        for (const [prompt, noiseLevel, guidance] of [
          ['', 0, 10],
          ['a red ball', 250, 3.5],
        ] as const) {
          const images = await model.generate(cond, {
            seed: 11,
            count: 2,
            steps: 6,
            guidance,
            noiseLevel,
            sampler: 'ddim',
            prompt,
          });
          assert.equal(images.length, 2);
          const ids = (p: string) => Array.from(tok.tokenize([p]).data, Number);
          images.forEach((img, k) => {
            assert.equal(img.width, 48);
            assert.equal(img.height, 48);
            const rng = new Rng(11 + k);
            const want = miniatureForward(s, weights, {
              cond,
              promptIds: ids(prompt),
              emptyIds: ids(''),
              noiseLevel,
              steps: 6,
              guidance,
              noise: () => rng.normal(),
            });
            let worst = 0;
            for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - img.data[i]));
            assert.ok(worst <= 1, `image ${k} (prompt "${prompt}"): worst pixel difference ${worst}`);
            assert.ok(
              new Set(want).size > 20,
              `the miniature makes a non-trivial image (${new Set(want).size} distinct values: ${[...want.slice(0, 12)]})`,
            );
          });
          assert.notDeepEqual(images[0].data, images[1].data, 'different seeds give different images');
        }
      } finally {
        await model.close();
      }
    });
  });
}

test('Stable unCLIP: interface, space and prompt problems are typed errors', async () => {
  await withDir(async (dir) => {
    const probe = await ImageBind.load(MINI);
    const vocab = (await probe.tokenizer()).vocabSize;
    const identity = probe.identity;
    await probe.close();
    const s: MiniatureShape = { channels: 4, side: 4, embeddingDim: 64, hidden: 8, vocab, timestep: 'float32' };
    const cond = unitVector(64, 1);
    const attempt = async (decoder: string) => {
      const m = await ImageBind.load(MINI, { decoder });
      try {
        return await m.generate(cond, { steps: 2, prompt: 'x' });
      } finally {
        await m.close();
      }
    };

    // A Stable unCLIP for ImageBind huge's space (OpenCLIP ViT-H/14) refuses the mini model.
    await writeUnclipMiniature(join(dir, 'h'), s);
    await assert.rejects(attempt(join(dir, 'h')), { code: 'DECODER_WRONG_SPACE', message: /not ImageBind huge/ });

    // A UNet exported without class_labels is named, with what the graph does have.
    await writeUnclipMiniature(join(dir, 'bad'), s, { identity, unet: 'vae_decoder/model.onnx' });
    await assert.rejects(attempt(join(dir, 'bad')), { code: 'DECODER_INTERFACE', message: /class_labels/ });

    // Without a text encoder only the empty prompt works (from its stored embeddings).
    const { manifest } = await writeUnclipMiniature(join(dir, 'notext'), s, { identity });
    const { textEncoder: _t, ...rest } = manifest;
    await writeNpy(join(dir, 'notext', 'empty.npy'), {
      dtype: 'float32',
      shape: [1, 77, 8],
      data: new Float32Array(77 * 8),
    });
    await writeFile(join(dir, 'notext', 'manifest.json'), JSON.stringify({ ...rest, emptyPromptEmbeds: 'empty.npy' }));
    await assert.rejects(attempt(join(dir, 'notext')), { code: 'PROMPT_UNSUPPORTED' });
    const m = await ImageBind.load(MINI, { decoder: join(dir, 'notext') });
    try {
      const [img] = await m.generate(cond, { steps: 2 });
      assert.equal(img.width, 32);
    } finally {
      await m.close();
    }

    // A manifest with neither is refused when read.
    await writeFile(join(dir, 'notext', 'manifest.json'), JSON.stringify(rest));
    await assert.rejects(attempt(join(dir, 'notext')), { code: 'DECODER_INVALID', message: /emptyPromptEmbeds/ });
    assert.ok((await readFile(join(dir, 'h', 'manifest.json'), 'utf8')).includes('openclip-vit-h-14'));
  });
});
