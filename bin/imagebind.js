#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so `npx imagebind` works from a fresh clone.
import { register } from 'tsx/esm/api';

register();
// A closed pipe (`imagebind ... | head`) is a normal way for output to end.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
