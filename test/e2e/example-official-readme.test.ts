/** examples/official-readme.ts runs on the official example media (read in place) and prints three row-stochastic 3×3 matrices. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ref, repoDir } from '../helpers/shared.ts';
import { tinyModelDir } from '../helpers/tiny-model.ts';

test('the official README example runs end to end', async () => {
  const model = await tinyModelDir(false);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(repoDir, 'examples/official-readme.ts'), '--model', model, '--assets', ref('assets')],
    { encoding: 'utf8', cwd: repoDir },
  );
  assert.equal(r.status, 0, r.stderr);
  for (const label of ['Vision x Text', 'Audio x Text', 'Vision x Audio']) {
    const block = r.stdout.split(`${label}:\n`)[1].split('\n\n')[0];
    const rows = block
      .replace(/[[\]]/g, '')
      .split('\n')
      .map((l) =>
        l
          .split(',')
          .filter((v) => v.trim() !== '')
          .map(Number),
      );
    assert.equal(rows.length, 3, `${label}: ${block}`);
    for (const row of rows) {
      assert.equal(row.length, 3);
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 2e-3, `${label} row sums to 1: ${row}`);
    }
  }
});
