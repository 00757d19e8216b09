#!/usr/bin/env node
// Finds *.test.ts files (Node 20's --test has no globbing) and runs them with node's test runner
// under tsx. Pass paths or substrings to run a subset: `npm test -- checkpoint`.
//
// Test files that read the reference fixtures (they import `ref`/`refNpy` from
// test/helpers/shared.ts, directly or through another helper) are skipped with one line each when
// the fixtures are absent, so a fresh clone's `npm test` passes. Under CI (`CI=true`) nothing is
// skipped: shared.ts then fails without the fixtures.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { tsImport } from 'tsx/esm/api';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);
const found = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) found.push(relative(root, p));
  }
}
for (const d of ['src', 'test']) walk(join(root, d));
const selected = found.sort().filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

const sharedModule = resolve(root, 'test/helpers/shared.ts');
const memo = new Map();
/** Whether a source file, or a relative import of it (transitively), takes a fixture path helper from shared.ts. */
function readsFixtures(file, seen = new Set()) {
  if (memo.has(file)) return memo.get(file);
  if (seen.has(file)) return false;
  seen.add(file);
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  let needs = false;
  for (const m of text.matchAll(/import\s+(?:type\s+)?([^;]*?)\s+from\s+'(\.[^']+)'/g)) {
    const target = resolve(dirname(file), m[2]);
    if (target === sharedModule) needs ||= /\b(ref|refNpy)\b/.test(m[1]);
    else if (target.endsWith('.ts')) needs ||= readsFixtures(target, seen);
  }
  memo.set(file, needs);
  return needs;
}

const shared = await tsImport('../test/helpers/shared.ts', import.meta.url);
let files = selected;
if (!shared.findShared()) {
  const skipped = selected.filter((f) => readsFixtures(resolve(root, f)));
  files = selected.filter((f) => !skipped.includes(f));
  if (skipped.length > 0) {
    for (const f of skipped) console.log(`skip ${f}: needs the reference fixtures`);
    console.log(`${skipped.length} test file(s) skipped: ${shared.fixturesHint()}`);
  }
  if (files.length === 0) process.exit(0);
}

const args = ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files];
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
