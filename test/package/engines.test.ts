/**
 * `engines` is honest: every production dependency in the lockfile declares support for the
 * oldest Node our package.json accepts, and for the Node running the tests. (cookie@2, pulled in
 * by light-my-request 6.8, declares Node >= 22: package.json's `overrides` pins light-my-request
 * to 6.6, whose cookie@1 declares >= 18.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import semver from 'semver';
import { repoDir } from '../helpers/shared.ts';

interface Entry {
  version?: string;
  dev?: boolean;
  engines?: { node?: string } | string[];
}

test('every production dependency runs on the oldest Node that package.json accepts', () => {
  const pkg = JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8')) as { engines: { node: string } };
  const lock = JSON.parse(readFileSync(join(repoDir, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, Entry>;
  };
  const floor = semver.minVersion(pkg.engines.node)!.version;
  const bad: string[] = [];
  let checked = 0;
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!key || entry.dev) continue;
    const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (!range) continue;
    checked++;
    for (const v of [floor, process.versions.node])
      if (!semver.satisfies(v, range))
        bad.push(`${key.replace(/^.*node_modules\//, '')}@${entry.version} wants node ${range}, not ${v}`);
  }
  assert.ok(checked > 10, `only ${checked} dependencies declare engines: is the lockfile complete?`);
  assert.deepEqual(bad, []);
});
