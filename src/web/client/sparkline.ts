/** IMU recordings (CSV/TSV) drawn as a small multi-channel sparkline. */
import { s } from './dom.ts';

const MAX_POINTS = 160;
const MAX_CHANNELS = 6;
const TIME_COLUMNS = /^(t|time|timestamp|ts|seconds?|ms)$/i;

/** Numeric channels by column, skipping a header row and time-like columns. */
export function parseChannels(text: string): number[][] {
  const lines = text
    .split(/\r?\n/)
    .filter((l) => l.trim())
    .slice(0, 20_000);
  if (lines.length < 2) return [];
  const sep = lines[0].includes('\t') ? '\t' : ',';
  const first = lines[0].split(sep);
  const hasHeader = first.some((c) => c.trim() !== '' && Number.isNaN(Number(c)));
  const rows = (hasHeader ? lines.slice(1) : lines).map((l) => l.split(sep).map(Number));
  const cols: number[][] = [];
  for (let c = 0; c < first.length && cols.length < MAX_CHANNELS; c++) {
    if (hasHeader && TIME_COLUMNS.test(first[c].trim())) continue;
    const col = rows.map((r) => r[c]).filter((x) => Number.isFinite(x));
    if (col.length >= 2) cols.push(col);
  }
  return cols;
}

/** Channels in bands of three (accelerometer xyz, then gyroscope xyz), each scaled to its own range. */
export function sparkline(channels: number[][], label: string): SVGSVGElement {
  const w = 240,
    h = 120,
    pad = 8,
    gap = 8;
  const bands = Math.ceil(channels.length / 3);
  const bandH = (h - 2 * pad - gap * (bands - 1)) / bands;
  const svg = s('svg', {
    class: 'sparkline',
    viewBox: `0 0 ${w} ${h}`,
    preserveAspectRatio: 'none',
    role: 'img',
    'aria-label': label,
  });
  channels.forEach((col, ci) => {
    const top = pad + Math.floor(ci / 3) * (bandH + gap);
    const step = Math.max(1, Math.floor(col.length / MAX_POINTS));
    const pts = col.filter((_, i) => i % step === 0);
    let lo = Infinity,
      hi = -Infinity;
    for (const x of pts) {
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    const span = hi - lo || 1;
    const d = pts
      .map((x, i) => {
        const px = pad + (i / Math.max(1, pts.length - 1)) * (w - 2 * pad);
        const py = top + bandH - ((x - lo) / span) * bandH;
        return `${i === 0 ? 'M' : 'L'}${px.toFixed(1)},${py.toFixed(1)}`;
      })
      .join('');
    svg.append(s('path', { d, class: `spark-line c${ci}`, fill: 'none', 'vector-effect': 'non-scaling-stroke' }));
  });
  return svg;
}
