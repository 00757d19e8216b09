/** Analytic FLOP counts per item (multiply-add = 2 FLOPs), for GFLOP/s against the MatMul ceiling. */
import type { ModalityArch } from '../src/model/architecture.ts';

export function encoderFlops(arch: ModalityArch): number {
  const L = arch.numTokens,
    D = arch.embedDim;
  const keys = L + (arch.addBiasKV ? 1 : 0);
  const perBlock = 2 * L * 12 * D * D + 2 * 2 * L * keys * D;
  let stem = 0;
  const s = arch.stem;
  if (s.kind === 'video-conv3d') stem = 2 * (L - 1) * D * s.channels * s.kernel[0] * s.kernel[1] * s.kernel[2];
  else if (s.kind === 'conv2d') stem = 2 * (L - 1) * D * s.kernel * s.kernel;
  else if (s.kind === 'imu-linear') stem = 2 * (L - 1) * D * s.channels * s.kernel;
  return stem + arch.numBlocks * perBlock + 2 * D * arch.outDim;
}
