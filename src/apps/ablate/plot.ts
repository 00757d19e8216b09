/**
 * The study plot: accuracy against the varied setting, one line per series (modality or derived
 * line), mean ± 1 std error bars over seeds with every seed's value as a dot, and the chance level.
 * Written as SVG here and rasterised by sharp (librsvg, DejaVu Sans), so no browser is needed.
 */
import { rename, writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { SummaryRow } from './summary.ts';

export interface PlotSpec {
  readonly title: string;
  /** One or more lines ('\n'). */
  readonly subtitle: string;
  readonly xLabel: string;
  readonly points: readonly string[];
  /** A second line under each point's label (e.g. its parameter count). */
  readonly pointNotes?: readonly string[];
  readonly rows: readonly SummaryRow[];
  /** Chance accuracy (0..1), drawn as a dashed line. */
  readonly chance?: number;
}

const W = 820,
  H = 506,
  LEFT = 64,
  RIGHT = 210,
  TOP = 80,
  BOTTOM = 74;
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf', '#e377c2'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function yMax(rows: readonly SummaryRow[]): number {
  const top = Math.max(0.1, ...rows.map((r) => Math.max(r.max, r.mean + r.std)));
  return Math.min(1, Math.ceil((top + 0.02) * 10) / 10);
}

export function plotSvg(p: PlotSpec): string {
  const series = [...new Set(p.rows.map((r) => r.series))];
  const plotW = W - LEFT - RIGHT,
    plotH = H - TOP - BOTTOM;
  const ymax = yMax(p.rows);
  const x = (i: number): number => LEFT + (p.points.length === 1 ? plotW / 2 : (plotW * (i + 0.5)) / p.points.length);
  const y = (v: number): number => TOP + plotH * (1 - v / ymax);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${LEFT}" y="24" font-size="16" font-weight="bold">${esc(p.title)}</text>`,
    ...p.subtitle
      .split('\n')
      .map((line, i) => `<text x="${LEFT}" y="${44 + 16 * i}" font-size="12" fill="#444">${esc(line)}</text>`),
  ];
  for (let k = 0; k <= ymax * 10 + 1e-9; k++) {
    const v = k / 10;
    out.push(
      `<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e5e5"/>`,
      `<text x="${LEFT - 8}" y="${y(v) + 4}" text-anchor="end">${(v * 100).toFixed(0)}</text>`,
    );
  }
  out.push(
    `<line x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${TOP + plotH}" stroke="#333"/>`,
    `<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${TOP + plotH}" y2="${TOP + plotH}" stroke="#333"/>`,
    `<text transform="translate(18 ${TOP + plotH / 2}) rotate(-90)" text-anchor="middle">top-1 accuracy (%)</text>`,
    `<text x="${LEFT + plotW / 2}" y="${H - 16}" text-anchor="middle">${esc(p.xLabel)}</text>`,
  );
  p.points.forEach((label, i) => {
    out.push(`<text x="${x(i)}" y="${TOP + plotH + 20}" text-anchor="middle">${esc(label)}</text>`);
    const note = p.pointNotes?.[i];
    if (note)
      out.push(`<text x="${x(i)}" y="${TOP + plotH + 35}" text-anchor="middle" fill="#666">${esc(note)}</text>`);
  });
  if (p.chance !== undefined) {
    out.push(
      `<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${y(p.chance)}" y2="${y(p.chance)}" stroke="#888" stroke-dasharray="2 4"/>`,
      `<text x="${LEFT + plotW - 4}" y="${y(p.chance) - 4}" text-anchor="end" fill="#888">chance</text>`,
    );
  }
  series.forEach((s, si) => {
    const colour = COLOURS[si % COLOURS.length];
    const dodge = (si - (series.length - 1) / 2) * 5;
    const dash = s.startsWith('image') ? ' stroke-dasharray="6 3"' : '';
    const width = s.startsWith('mean') ? 3 : 1.8;
    const pts = p.points
      .map((label, i) => ({ i, r: p.rows.find((r) => r.point === label && r.series === s) }))
      .filter((q): q is { i: number; r: SummaryRow } => q.r !== undefined);
    if (pts.length > 1)
      out.push(
        `<polyline fill="none" stroke="${colour}" stroke-width="${width}"${dash} points="${pts.map((q) => `${x(q.i) + dodge},${y(q.r.mean)}`).join(' ')}"/>`,
      );
    for (const { i, r } of pts) {
      const cx = x(i) + dodge;
      if (r.std > 0) {
        const [a, b] = [y(r.mean - r.std), y(r.mean + r.std)];
        out.push(
          `<line x1="${cx}" x2="${cx}" y1="${a}" y2="${b}" stroke="${colour}" stroke-width="1.5"/>`,
          `<line x1="${cx - 4}" x2="${cx + 4}" y1="${a}" y2="${a}" stroke="${colour}" stroke-width="1.5"/>`,
          `<line x1="${cx - 4}" x2="${cx + 4}" y1="${b}" y2="${b}" stroke="${colour}" stroke-width="1.5"/>`,
        );
      }
      for (const v of r.values)
        out.push(`<circle cx="${cx + 7}" cy="${y(v)}" r="1.8" fill="${colour}" fill-opacity="0.5"/>`);
      out.push(`<circle cx="${cx}" cy="${y(r.mean)}" r="3.5" fill="${colour}"/>`);
    }
    const ly = TOP + 10 + si * 20;
    out.push(
      `<line x1="${W - RIGHT + 16}" x2="${W - RIGHT + 40}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="${width}"${dash}/>`,
      `<circle cx="${W - RIGHT + 28}" cy="${ly}" r="3.5" fill="${colour}"/>`,
      `<text x="${W - RIGHT + 48}" y="${ly + 4}">${esc(s)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}

/** Renders the SVG to a PNG at `path` (temp file + rename). */
export async function writePlotPng(svg: string, path: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, await sharp(Buffer.from(svg), { density: 144 }).png().toBuffer());
  await rename(tmp, path);
}
