/** `imagebind bench` CLI contract: seeded inputs of the right shape for every modality, JSON with median/p90/peak RSS. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.ts';

for (const m of ['vision', 'text', 'audio', 'depth', 'thermal', 'imu']) {
  test(`bench --json on the embedded model: ${m}`, async () => {
    const r = await runCli(['bench', '--modality', m, '--batch', '2', '--runs', '2', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, number>;
    for (const k of ['median_ms', 'p90_ms', 'peak_rss_mib'])
      assert.ok(Number.isFinite(out[k]) && out[k] > 0, `${k}: ${out[k]}`);
    assert.equal(out.batch, 2);
  });
}
