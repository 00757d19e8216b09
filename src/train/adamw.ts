/**
 * AdamW (Loshchilov & Hutter; torch.optim.AdamW semantics) over Float32Array parameters, and
 * global-norm gradient clipping. Moments are float32 so a checkpoint restores them bit-exactly.
 */
export interface AdamWOptions {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
}

export interface AdamWState {
  /** Updates applied so far (for bias correction). */
  t: number;
  readonly m: Map<string, Float32Array>;
  readonly v: Map<string, Float32Array>;
}

export function newAdamWState(): AdamWState {
  return { t: 0, m: new Map(), v: new Map() };
}

/** Scales all gradients in place so their joint L2 norm is ≤ maxNorm; returns the norm before. */
export function clipGlobalNorm(grads: ReadonlyMap<string, Float32Array>, maxNorm: number | null): number {
  let sq = 0;
  for (const g of grads.values()) for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
  const norm = Math.sqrt(sq);
  if (maxNorm !== null && norm > maxNorm && Number.isFinite(norm)) {
    const s = maxNorm / (norm + 1e-6);
    for (const g of grads.values()) for (let i = 0; i < g.length; i++) g[i] *= s;
  }
  return norm;
}

/**
 * One update: p ← p − lr·λ·p (decoupled decay, only where `decays(name)`), m ← β₁m + (1−β₁)g,
 * v ← β₂v + (1−β₂)g², p ← p − lr·m̂/(√v̂ + ε) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).
 * `lrScale` multiplies the learning rate per parameter (e.g. a smaller one for a pretrained part).
 */
export function adamwStep(
  params: ReadonlyMap<string, Float32Array>,
  grads: ReadonlyMap<string, Float32Array>,
  state: AdamWState,
  lr: number,
  o: AdamWOptions,
  decays: (name: string) => boolean,
  lrScale?: (name: string) => number,
): void {
  state.t += 1;
  const c1 = 1 - o.beta1 ** state.t;
  const c2 = 1 - o.beta2 ** state.t;
  for (const [name, g] of grads) {
    const p = params.get(name);
    if (!p) throw new Error(`adamw: no parameter ${name}`);
    let m = state.m.get(name),
      v = state.v.get(name);
    if (!m || !v) {
      m = new Float32Array(p.length);
      v = new Float32Array(p.length);
      state.m.set(name, m);
      state.v.set(name, v);
    }
    const plr = lrScale ? lr * lrScale(name) : lr;
    const decay = decays(name) ? plr * o.weightDecay : 0;
    for (let i = 0; i < p.length; i++) {
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * g[i];
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * g[i] * g[i];
      p[i] = p[i] - decay * p[i] - (plr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + o.eps);
    }
  }
}
