/**
 * The mini decoder's architecture as data (it goes into the decoder manifest): a small diffusion
 * transformer over image patches (dit.ts): adaLN-Zero blocks modulated by the timestep and the
 * condition, the condition also as tokens next to the patches, and U-ViT's long skips (Bao et al.
 * 2023) joining the first and last halves of the blocks.
 */
import { ConfigError } from '../../core/errors.ts';

export interface DitSpec {
  /** Square RGB images of this side, in [-1, 1]. */
  readonly imageSize: number;
  readonly patch: number;
  readonly dim: number;
  /** Transformer blocks; odd, so there is one middle block between the skip halves. */
  readonly depth: number;
  readonly heads: number;
  /** Embedding dimension of the space the decoder is conditioned on (class_labels is 2× this). */
  readonly condDim: number;
  /** Tokens the condition becomes. */
  readonly condTokens: number;
  /** Width of the sinusoidal timestep features. */
  readonly timeFeatures: number;
}

export const PARAM_PREFIX = 'decoder';

export function ditTokens(s: DitSpec): { patches: number; grid: number; total: number } {
  const grid = s.imageSize / s.patch;
  return { patches: grid * grid, grid, total: grid * grid + s.condTokens };
}

export function checkDitSpec(s: DitSpec, where: string): void {
  const ints = ['imageSize', 'patch', 'dim', 'depth', 'heads', 'condDim', 'condTokens', 'timeFeatures'] as const;
  for (const k of ints)
    if (!Number.isInteger(s[k]) || s[k] <= 0)
      throw new ConfigError('DECODER_INVALID', `${where}: ${k} must be a positive integer, got ${String(s[k])}.`);
  if (s.imageSize % s.patch !== 0)
    throw new ConfigError(
      'DECODER_INVALID',
      `${where}: imageSize ${s.imageSize} is not a multiple of patch ${s.patch}.`,
    );
  if (s.dim % s.heads !== 0)
    throw new ConfigError('DECODER_INVALID', `${where}: dim ${s.dim} is not a multiple of heads ${s.heads}.`);
  if (s.depth % 2 !== 1)
    throw new ConfigError(
      'DECODER_INVALID',
      `${where}: depth must be odd (skip halves + a middle block), got ${s.depth}.`,
    );
  if (s.timeFeatures % 2 !== 0)
    throw new ConfigError('DECODER_INVALID', `${where}: timeFeatures must be even, got ${s.timeFeatures}.`);
}
