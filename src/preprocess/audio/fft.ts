/**
 * Power spectrum of a real frame via an iterative radix-2 complex FFT in float64. Float64 is a
 * deliberate choice: torch's float32 FFT rounding cannot be reproduced bit for bit anyway, and
 * the closer-to-exact spectrum keeps the differences to the fixtures at their noise floor.
 */

export interface PowerSpectrum {
  readonly size: number;
  /** Writes |rfft(frame)|^2 (size/2 + 1 bins) into `out`; `frame` holds `size` samples. */
  power(frame: Float64Array, out: Float64Array): void;
}

export function powerSpectrum(size: number): PowerSpectrum {
  if (size < 2 || (size & (size - 1)) !== 0) throw new RangeError(`FFT size must be a power of two >= 2, got ${size}`);
  const bits = Math.log2(size);
  const rev = new Uint32Array(size);
  for (let i = 0; i < size; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    rev[i] = r;
  }
  const cos = new Float64Array(size / 2);
  const sin = new Float64Array(size / 2);
  for (let i = 0; i < size / 2; i++) {
    cos[i] = Math.cos((2 * Math.PI * i) / size);
    sin[i] = -Math.sin((2 * Math.PI * i) / size);
  }
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  return {
    size,
    power(frame, out) {
      for (let i = 0; i < size; i++) {
        re[rev[i]] = frame[i];
        im[i] = 0;
      }
      for (let len = 2; len <= size; len <<= 1) {
        const half = len >> 1;
        const stride = size / len;
        for (let s = 0; s < size; s += len) {
          for (let j = 0; j < half; j++) {
            const wr = cos[j * stride];
            const wi = sin[j * stride];
            const a = s + j;
            const b = a + half;
            const xr = re[b] * wr - im[b] * wi;
            const xi = re[b] * wi + im[b] * wr;
            re[b] = re[a] - xr;
            im[b] = im[a] - xi;
            re[a] += xr;
            im[a] += xi;
          }
        }
      }
      for (let k = 0; k <= size / 2; k++) out[k] = re[k] * re[k] + im[k] * im[k];
    },
  };
}
