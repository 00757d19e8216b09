/**
 * `torchaudio.compliance.kaldi.fbank` for the arguments `imagebind/data.py: waveform2melspec`
 * passes (htk_compat, use_energy=False, window_type="hanning", dither=0) and kaldi's defaults
 * for the rest: snip_edges, per-frame DC removal, pre-emphasis 0.97, power spectrum of a
 * zero-padded power-of-two FFT, log(max(mel, float32 eps)).
 *
 * Time-domain steps are rounded to float32 as torch does them; the FFT and the mel dot product
 * run in float64 (see fft.ts), then are rounded once.
 */
import { powerSpectrum, type PowerSpectrum } from './fft.ts';
import { melBanks } from './melbanks.ts';

export interface FbankOptions {
  sampleFrequency?: number;
  numMelBins?: number;
  /** Milliseconds. */
  frameLength?: number;
  /** Milliseconds. */
  frameShift?: number;
  preemphasis?: number;
  lowFreq?: number;
  highFreq?: number;
}

/** A computed filterbank: `frames x numMelBins`, row-major. */
export interface Fbank {
  readonly frames: number;
  readonly bins: number;
  readonly data: Float32Array;
}

const f = Math.fround;
const EPS32 = 1.1920928955078125e-7;

interface Setup {
  windowSize: number;
  windowShift: number;
  window: Float32Array;
  fft: PowerSpectrum;
  mel: Float32Array[];
  pre32: number;
}
const setups = new Map<string, Setup>();

function setupFor(o: Required<FbankOptions>): Setup {
  const key = JSON.stringify(o);
  let s = setups.get(key);
  if (s) return s;
  const windowSize = Math.trunc(o.sampleFrequency * o.frameLength * 0.001);
  const windowShift = Math.trunc(o.sampleFrequency * o.frameShift * 0.001);
  let padded = 1;
  while (padded < windowSize) padded *= 2;
  // torch.hann_window(N, periodic=False): arange(N) * (2pi/(N-1)), cos, * -0.5, + 0.5, in float32.
  const window = new Float32Array(windowSize);
  const step = f((2 * Math.PI) / (windowSize - 1));
  for (let n = 0; n < windowSize; n++) window[n] = f(f(-0.5 * f(Math.cos(f(n * step)))) + 0.5);
  s = {
    windowSize,
    windowShift,
    window,
    fft: powerSpectrum(padded),
    mel: melBanks(o.numMelBins, padded, o.sampleFrequency, o.lowFreq, o.highFreq),
    pre32: f(o.preemphasis),
  };
  if (setups.size > 8) setups.clear();
  setups.set(key, s);
  return s;
}

export function resolveFbankOptions(opts: FbankOptions = {}): Required<FbankOptions> {
  return {
    sampleFrequency: opts.sampleFrequency ?? 16000,
    numMelBins: opts.numMelBins ?? 128,
    frameLength: opts.frameLength ?? 25,
    frameShift: opts.frameShift ?? 10,
    preemphasis: opts.preemphasis ?? 0.97,
    lowFreq: opts.lowFreq ?? 20,
    highFreq: opts.highFreq ?? 0,
  };
}

/** Samples needed for one frame (400 at 16 kHz / 25 ms). */
export function fbankWindowSize(opts: FbankOptions = {}): number {
  const o = resolveFbankOptions(opts);
  return Math.trunc(o.sampleFrequency * o.frameLength * 0.001);
}

/** Log-mel filterbank of one channel; zero frames when the signal is shorter than one window. */
export function fbank(signal: Float32Array, opts: FbankOptions = {}): Fbank {
  const o = resolveFbankOptions(opts);
  const { windowSize, windowShift, window, fft, mel, pre32 } = setupFor(o);
  const frames = signal.length < windowSize ? 0 : 1 + Math.floor((signal.length - windowSize) / windowShift);
  const bins = mel.length;
  const out = new Float32Array(frames * bins);
  const raw = new Float32Array(windowSize);
  const frame = new Float64Array(fft.size);
  const power = new Float64Array(fft.size / 2 + 1);
  for (let t = 0; t < frames; t++) {
    const base = t * windowShift;
    let sum = 0;
    for (let j = 0; j < windowSize; j++) {
      raw[j] = signal[base + j];
      sum += raw[j];
    }
    const mean = f(f(sum) / windowSize);
    for (let j = 0; j < windowSize; j++) raw[j] = f(raw[j] - mean);
    // Pre-emphasis with kaldi's replicate padding: x[j] - c * x[max(0, j - 1)].
    for (let j = windowSize - 1; j >= 0; j--) {
      const prev = raw[j > 0 ? j - 1 : 0];
      frame[j] = f(f(raw[j] - f(pre32 * prev)) * window[j]);
    }
    frame.fill(0, windowSize);
    fft.power(frame, power);
    for (let b = 0; b < bins; b++) {
      const w = mel[b];
      let acc = 0;
      for (let k = 0; k < power.length; k++) if (w[k] !== 0) acc += f(power[k]) * w[k];
      out[t * bins + b] = f(Math.log(Math.max(f(acc), EPS32)));
    }
  }
  return { frames, bins, data: out };
}
