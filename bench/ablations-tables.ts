/**
 * Prints the markdown tables of bench/ablations.md from the study results in bench/ablations/*.json
 * (mean ± std over seeds per point and series, the seed values, and each study's compute time).
 *
 *   npx tsx bench/ablations-tables.ts [study ...]
 *   npx tsx bench/ablations-tables.ts --fill bench/ablations.md   (rewrites its <!-- table:study --> blocks)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StudyResult } from '../src/apps/ablate/runner.ts';
import { STUDY_NAMES } from '../src/apps/ablate/studies.ts';

const root = new URL('..', import.meta.url).pathname;
const pct = (v: number): string => (100 * v).toFixed(1);

function table(r: StudyResult): string {
  const series = [...new Set(r.summary.map((s) => s.series))];
  const lines = [
    `| ${r.x_label.split(' (')[0]} | ${series.join(' | ')} |`,
    `|---|${series.map(() => '---:').join('|')}|`,
  ];
  for (const p of r.points) {
    const cells = series.map((s) => {
      const row = r.summary.find((x) => x.point === p.label && x.series === s);
      if (!row) return '–';
      return row.n > 1 ? `${pct(row.mean)} ± ${pct(row.std)}` : pct(row.mean);
    });
    lines.push(`| ${p.label} | ${cells.join(' | ')} |`);
  }
  const train = r.runs.reduce((a, x) => a + (x.reused ? 0 : x.train_seconds), 0);
  const reused = r.runs.filter((x) => x.reused).length;
  const bases = [...new Map(r.points.map((p) => [p.vision.name, p.vision.train_seconds])).values()];
  lines.push(
    '',
    `${r.runs.length} binding runs (${r.seeds} seeds × ${r.points.length} points × ${r.modalities.length} modalities` +
      `${reused > 0 ? `; ${reused} reused from another study with identical settings, not counted here` : ''}), ` +
      `training ${(train / 60).toFixed(0)} min of ${(r.wall_seconds / 60).toFixed(0)} min wall` +
      `${r.complete ? '' : ' (incomplete)'}; stage 1 of the vision encoder${bases.length > 1 ? 's' : ''} used: ` +
      `${(bases.reduce((a, b) => a + b, 0) / 60).toFixed(0)} min${r.study.startsWith('scaling') ? '' : ' (the M encoder of scaling-short, trained once and shared)'}. ` +
      `Machine: ${r.machine.cpu}, ${r.machine.cores} cores, load ${r.machine.load_at_start.map((x) => x.toFixed(1)).join('/')} at the start.`,
  );
  return lines.join('\n');
}

function load(name: string): StudyResult | null {
  const path = join(root, 'bench/ablations', `${name}.json`);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as StudyResult) : null;
}

const args = process.argv.slice(2);
if (args[0] === '--fill') {
  // Rewrites every <!-- table:NAME --> … <!-- /table --> block of the file with NAME's current table.
  const file = join(root, args[1] ?? 'bench/ablations.md');
  const text = readFileSync(file, 'utf8').replace(
    /<!-- table:([\w-]+) -->[\s\S]*?<!-- \/table -->/g,
    (_m, name: string) => {
      const r = load(name);
      return `<!-- table:${name} -->\n${r ? table(r) : '(not run)'}\n<!-- /table -->`;
    },
  );
  writeFileSync(file, text);
} else {
  for (const name of args.length > 0 ? args : STUDY_NAMES) {
    const r = load(name);
    if (r) process.stdout.write(`### ${name}\n\n${table(r)}\n\n`);
  }
}
