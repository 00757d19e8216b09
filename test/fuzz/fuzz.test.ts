/**
 * Bounded fuzzing in the test suite: every parser of targets.ts gets FUZZ_SECONDS (default 1) of
 * fast-check mutations in a child process, after a replay of the committed corpus of past
 * failures (test/fuzz/corpus/). Each input must decode or throw an ImageBindError within 2 s,
 * and the child's peak RSS must stay under the ceiling: the child runs with the image and audio
 * byte limits at 64 MiB, so the ceiling checks that memory follows the limits. For a longer run:
 * `FUZZ_SECONDS=60 npm test -- fuzz` (add FUZZ_SAVE=1 to write new failures to the corpus).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TargetReport } from './run.ts';

const seconds = Number(process.env.FUZZ_SECONDS ?? 1);
/** Peak RSS ceiling of the fuzzing process, MB: ≈ 130 MB of Node, sharp and tsx, plus a few decoded buffers at the 64 MiB limits. */
const PEAK_RSS_MB = 450;
const MiB64 = String(64 * 1024 * 1024);

test(
  `fuzzing every parser for ${seconds} s each: typed errors only, ≤ 2 s and ≤ ${PEAK_RSS_MB} MB peak`,
  { timeout: (seconds * 13 + 120) * 1000 },
  () => {
    const runner = fileURLToPath(new URL('./run.ts', import.meta.url));
    const args = ['--import', 'tsx', runner, '--seconds', String(seconds)];
    if (process.env.FUZZ_SAVE) args.push('--save');
    const child = spawnSync(process.execPath, args, {
      encoding: 'utf8',
      timeout: (seconds * 13 + 100) * 1000,
      env: { ...process.env, IMAGEBIND_MAX_IMAGE_BYTES: MiB64, IMAGEBIND_MAX_AUDIO_BYTES: MiB64 },
      maxBuffer: 64 * 1024 * 1024,
    });
    process.stderr.write(child.stderr);
    assert.equal(
      child.status,
      0,
      `the fuzzing process failed (${child.signal ?? child.status}): ${child.stderr.slice(-2000)}`,
    );
    const lines = child.stdout.trim().split('\n');
    const { seed, reports } = JSON.parse(lines[lines.length - 1]) as { seed: number; reports: TargetReport[] };
    assert.equal(reports.length, 13);
    for (const r of reports) {
      const detail = r.failures
        .map((f) => `${f.reason}${f.input ? ` [base64 ${f.input.slice(0, 200)}]` : ''}`)
        .join('\n');
      assert.equal(r.failures.length, 0, `${r.target} (seed ${seed}):\n${detail}`);
      assert.ok(r.runs > 0, `${r.target} ran no case`);
      assert.ok(r.worstMs <= 2000, `${r.target}: worst case ${r.worstMs} ms`);
      assert.ok(r.peakRssMb <= PEAK_RSS_MB, `${r.target}: peak RSS ${r.peakRssMb} MB`);
    }
  },
);
