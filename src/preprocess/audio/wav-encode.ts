/**
 * WAV encoder (the inverse of wav.ts): PCM 8/16/24/32-bit or IEEE float 32/64, plain or
 * WAVE_FORMAT_EXTENSIBLE, RIFF or RIFX, with optional extra chunks before `data`. Used to write
 * synthetic audio and to exercise the decoder on every layout it claims to read.
 */

export interface WavEncodeOptions {
  format?: 'pcm' | 'float';
  /** 8, 16, 24 or 32 for PCM; 32 or 64 for float. Default 16 / 32. */
  bits?: number;
  extensible?: boolean;
  bigEndian?: boolean;
  /** Chunks written between `fmt ` and `data` (odd sizes get the RIFF pad byte). */
  extraChunks?: { id: string; body: Uint8Array }[];
}

function chunk(id: string, body: Uint8Array, le: boolean): Uint8Array {
  const out = new Uint8Array(8 + body.length + (body.length & 1));
  for (let i = 0; i < 4; i++) out[i] = id.charCodeAt(i);
  new DataView(out.buffer).setUint32(4, body.length, le);
  out.set(body, 8);
  return out;
}

/** Encodes `channels` (equal lengths, values in [-1, 1) for PCM) at `sampleRate`. */
export function encodeWav(
  channels: readonly Float32Array[],
  sampleRate: number,
  opts: WavEncodeOptions = {},
): Uint8Array {
  const format = opts.format ?? 'pcm';
  const bits = opts.bits ?? (format === 'pcm' ? 16 : 32);
  const le = !opts.bigEndian;
  const width = bits / 8;
  const nch = channels.length;
  const frames = nch ? channels[0].length : 0;
  const tag = format === 'pcm' ? 1 : 3;

  const fmt = new Uint8Array(opts.extensible ? 40 : 16);
  const fv = new DataView(fmt.buffer);
  fv.setUint16(0, opts.extensible ? 0xfffe : tag, le);
  fv.setUint16(2, nch, le);
  fv.setUint32(4, sampleRate, le);
  fv.setUint32(8, sampleRate * nch * width, le);
  fv.setUint16(12, nch * width, le);
  fv.setUint16(14, bits, le);
  if (opts.extensible) {
    fv.setUint16(16, 22, le);
    fv.setUint16(18, bits, le);
    fv.setUint32(20, 0, le);
    // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: {0000000X-0000-0010-8000-00AA00389B71}
    fv.setUint16(24, tag, le);
    fmt.set([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 26);
  }

  const data = new Uint8Array(frames * nch * width);
  const dv = new DataView(data.buffer);
  const full = 2 ** (bits - 1);
  for (let i = 0, p = 0; i < frames; i++) {
    for (let c = 0; c < nch; c++, p += width) {
      const x = channels[c][i];
      if (format === 'float') {
        if (bits === 64) dv.setFloat64(p, x, le);
        else dv.setFloat32(p, x, le);
        continue;
      }
      const q = Math.max(-full, Math.min(full - 1, Math.round(x * full)));
      if (bits === 8) dv.setUint8(p, q + 128);
      else if (bits === 16) dv.setInt16(p, q, le);
      else if (bits === 32) dv.setInt32(p, q, le);
      else {
        const u = q & 0xffffff;
        const b = le ? [u & 0xff, (u >> 8) & 0xff, u >> 16] : [u >> 16, (u >> 8) & 0xff, u & 0xff];
        data.set(b, p);
      }
    }
  }

  const parts = [
    chunk('fmt ', fmt, le),
    ...(opts.extraChunks ?? []).map((c) => chunk(c.id, c.body, le)),
    chunk('data', data, le),
  ];
  const size = parts.reduce((n, p) => n + p.length, 4);
  const out = new Uint8Array(8 + size);
  out.set(new TextEncoder().encode(le ? 'RIFF' : 'RIFX'), 0);
  new DataView(out.buffer).setUint32(4, size, le);
  out.set(new TextEncoder().encode('WAVE'), 8);
  let at = 12;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
