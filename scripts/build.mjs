#!/usr/bin/env node
// `npm run build`: the package as users install it. tsc compiles src/ (tests and the browser UI's
// sources excluded, see tsconfig.build.json) into dist/ as ESM with .d.ts and source maps, then the
// web UI is bundled once into dist/web/ui/ so an installed server needs no esbuild.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
if (tsc.status !== 0) {
  console.error('build: tsc failed');
  process.exit(1);
}

const { writeWebUi } = await import(join(dist, 'web/bundle.js'));
const ui = await writeWebUi(join(root, 'src/web/client'), join(dist, 'web/ui'));

// Test support must never ship; tsconfig.build.json excludes it, this checks that it did.
const files = [];
const walk = (d) => {
  for (const n of readdirSync(d)) {
    const p = join(d, n);
    if (statSync(p).isDirectory()) walk(p);
    else files.push(relative(root, p));
  }
};
walk(dist);
const leaked = files.filter((f) => /\.test\.|\/testing\.|\/fixtures?\//.test(f));
if (leaked.length > 0) {
  console.error(`build: test files in dist/: ${leaked.join(', ')}`);
  process.exit(1);
}
console.log(`build: ${files.length} files in dist/ (web UI: ${ui.join(' ')})`);
