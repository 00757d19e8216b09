/**
 * Gradient checking: analytic gradients (the backward graph run by onnxruntime) against central
 * finite differences of the forward graph (also onnxruntime), all in float32.
 *
 * Tolerances, and why: the loss is a float32 sum, so a difference quotient carries roundoff of
 * about ulp(L)/eps; with eps ≈ 1e-2·(the tensor's scale) that stays near 1e-5·|L| while the
 * truncation error (eps²·f''') stays below 1e-4 relative. An entry passes when
 * |analytic − numeric| ≤ rtol·max(|analytic|, |numeric|) + atol·max|analytic over the tensor|,
 * rtol = 1e-2 and atol = 1e-3 by default (atol absorbs entries whose gradient is ~0). In
 * directional mode (below) atol is absolute.
 */
import { type Tensor, numel } from '../core/tensor.ts';
import { Rng } from '../core/random.ts';
import { GraphSession } from './graph-session.ts';
import { type Graph, cloneGraph } from '../model/graph.ts';
import { gradName, gradientGraph } from '../model/autodiff/gradient.ts';

/**
 * Relative roundoff of one float32 loss evaluation (a few ulps accumulated through the graph); a
 * difference quotient inherits ROUNDOFF·|L|/eps of absolute noise, which directional checks allow.
 */
const ROUNDOFF = 4e-7;

export interface GradCheckOptions {
  readonly loss: string;
  readonly wrt: readonly string[];
  readonly feeds: Readonly<Record<string, Tensor>>;
  /** Step as a fraction of each tensor's RMS (floored at `minEps`). */
  readonly relEps?: number;
  readonly minEps?: number;
  readonly rtol?: number;
  readonly atol?: number;
  /** Entries checked per tensor (random positions, always including the largest gradient). */
  readonly samples?: number;
  readonly seed?: number;
  /**
   * Check `directions` directional derivatives per tensor instead of single entries:
   * ⟨∇L, d⟩ against (L(w + εd) − L(w − εd)) / 2ε, d = ∇L/rms(∇L) first, then random N(0, 1).
   * Summing over every entry lifts the signal far above float32 roundoff, which matters for deep
   * graphs whose per-weight gradients are tiny; the roundoff bound ROUNDOFF·|L|/ε is added to the
   * tolerance.
   */
  readonly directions?: number;
}

export interface GradCheckEntry {
  readonly name: string;
  readonly index: number;
  readonly analytic: number;
  readonly numeric: number;
}

export interface GradCheckResult {
  readonly entries: readonly GradCheckEntry[];
  readonly failures: readonly GradCheckEntry[];
  /** Largest |a − n| / max(|a|, |n|, atol·max|a|) seen. */
  readonly worstRelError: number;
  /** Directional mode: largest |a − n| / max(|a|, |n|) along the gradient-aligned directions. */
  readonly worstAlignedRelError: number;
}

export async function gradCheck(forward: Graph, o: GradCheckOptions): Promise<GradCheckResult> {
  const rtol = o.rtol ?? 1e-2,
    atol = o.atol ?? 1e-3;
  const back = await GraphSession.create(gradientGraph(forward, { loss: o.loss, wrt: o.wrt }), { threads: 1 });
  const fwdGraph = cloneGraph(forward);
  if (!fwdGraph.outputs.some((x) => x.name === o.loss)) fwdGraph.output({ name: o.loss }, 'float32', []);
  const fwd = await GraphSession.create(fwdGraph, { threads: 1 });
  const rng = new Rng(o.seed ?? 1);
  const entries: GradCheckEntry[] = [];
  const failures: GradCheckEntry[] = [];
  let worst = 0;
  let aligned = 0;
  try {
    const grads = await back.run(o.feeds, o.wrt.map(gradName));
    const lossAt = async (feeds: Readonly<Record<string, Tensor>>) =>
      (await fwd.run(feeds, [o.loss])).get(o.loss)?.data[0] ?? NaN;
    for (const name of o.wrt) {
      const t = o.feeds[name] as Tensor<'float32'>;
      const g = grads.get(gradName(name));
      if (!g || numel(g.shape) !== numel(t.shape))
        throw new Error(`gradCheck: gradient of ${name} has shape [${g?.shape}], expected [${t.shape}]`);
      const rms = Math.sqrt(t.data.reduce((s, x) => s + x * x, 0) / Math.max(t.data.length, 1));
      const eps = Math.max((o.relEps ?? 1e-2) * rms, o.minEps ?? 1e-3);
      if (o.directions) {
        const base = await lossAt(o.feeds);
        const gRms = Math.sqrt(g.data.reduce((acc, x) => acc + x * x, 0) / g.data.length) || 1;
        for (let k = 0; k < o.directions; k++) {
          // The first direction follows the gradient itself (largest signal over roundoff), the
          // others are random.
          const d = k === 0 ? g.data.map((x) => x / gRms) : rng.fillNormal(new Float32Array(t.data.length));
          const at = (sign: number) =>
            lossAt({
              ...o.feeds,
              [name]: { dtype: 'float32', shape: t.shape, data: t.data.map((x, i) => x + sign * eps * d[i]) },
            });
          const numeric = ((await at(1)) - (await at(-1))) / (2 * eps);
          const analytic = g.data.reduce((acc, x, i) => acc + x * d[i], 0);
          const e = { name, index: -1 - k, analytic, numeric };
          entries.push(e);
          const diff = Math.abs(analytic - numeric),
            scale = Math.max(Math.abs(analytic), Math.abs(numeric));
          const roundoff = (ROUNDOFF * Math.abs(base)) / eps;
          worst = Math.max(worst, diff / Math.max(scale, roundoff, 1e-30));
          if (k === 0) aligned = Math.max(aligned, diff / Math.max(scale, 1e-30));
          if (!(diff <= rtol * scale + roundoff + atol)) failures.push(e);
        }
        continue;
      }
      const maxAbs = g.data.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      const picks = new Set<number>([g.data.indexOf(g.data.reduce((m, x) => (Math.abs(x) > Math.abs(m) ? x : m), 0))]);
      const n = Math.min(o.samples ?? 6, t.data.length);
      while (picks.size < n) picks.add(rng.int(t.data.length));
      for (const index of picks) {
        const probe = async (delta: number) => {
          const data = t.data.slice();
          data[index] += delta;
          return lossAt({ ...o.feeds, [name]: { dtype: 'float32', shape: t.shape, data } });
        };
        const step = Math.fround(t.data[index] + eps) - t.data[index];
        const numeric = ((await probe(step)) - (await probe(-step))) / (2 * step);
        const e = { name, index, analytic: g.data[index], numeric };
        entries.push(e);
        const diff = Math.abs(e.analytic - e.numeric);
        const scale = Math.max(Math.abs(e.analytic), Math.abs(e.numeric));
        worst = Math.max(worst, diff / Math.max(scale, atol * maxAbs, 1e-30));
        if (!(diff <= rtol * scale + atol * maxAbs)) failures.push(e);
      }
    }
  } finally {
    await back.release();
    await fwd.release();
  }
  return { entries, failures, worstRelError: worst, worstAlignedRelError: aligned };
}
