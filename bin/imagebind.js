#!/usr/bin/env node
// The `imagebind` command. An installed package runs the compiled CLI (dist/). A clone of the
// repository (src/ beside this file, and tsx from the dev dependencies) runs the TypeScript sources
// through tsx instead, so `npm ci && npx imagebind …` needs no build step and an edit is never
// shadowed by a stale dist/. IMAGEBIND_DIST=1 runs dist/ in a clone too (after `npm run build`).
import { existsSync } from 'node:fs';

// A closed pipe (`imagebind ... | head`) is a normal way for output to end.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

async function loadMain() {
  const fromSources = existsSync(new URL('../src/cli/main.ts', import.meta.url)) && process.env.IMAGEBIND_DIST !== '1';
  if (fromSources) {
    const tsx = await import('tsx/esm/api').catch(() => null);
    if (tsx) {
      tsx.register();
      return import('../src/cli/main.ts');
    }
  }
  if (!existsSync(new URL('../dist/cli/main.js', import.meta.url))) {
    process.stderr.write(
      'error [NOT_BUILT]: this clone has neither tsx (a dev dependency) nor a build in dist/; run `npm ci` (or `npm run build`)\n',
    );
    process.exit(2);
  }
  return import('../dist/cli/main.js');
}

const { main } = await loadMain();
process.exitCode = await main(process.argv);
