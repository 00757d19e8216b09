/**
 * Worker threads that run this package's TypeScript sources. Node 20 ignores `--import tsx` in a
 * worker's execArgv for the worker's own entry module, so each worker starts from a tiny eval'd
 * bootstrap that registers tsx first and then imports the entry.
 */
import { Worker } from 'node:worker_threads';

export function startTsWorker(entry: URL): Worker {
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(code, { eval: true });
}
