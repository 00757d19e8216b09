/**
 * The server/store/CLI section of bench/robustness.md, written between its markers so that the
 * other sections of the file (media parsers and checkpoints) are kept as they are.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { MachineInfo } from './machine.ts';
import type { Case, Result } from './robustness-server.ts';

const START = '<!-- server:start -->';
const END = '<!-- server:end -->';

const SKELETON = `# Robustness: hostile inputs before and after issue 11

Every hostile input of issue 11 with its answer, time and peak RSS, before the fixes (commit
434ec93) and after. Acceptance: a correct result or a typed error within 2 s and ≤ 300 MB of
extra RSS, the server up and answering probes.

${START}
${END}

## Media parsers and checkpoints

(Filled from the media branch.)
`;

function cell(r: Result | undefined): string {
  if (!r) return '–';
  const time = r.ms >= 1000 ? `${(r.ms / 1000).toFixed(1)} s` : `${r.ms.toFixed(0)} ms`;
  const rss = r.extraRssMb >= 1 ? `, +${r.extraRssMb.toFixed(0)} MB` : '';
  return `**${r.answer}** ${time}${rss}`;
}

function escape(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** One line on the after column: the slowest server answer, the largest extra RSS, probe failures. */
function summary(cases: Case[]): string {
  const after = cases.map((c) => c.results.after).filter((r): r is Result => r !== undefined);
  const server = after.filter((r) => r.healthz !== '-');
  const failed = server.filter((r) => !r.healthz.startsWith('ok')).length;
  const slowest = Math.max(...server.map((r) => r.ms));
  const rss = Math.max(...after.map((r) => r.extraRssMb));
  return (
    `After: every server case answered within ${(slowest / 1000).toFixed(1)} s with /healthz answering throughout ` +
    `(${failed} probe failures); the largest extra RSS of any case is ${rss.toFixed(0)} MB. The slowest CLI case is ` +
    'the 1,500-file embed, which embeds 1,500 images (real work, not a refusal).'
  );
}

export function writeReport(
  file: string,
  result: { machine: MachineInfo; load: number[]; variants: { name: string; commit: string }[]; cases: Case[] },
): void {
  const [before, after] = result.variants;
  const lines = [
    START,
    '## Server, store and CLI',
    '',
    `Measured by \`bench/robustness-server.ts\` on ${result.machine.cpu} (${result.machine.cores} cores, ${result.machine.memory_gib} GiB),`,
    `Node ${result.machine.node}, ${result.machine.date.slice(0, 10)}; before = ${before.commit}, after = ${after.commit}.`,
    `Other sessions shared the 2 cores (1-minute load average ${result.load.map((l) => l.toFixed(1)).join(' → ')} at the start,`,
    'between the variants and at the end), so times are upper bounds; RSS is the',
    'process\'s peak above its level before the case (for CLI runs: above `embed --text "a dog"`).',
    'Cells: answer (HTTP status or exit), time, extra RSS. /healthz is probed every 50 ms during each server case.',
    '',
    summary(result.cases),
    '',
    '| item | input | before | after | /healthz after | after: what it says |',
    '|---|---|---|---|---|---|',
    ...result.cases.map(
      (c) =>
        `| ${c.item} | ${escape(c.name)} | ${cell(c.results.before)}${c.results.before?.note ? `<br>${escape(c.results.before.note.slice(0, 110))}` : ''} | ${cell(c.results.after)} | ${escape(c.results.after?.healthz ?? '–')} | ${escape((c.results.after?.note ?? '').slice(0, 160))} |`,
    ),
    '',
    END,
  ];
  const current = existsSync(file) ? readFileSync(file, 'utf8') : SKELETON;
  const base = current.includes(START) && current.includes(END) ? current : SKELETON;
  const out = base.slice(0, base.indexOf(START)) + lines.join('\n') + base.slice(base.indexOf(END) + END.length);
  writeFileSync(file, out);
}
