/**
 * Depth and thermal frames are single-channel and usually use a sliver of the range (a 16-bit
 * depth PNG in millimetres looks black), so they are contrast-stretched and false-coloured on a
 * canvas, the way such sensors are usually viewed.
 */
type Stops = [number, number, number][];

const PALETTES: Record<'depth' | 'thermal', Stops> = {
  // Near-to-far, blue to red (turbo-like).
  depth: [
    [48, 18, 59],
    [70, 130, 248],
    [27, 229, 181],
    [164, 252, 60],
    [251, 185, 56],
    [122, 4, 3],
  ],
  // Cold-to-hot (inferno-like).
  thermal: [
    [0, 0, 4],
    [66, 10, 104],
    [147, 38, 103],
    [221, 81, 58],
    [252, 165, 10],
    [252, 255, 164],
  ],
};

function lut(stops: Stops): Uint8ClampedArray {
  const out = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (stops.length - 1);
    const a = Math.min(stops.length - 2, Math.floor(t)),
      f = t - a;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = stops[a][c] + (stops[a + 1][c] - stops[a][c]) * f;
  }
  return out;
}

/** Percentile bounds, so a few outliers (holes in a depth map) do not flatten the rest. */
function bounds(values: Uint8ClampedArray, stride: number): [number, number] {
  const hist = new Uint32Array(256);
  let n = 0;
  for (let i = 0; i < values.length; i += stride) {
    hist[values[i]]++;
    n++;
  }
  let lo = 0,
    hi = 255,
    acc = 0;
  for (let v = 0; v < 256; v++) {
    acc += hist[v];
    if (acc > n * 0.01) {
      lo = v;
      break;
    }
  }
  acc = 0;
  for (let v = 255; v >= 0; v--) {
    acc += hist[v];
    if (acc > n * 0.01) {
      hi = v;
      break;
    }
  }
  return hi > lo ? [lo, hi] : [Math.max(0, lo - 1), lo + 1];
}

export function falseColour(img: HTMLImageElement, kind: 'depth' | 'thermal'): HTMLCanvasElement | null {
  const scale = Math.min(1, 512 / Math.max(img.naturalWidth, img.naturalHeight));
  const w = Math.max(1, Math.round(img.naturalWidth * scale)),
    h = Math.max(1, Math.round(img.naturalHeight * scale));
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return null;
  ctx.drawImage(img, 0, 0, w, h);
  let data: ImageData;
  try {
    data = ctx.getImageData(0, 0, w, h);
  } catch {
    return null; // a cross-origin image taints the canvas: keep the plain picture
  }
  const px = data.data;
  const [lo, hi] = bounds(px, 4);
  const table = lut(PALETTES[kind]);
  for (let i = 0; i < px.length; i += 4) {
    const v = Math.round(Math.min(1, Math.max(0, (px[i] - lo) / (hi - lo))) * 255);
    px[i] = table[v * 3];
    px[i + 1] = table[v * 3 + 1];
    px[i + 2] = table[v * 3 + 2];
  }
  ctx.putImageData(data, 0, 0);
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', img.alt);
  return canvas;
}
