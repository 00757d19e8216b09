/**
 * The layering rule from DESIGN.md, checked on every shipped source file: a layer imports only from
 * layers below it (the shells cli/server/web/queue may use each other's neighbours but nothing
 * above them), and no shipped file imports test support.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';
import { repoDir } from './helpers/shared.ts';

const RANK: Record<string, number> = {
  core: 0,
  checkpoint: 1,
  preprocess: 1,
  store: 1,
  model: 2,
  runtime: 3,
  train: 4,
  embed: 5,
  synth: 6,
  apps: 7,
  cli: 8,
  server: 8,
  web: 8,
  queue: 8,
  'index.ts': 9,
};
const SHELLS = new Set(['cli', 'server', 'web', 'queue']);

function shippedSources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) shippedSources(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

test('layers import downward only, and shipped sources never import test support', () => {
  const src = join(repoDir, 'src');
  const violations: string[] = [];
  for (const file of shippedSources(src)) {
    const layer = relative(src, file).split('/')[0]!;
    assert.ok(layer in RANK, `${relative(repoDir, file)}: top-level folder "${layer}" has no place in the layer order`);
    for (const m of readFileSync(file, 'utf8').matchAll(/from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g)) {
      const target = relative(src, normalize(join(dirname(file), m[1] ?? m[2]!)));
      const where = `${relative(repoDir, file)} imports ${m[1] ?? m[2]}`;
      if (target.startsWith('..')) {
        violations.push(`${where}: outside src/`);
        continue;
      }
      const to = target.split('/')[0]!;
      const upward = RANK[to]! > RANK[layer]!;
      const sideways = RANK[to] === RANK[layer] && to !== layer && !SHELLS.has(layer);
      if (upward || sideways) violations.push(`${where}: ${layer} may not depend on ${to}`);
    }
  }
  assert.deepEqual(violations, []);
});
