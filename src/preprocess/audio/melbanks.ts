/**
 * `torchaudio.compliance.kaldi.get_mel_banks(num_bins, window_length_padded, sample_freq,
 * low_freq, high_freq, ...)` without VTLN. torchaudio evaluates the triangles in float32
 * (int64 `arange` times a Python float gives float32), and which FFT bins land on a filter edge
 * depends on that rounding (bin 3 is empty for 128 bins / 512 points / 20 Hz), so each step is
 * rounded with `Math.fround` in torchaudio's order.
 */
const f = Math.fround;

/** Mel filters as `numBins` rows of `fftSize / 2 + 1` weights (the Nyquist column is 0). */
export function melBanks(
  numBins: number,
  fftSize: number,
  sampleFreq: number,
  lowFreq = 20,
  highFreq = 0,
): Float32Array[] {
  if (numBins <= 3) throw new RangeError(`kaldi mel banks need more than 3 bins, got ${numBins}`);
  const numFftBins = fftSize / 2;
  const nyquist = 0.5 * sampleFreq;
  const high = highFreq <= 0 ? highFreq + nyquist : highFreq;
  if (!(lowFreq >= 0 && lowFreq < high && high <= nyquist)) {
    throw new RangeError(`bad mel frequency range: low ${lowFreq} Hz, high ${high} Hz, nyquist ${nyquist} Hz`);
  }
  const binWidth = sampleFreq / fftSize;
  const melLow = 1127.0 * Math.log(1.0 + lowFreq / 700.0);
  const melHigh = 1127.0 * Math.log(1.0 + high / 700.0);
  const delta32 = f((melHigh - melLow) / (numBins + 1));
  const low32 = f(melLow);
  const fftMel = new Float32Array(numFftBins);
  for (let k = 0; k < numFftBins; k++) {
    const hz = f(f(binWidth) * k);
    fftMel[k] = f(1127 * f(Math.log(f(1 + f(hz / 700)))));
  }
  const rows: Float32Array[] = [];
  for (let b = 0; b < numBins; b++) {
    const left = f(low32 + f(b * delta32));
    const center = f(low32 + f((b + 1) * delta32));
    const right = f(low32 + f((b + 2) * delta32));
    const row = new Float32Array(numFftBins + 1);
    for (let k = 0; k < numFftBins; k++) {
      const up = f(f(fftMel[k] - left) / f(center - left));
      const down = f(f(right - fftMel[k]) / f(right - center));
      row[k] = Math.max(0, Math.min(up, down));
    }
    rows.push(row);
  }
  return rows;
}
