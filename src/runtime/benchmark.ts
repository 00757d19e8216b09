/**
 * Encoder timing on seeded random inputs of the right shape: one warm-up run, then `runs` timed
 * runs. Peak RSS is the process's high-water mark, so run one modality per process to attribute it.
 */
import { Rng } from '../core/random.ts';
import { type Tensor, numel } from '../core/tensor.ts';
import type { Modality } from '../model/config.ts';
import type { ModalityEntry } from '../model/manifest.ts';
import type { Encoder } from './encoder.ts';

export interface BenchResult {
  readonly modality: Modality;
  readonly batch: number;
  readonly runs: number;
  readonly median_ms: number;
  readonly p90_ms: number;
  readonly mean_ms: number;
  readonly min_ms: number;
  readonly items_per_s: number;
  readonly peak_rss_mib: number;
  readonly weight_mib: number;
  readonly load_ms: number;
}

/**
 * A seeded input shaped like what the official loaders produce for `batch` files: still images
 * for vision, 3 clips per file for audio; text gets plausible token ids ending in EOT.
 */
export function randomInput(
  modality: Modality,
  entry: ModalityEntry,
  batch: number,
  seed = 0,
  vocabSize = 49408,
): Tensor {
  const rng = new Rng(seed);
  const item = entry.itemShape;
  const shape =
    modality === 'vision'
      ? [batch, item[0], ...item.slice(2)]
      : modality === 'audio'
        ? [batch, 3, ...item]
        : [batch, ...item];
  if (entry.inputDType === 'int64') return randomTokenIds(rng, batch, item[0], vocabSize, 5);
  return { dtype: 'float32', shape, data: rng.fillNormal(new Float32Array(numel(shape))) };
}

/** [batch, len] ids shaped like tokenizer output: SOT, random tokens, EOT (the largest id), zeros. */
export function randomTokenIds(
  rng: Rng,
  batch: number,
  len: number,
  vocabSize: number,
  minTokens = 1,
): Tensor<'int64'> {
  const ids = new BigInt64Array(batch * len);
  for (let b = 0; b < batch; b++) {
    const n = minTokens + rng.int(len - 1 - minTokens);
    ids[b * len] = BigInt(vocabSize - 2);
    for (let j = 1; j < n; j++) ids[b * len + j] = BigInt(1 + rng.int(vocabSize - 3));
    ids[b * len + n] = BigInt(vocabSize - 1);
  }
  return { dtype: 'int64', shape: [batch, len], data: ids };
}

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos),
    hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export async function benchmarkEncoder(
  encoder: Encoder,
  batch: number,
  runs: number,
  loadMs: number,
  vocabSize?: number,
): Promise<BenchResult> {
  const input = randomInput(encoder.modality, encoder.entry, batch, 1, vocabSize);
  await encoder.encode(input);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await encoder.encode(input);
    times.push(performance.now() - t0);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = quantile(sorted, 0.5);
  return {
    modality: encoder.modality,
    batch,
    runs,
    median_ms: median,
    p90_ms: quantile(sorted, 0.9),
    mean_ms: times.reduce((a, b) => a + b, 0) / runs,
    min_ms: sorted[0],
    items_per_s: (batch * 1000) / median,
    peak_rss_mib: process.resourceUsage().maxRSS / 1024,
    weight_mib: encoder.entry.weightBytes / 2 ** 20,
    load_ms: loadMs,
  };
}
