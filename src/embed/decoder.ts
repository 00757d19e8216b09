/**
 * Finding and opening the image decoder of a model: `<model>/decoder/` unless a directory is
 * given. A decoder is tied to the embedding space it was trained on, so opening one checks the
 * model's space identity (mini) or architecture (Stable unCLIP on ImageBind huge) first.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GenerationError } from '../core/errors.ts';
import { PRESETS } from '../model/config.ts';
import { type DecoderManifest, parseDecoderManifest } from '../model/diffusion/decoder-manifest.ts';
import type { Manifest } from '../model/manifest.ts';
import type { SessionOptions } from '../runtime/backend.ts';
import type { ImageDecoder } from '../runtime/diffusion/image-decoder.ts';
import { MiniDecoder } from '../runtime/diffusion/mini-decoder.ts';
import { StableUnclipDecoder } from '../runtime/diffusion/stable-unclip.ts';

export const OPENCLIP_H_SPACE = 'openclip-vit-h-14';

export async function readDecoderManifest(dir: string): Promise<DecoderManifest> {
  const path = join(dir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new GenerationError(
      'DECODER_MISSING',
      `${dir}: no image decoder here (no manifest.json). The embedded mini model ships one in models/mini/decoder; for a converted ImageBind huge, export Stable unCLIP as src/runtime/diffusion/README.md describes and pass --decoder <dir>.`,
    );
  }
  return parseDecoderManifest(text, path);
}

/** Throws DECODER_WRONG_SPACE unless `decoder` was made for `model`'s embedding space. */
export function checkDecoderSpace(decoder: DecoderManifest, model: Manifest, where: string): void {
  const dim = model.config.out_embed_dim;
  if (decoder.embeddingDim !== dim)
    throw new GenerationError(
      'DECODER_WRONG_SPACE',
      `${where}: the decoder is conditioned on ${decoder.embeddingDim}-d embeddings but model "${model.name}" embeds into ${dim}; use the decoder trained for this model.`,
    );
  if (decoder.kind === 'mini-dit' || decoder.identity) {
    const want = decoder.kind === 'mini-dit' ? decoder.identity : decoder.identity!;
    if (want !== model.identity)
      throw new GenerationError(
        'DECODER_WRONG_SPACE',
        `${where}: the decoder was trained on embedding space ${want.slice(0, 12)}…, but model "${model.name}" is space ${model.identity.slice(0, 12)}…; its vectors would decode to nonsense. Train a decoder for this model (scripts/train-decoder.ts --model <dir>) or use the model it was made for.`,
      );
    return;
  }
  const huge = PRESETS.huge;
  const isHuge = (['vision_embed_dim', 'vision_num_blocks', 'out_embed_dim'] as const).every(
    (k) => model.config[k] === huge[k],
  );
  if (decoder.space !== OPENCLIP_H_SPACE || !isHuge)
    throw new GenerationError(
      'DECODER_WRONG_SPACE',
      `${where}: a Stable unCLIP decoder for space "${decoder.space}" needs a model in that space; model "${model.name}" is not ImageBind huge (whose image space is ${OPENCLIP_H_SPACE}).`,
    );
}

export async function openDecoder(dir: string, model: Manifest, session: SessionOptions = {}): Promise<ImageDecoder> {
  const m = await readDecoderManifest(dir);
  checkDecoderSpace(m, model, dir);
  return m.kind === 'mini-dit' ? MiniDecoder.load(dir, m, session) : StableUnclipDecoder.load(dir, m, session);
}
