/**
 * Scheduler math against an independent float64 implementation of the published formulas:
 * schedules (latent diffusion's scaled_linear, Nichol & Dhariwal's cosine), timestep spacings
 * (Lin et al. 2023, table 2), DDIM (Song et al. 2021: eq. 12 with η, and its ODE form eq. 14),
 * Euler in σ-space (Karras et al. 2022, alg. 1), DPM-Solver++(2M) (Lu et al. 2022, alg. 2),
 * classifier-free guidance and unCLIP's noise augmentation. For Gaussian data the exact denoiser
 * and the exact probability-flow ODE solution are known, so convergence is checked as well.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type NoiseSchedule, alphasCumprod, inferenceTimesteps, timestepEmbedding } from './schedule.ts';
import { type Prediction, type SamplerConfig, type SamplerKind, applyGuidance, createSampler } from './samplers.ts';
import { augmentEmbeddings } from './noise-aug.ts';

const SD: NoiseSchedule = { trainTimesteps: 1000, betaSchedule: 'scaled_linear', betaStart: 0.00085, betaEnd: 0.012 };
const COS: NoiseSchedule = { trainTimesteps: 1000, betaSchedule: 'squaredcos_cap_v2' };

/** ᾱ by its definition, in float64: Π (1 − β_i). */
function refAbar(s: NoiseSchedule): number[] {
  const T = s.trainTimesteps;
  const out: number[] = [];
  let p = 1;
  for (let i = 0; i < T; i++) {
    let beta: number;
    if (s.betaSchedule === 'scaled_linear') {
      const r0 = Math.sqrt(s.betaStart!),
        r1 = Math.sqrt(s.betaEnd!);
      beta = (r0 + ((r1 - r0) * i) / (T - 1)) ** 2;
    } else {
      const f = (t: number) => Math.cos(((t / T + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
      beta = Math.min(1 - f(i + 1) / f(i), 0.999);
    }
    p *= 1 - beta;
    out.push(p);
  }
  return out;
}

test('schedules: ᾱ is the product of (1 − β); the cosine one telescopes to f(t+1)/f(0)', () => {
  for (const s of [SD, COS]) {
    const got = alphasCumprod(s),
      want = refAbar(s);
    want.forEach((w, i) => assert.ok(Math.abs(got[i] - w) <= 1e-12, `${s.betaSchedule} ᾱ[${i}]: ${got[i]} vs ${w}`));
  }
  const f = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
  const abar = alphasCumprod(COS);
  // Until β reaches its 0.999 cap, Π f(i+1)/f(i) telescopes exactly.
  for (const t of [0, 10, 250, 500, 900, 990]) assert.ok(Math.abs(abar[t] - f((t + 1) / 1000) / f(0)) < 1e-12);
  // Stable Diffusion 2.x's well-known endpoints: ᾱ₀ = 1 − 0.00085, ᾱ₉₉₉ ≈ 0.00466.
  const sd = alphasCumprod(SD);
  assert.ok(Math.abs(sd[0] - 0.99915) < 1e-12 && Math.abs(sd[999] - 0.00466) < 1e-5);
});

test('timestep spacings follow Lin et al. table 2 (and diffusers) exactly', () => {
  assert.deepEqual(
    inferenceTimesteps(1000, 20, 'leading', 1),
    Array.from({ length: 20 }, (_, k) => 951 - 50 * k),
  );
  assert.deepEqual(inferenceTimesteps(1000, 3, 'trailing'), [999, 666, 332]);
  assert.deepEqual(inferenceTimesteps(1000, 4, 'trailing'), [999, 749, 499, 249]);
  // linspace(0, 999, 5) = 0, 249.75, 499.5, 749.25, 999 → numpy's half-to-even round.
  assert.deepEqual(inferenceTimesteps(1000, 5, 'linspace'), [999, 749, 500, 250, 0]);
  assert.throws(() => inferenceTimesteps(1000, 0, 'trailing'), { code: 'STEPS_INVALID' });
  assert.throws(() => inferenceTimesteps(1000, 1001, 'trailing'), { code: 'STEPS_INVALID' });
});

test('timestep embedding: [cos | sin](t·exp(−ln(10⁴)·i/(half − shift))), within float32 rounding', () => {
  const ts = [0, 1, 17.5, 500, 999];
  for (const [flip, shift, dim] of [
    [true, 0, 64],
    [false, 1, 32],
    [true, 0, 7],
  ] as const) {
    const got = timestepEmbedding(ts, dim, { flipSinToCos: flip, downscaleFreqShift: shift });
    const half = Math.floor(dim / 2);
    ts.forEach((t, r) => {
      for (let i = 0; i < half; i++) {
        const arg = t * Math.exp((-Math.log(10000) * i) / (half - shift));
        const [a, b] = flip ? [Math.cos(arg), Math.sin(arg)] : [Math.sin(arg), Math.cos(arg)];
        // float32 arguments: |Δarg| ≤ ulp(999) ≈ 6e-5.
        assert.ok(Math.abs(got[r * dim + i] - a) < 1e-4 && Math.abs(got[r * dim + half + i] - b) < 1e-4);
      }
      if (dim % 2) assert.equal(got[r * dim + dim - 1], 0);
    });
  }
});

// ---- a Gaussian world: data ~ N(μ, s²) per coordinate, so E[x₀ | x_t] is exact ----
const MU = [0.7, -0.4, 0.1, 1.2, -1.5, 0.0];
const SIG = [0.5, 0.2, 1.0, 0.05, 0.3, 0.8];

function exactX0(x: Float64Array | Float32Array, abar: number): Float64Array {
  const a = Math.sqrt(abar),
    s2 = 1 - abar;
  return Float64Array.from(x, (v, k) => (a * SIG[k] ** 2 * v + s2 * MU[k]) / (abar * SIG[k] ** 2 + s2));
}

/** The model's output for the exact denoiser, in each parametrisation. */
function modelOut(x: Float32Array, abar: number, p: Prediction): Float32Array {
  const x0 = exactX0(x, abar);
  const a = Math.sqrt(abar),
    s = Math.sqrt(1 - abar);
  return Float32Array.from(x, (v, k) =>
    p === 'epsilon' ? (v - a * x0[k]) / s : p === 'v_prediction' ? (a * v - x0[k]) / s : x0[k],
  );
}

function start(seed: number): Float32Array {
  let h = seed;
  return Float32Array.from(MU, () => {
    h = (Math.imul(h, 1103515245) + 12345) >>> 0;
    return ((h / 2 ** 32) * 2 - 1) * 1.7;
  });
}

function run(
  kind: SamplerKind,
  c: SamplerConfig,
  steps: number,
  x0: Float32Array,
  eta = 0,
  noise?: (k: number) => number,
) {
  const sampler = createSampler(kind, c, steps, eta);
  const abar = alphasCumprod(c.schedule);
  let x = x0;
  sampler.timesteps.forEach((t, i) => {
    x = sampler.step(modelOut(x, abar[t], c.prediction), i, x, noise);
  });
  return { x, timesteps: sampler.timesteps };
}

/** Reference DDIM (eq. 12): x_prev = √ᾱ_p·x̂₀ + √(1 − ᾱ_p − σ²)·ε̂ + σ·z, σ = η√((1−ᾱ_p)/(1−ᾱ))√(1 − ᾱ/ᾱ_p). */
function refDdim(c: SamplerConfig, ts: number[], x: Float32Array, eta: number, z: (i: number, k: number) => number) {
  const abar = refAbar(c.schedule);
  let cur: Float64Array = Float64Array.from(x);
  ts.forEach((t, i) => {
    const at = abar[t];
    const ap = i + 1 < ts.length ? abar[ts[i + 1]] : c.setAlphaToOne === false ? abar[0] : 1;
    const x0 = exactX0(cur, at);
    const eps = Float64Array.from(cur, (v, k) => (v - Math.sqrt(at) * x0[k]) / Math.sqrt(1 - at));
    const sd = eta * Math.sqrt((1 - ap) / (1 - at)) * Math.sqrt(1 - at / ap);
    cur = Float64Array.from(cur, (_, k) => Math.sqrt(ap) * x0[k] + Math.sqrt(1 - ap - sd * sd) * eps[k] + sd * z(i, k));
  });
  return cur;
}

/** Reference Euler (Karras alg. 1) in σ-space: x_{i+1} = x_i + (σ_{i+1} − σ_i)(x_i − D(x_i))/σ_i, x = x_VP/α. */
function refEuler(c: SamplerConfig, ts: number[], x: Float32Array) {
  const abar = refAbar(c.schedule);
  const sigma = (a: number) => Math.sqrt((1 - a) / a);
  let xs = Float64Array.from(x, (v) => v / Math.sqrt(abar[ts[0]]));
  ts.forEach((t, i) => {
    const ap = i + 1 < ts.length ? abar[ts[i + 1]] : 1;
    const s0 = sigma(abar[t]),
      s1 = ap === 1 ? 0 : sigma(ap);
    const d0 = exactX0(
      Float64Array.from(xs, (v) => v / Math.sqrt(1 + s0 * s0)),
      abar[t],
    );
    xs = Float64Array.from(xs, (v, k) => v + ((s1 - s0) * (v - d0[k])) / s0);
  });
  return xs; // at σ = 0, x = x_VP
}

/** Reference DPM-Solver++(2M), alg. 2 with λ = log(α/σ); the last step to σ = 0 returns x̂₀. */
function refDpm(c: SamplerConfig, ts: number[], x: Float32Array) {
  const abar = refAbar(c.schedule);
  const al = (a: number) => Math.sqrt(a),
    sg = (a: number) => Math.sqrt(1 - a),
    lam = (a: number) => Math.log(al(a) / sg(a));
  let cur: Float64Array = Float64Array.from(x);
  let prev: Float64Array | null = null;
  let hPrev = 0;
  ts.forEach((t, i) => {
    const at = abar[t];
    const ap = i + 1 < ts.length ? abar[ts[i + 1]] : 1;
    const d = exactX0(cur, at);
    if (ap === 1) {
      cur = d;
      return;
    }
    const h = lam(ap) - lam(at);
    // D = (1 + 1/(2r))·x̂₀ᵢ − 1/(2r)·x̂₀ᵢ₋₁ with r = hᵢ₋₁/hᵢ.
    const D = prev === null ? d : Float64Array.from(d, (v, k) => v + (h / (2 * hPrev)) * (v - prev![k]));
    cur = Float64Array.from(cur, (v, k) => (sg(ap) / sg(at)) * v - al(ap) * (Math.exp(-h) - 1) * D[k]);
    prev = d;
    hPrev = h;
  });
  return cur;
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  for (let k = 0; k < a.length; k++)
    assert.ok(Math.abs(a[k] - b[k]) <= tol * Math.max(1, Math.abs(b[k])), `${what}[${k}]: ${a[k]} vs ${b[k]}`);
};

const MINI: SamplerConfig = { schedule: COS, prediction: 'v_prediction', spacing: 'trailing', setAlphaToOne: true };
const SD_CFG: SamplerConfig = {
  schedule: SD,
  prediction: 'v_prediction',
  spacing: 'leading',
  stepsOffset: 1,
  setAlphaToOne: false,
};

for (const prediction of ['epsilon', 'v_prediction', 'sample'] as const) {
  test(`DDIM (${prediction}): the sampler matches eq. 12 in float64, with η = 0 and η = 0.7`, () => {
    for (const cfg of [
      { ...SD_CFG, prediction },
      { ...MINI, schedule: SD, prediction },
    ]) {
      for (const eta of [0, 0.7]) {
        const z = (i: number, k: number) => Math.sin(13 * i + 7 * k);
        let step = 0;
        const x = start(3);
        const sampler = createSampler('ddim', cfg, 12, eta);
        const abar = alphasCumprod(cfg.schedule);
        let cur = x;
        sampler.timesteps.forEach((t, i) => {
          step = i;
          cur = sampler.step(modelOut(cur, abar[t], prediction), i, cur, (k) => z(step, k));
        });
        close(cur, refDdim(cfg, sampler.timesteps.slice(), x, eta, z), 2e-5, `ddim η=${eta}`);
      }
    }
  });
}

test('DDIM with η = 0 is Euler on dx̄ = ε̂ dσ̄ (eq. 14), and the Euler sampler is Karras alg. 1', () => {
  const x = start(5);
  const ddim = run('ddim', { ...MINI, schedule: SD }, 15, x);
  const euler = run('euler', { ...MINI, schedule: SD }, 15, x);
  close(euler.x, refEuler({ ...MINI, schedule: SD }, euler.timesteps.slice(), x), 2e-5, 'euler');
  // Both end at σ = 0 (setAlphaToOne): the same integrator, so the same result.
  close(ddim.x, euler.x, 2e-5, 'ddim vs euler');
});

test('DPM-Solver++(2M) matches Lu et al. algorithm 2 in float64', () => {
  for (const cfg of [MINI, { ...MINI, schedule: SD, prediction: 'epsilon' as const }]) {
    const x = start(9);
    const r = run('dpm-solver++', cfg, 10, x);
    close(r.x, refDpm(cfg, r.timesteps.slice(), x), 2e-5, 'dpm-solver++');
  }
});

test('every sampler converges to the exact probability-flow ODE solution for Gaussian data', () => {
  // For N(μ, s²) data the ODE keeps (x_t − α_t μ)/√(α_t²s² + σ_t²) constant, so from x_T the
  // clean sample is μ + s·(x_T − α_T μ)/√(α_T² s² + σ_T²).
  const x = start(11);
  for (const [kind, steps, tol] of [
    ['ddim', 1000, 2e-3],
    ['euler', 1000, 2e-3],
    ['dpm-solver++', 1000, 2e-3],
  ] as const) {
    const r = run(kind, MINI, steps, x);
    const aT = alphasCumprod(COS)[r.timesteps[0]];
    const want = MU.map((m, k) => m + (SIG[k] * (x[k] - Math.sqrt(aT) * m)) / Math.sqrt(aT * SIG[k] ** 2 + 1 - aT));
    close(r.x, want, tol, kind);
  }
  // On the trailing t-grid the last few λ-steps stay long, so the second-order gain is modest; it still wins at 10 steps.
  const err = (kind: SamplerKind) => {
    const r = run(kind, MINI, 10, x);
    const aT = alphasCumprod(COS)[r.timesteps[0]];
    return Math.max(
      ...MU.map((m, k) =>
        Math.abs(r.x[k] - (m + (SIG[k] * (x[k] - Math.sqrt(aT) * m)) / Math.sqrt(aT * SIG[k] ** 2 + 1 - aT))),
      ),
    );
  };
  assert.ok(err('dpm-solver++') < err('ddim'), `dpm ${err('dpm-solver++')} vs ddim ${err('ddim')}`);
});

test('classifier-free guidance is ε_u + g(ε_c − ε_u); bad settings are typed errors', () => {
  const u = Float32Array.from([1, -2, 0.5]),
    c = Float32Array.from([0.5, 1, 0.25]);
  for (const g of [0, 1, 3, 7.5])
    close(
      applyGuidance(u.slice(), c, g),
      [...u].map((v, k) => v + g * (c[k] - v)),
      1e-6,
      `g=${g}`,
    );
  assert.throws(() => createSampler('heun' as SamplerKind, MINI, 10), { code: 'SAMPLER_INVALID' });
  assert.throws(() => createSampler('ddim', MINI, 0), { code: 'STEPS_INVALID' });
});

test('unCLIP noise augmentation: unscale(√ᾱ_s·scale(e) + √(1−ᾱ_s)·ε) ++ [cos | sin](s)', () => {
  const D = 6;
  const e = Float32Array.from([0.3, -0.2, 0.9, 0.1, -0.5, 0.05]);
  const mean = Float32Array.from([0.1, 0, -0.1, 0.2, 0, 0.05]),
    std = Float32Array.from([0.5, 1, 2, 0.25, 1, 0.1]);
  const noise = [0.3, -1.1, 0.7, 2.0, -0.2, 0.9];
  for (const level of [0, 1, 250, 999]) {
    let i = 0;
    const got = augmentEmbeddings(e, D, level, { schedule: COS, mean, std }, () => noise[i++]);
    const a = refAbar(COS)[level];
    const want = [...e].map(
      (v, k) => (Math.sqrt(a) * ((v - mean[k]) / std[k]) + Math.sqrt(1 - a) * noise[k]) * std[k] + mean[k],
    );
    close(got.subarray(0, D), want, 1e-6, `level ${level}`);
    const half = D / 2;
    for (let k = 0; k < half; k++) {
      const arg = level * Math.exp((-Math.log(10000) * k) / half);
      assert.ok(Math.abs(got[D + k] - Math.cos(arg)) < 1e-4 && Math.abs(got[D + half + k] - Math.sin(arg)) < 1e-4);
    }
  }
  assert.throws(() => augmentEmbeddings(e, D, 1000, { schedule: COS }, () => 0), { code: 'NOISE_LEVEL_INVALID' });
  assert.throws(() => augmentEmbeddings(e, D, -1, { schedule: COS }, () => 0), { code: 'NOISE_LEVEL_INVALID' });
});
