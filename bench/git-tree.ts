/** A past commit's files in a temporary folder, with this checkout's node_modules, to benchmark "before". */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export function extractCommit(root: string, rev: string, dest: string): string {
  mkdirSync(dest, { recursive: true });
  execFileSync('sh', ['-c', `git -C "${root}" archive "${rev}" | tar -x -C "${dest}"`]);
  symlinkSync(join(root, 'node_modules'), join(dest, 'node_modules'));
  return dest;
}
