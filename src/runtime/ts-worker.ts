/**
 * Worker threads that run one of this package's own modules, from the sources (a clone, under tsx)
 * or from the compiled package (`dist/`). Callers name the entry by its source URL
 * (`new URL('./x.ts', import.meta.url)`): compiled, this module is itself a `.js` file, and the
 * worker starts the `.js` sibling directly. From sources, Node 20 ignores `--import tsx` in a
 * worker's execArgv for the worker's own entry module, so the worker starts from a tiny eval'd
 * bootstrap that registers tsx first and then imports the entry.
 */
import { Worker } from 'node:worker_threads';

const compiled = !import.meta.url.endsWith('.ts');

export function startTsWorker(entry: URL): Worker {
  if (compiled) return new Worker(new URL(entry.href.replace(/\.ts$/, '.js')));
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(code, { eval: true });
}
