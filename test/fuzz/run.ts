/**
 * Fuzzes the parsers of targets.ts with fast-check: each case is a seed input with a few
 * mutations (mutate.ts), and it passes when the parser returns or throws an ImageBindError within
 * the time ceiling. First the committed corpus (test/fuzz/corpus/<target>/*, every input that
 * once failed) is replayed. Memory: the process's peak RSS is read after each target (its growth
 * during a target is that target's), and the caller compares it with its ceiling. Runs as its own
 * process (fuzz.test.ts starts it; or by hand):
 *
 *   node --import tsx test/fuzz/run.ts [--seconds 2] [--seed N] [--targets wav,png] [--save]
 *
 * --save writes each new failing input to the corpus. The last stdout line is a JSON report.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { ImageBindError } from '../../src/core/errors.ts';
import { applyMutations, caseArb } from './mutate.ts';
import { TARGETS } from './targets.ts';

/** No single input may take longer than this (the acceptance bound of issue 11). */
export const CASE_MS = 2000;

export interface TargetReport {
  target: string;
  corpus: number;
  runs: number;
  worstMs: number;
  /** Peak RSS of the process when the target finished, MB. */
  peakRssMb: number;
  failures: { reason: string; input: string }[];
}

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const seconds = Number(arg('seconds') ?? process.env.FUZZ_SECONDS ?? 2);
const seed = Number(arg('seed') ?? Date.now() % 2 ** 31);
const only = arg('targets')?.split(',');
const save = process.argv.includes('--save');
const corpusDir = fileURLToPath(new URL('./corpus/', import.meta.url));

/** One input through one parser: undefined when it behaved, else what was wrong. */
async function check(
  run: (b: Uint8Array) => Promise<unknown>,
  input: Uint8Array,
): Promise<{ problem?: string; ms: number }> {
  const t0 = performance.now();
  let problem: string | undefined;
  try {
    await run(input);
  } catch (e) {
    if (!(e instanceof ImageBindError))
      problem = `untyped ${(e as Error)?.name ?? typeof e}: ${(e as Error)?.message ?? String(e)}`;
  }
  const ms = performance.now() - t0;
  if (!problem && ms > CASE_MS) problem = `took ${ms.toFixed(0)} ms (ceiling ${CASE_MS} ms)`;
  return { problem, ms };
}

const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024;

const reports: TargetReport[] = [];
for (const target of TARGETS.filter((t) => !only || only.includes(t.name))) {
  const report: TargetReport = { target: target.name, corpus: 0, runs: 0, worstMs: 0, peakRssMb: 0, failures: [] };
  const record = (problem: string, input: Uint8Array): void => {
    report.failures.push({ reason: problem, input: Buffer.from(input).toString('base64') });
    if (save) {
      const dir = join(corpusDir, target.name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${createHash('sha256').update(input).digest('hex').slice(0, 16)}.bin`), input);
    }
  };
  const dir = join(corpusDir, target.name);
  for (const f of existsSync(dir) ? readdirSync(dir).sort() : []) {
    const input = Uint8Array.from(readFileSync(join(dir, f)));
    const r = await check(target.run, input);
    report.corpus++;
    report.worstMs = Math.max(report.worstMs, r.ms);
    if (r.problem) report.failures.push({ reason: `corpus ${f}: ${r.problem}`, input: '' });
  }
  const seeds = await target.seeds();
  for (const s of seeds) {
    const r = await check(target.run, s);
    if (r.problem) record(`seed: ${r.problem}`, s);
  }
  // The case in flight when the time limit interrupts fast-check still runs to its end: it is
  // awaited below, so a slow last case is measured too.
  let inFlight: Promise<{ problem?: string; ms: number; input: Uint8Array }> | undefined;
  const result = await fc.check(
    fc.asyncProperty(caseArb(seeds.length), async (c) => {
      const input = applyMutations(seeds[c.seed], c.edits);
      inFlight = check(target.run, input).then((r) => ({ ...r, input }));
      const r = await inFlight;
      inFlight = undefined;
      report.runs++;
      report.worstMs = Math.max(report.worstMs, r.ms);
      if (r.problem) throw new Error(r.problem);
    }),
    { seed, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false },
  );
  if (result.failed && result.counterexample) {
    const [c] = result.counterexample;
    record(String((result.errorInstance as Error)?.message), applyMutations(seeds[c.seed], c.edits));
  }
  const last = await inFlight;
  if (last) {
    report.runs++;
    report.worstMs = Math.max(report.worstMs, last.ms);
    if (last.problem) record(last.problem, last.input);
  }
  report.peakRssMb = Math.round(peakRssMb());
  report.worstMs = Math.round(report.worstMs);
  reports.push(report);
  process.stderr.write(
    `fuzz ${target.name}: ${report.corpus} corpus + ${report.runs} runs, worst ${report.worstMs} ms, peak RSS ${report.peakRssMb} MB, ${report.failures.length} failures\n`,
  );
}
process.stdout.write(`${JSON.stringify({ seed, seconds, reports })}\n`);
