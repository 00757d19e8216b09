/**
 * Fuzzing the server's bodies (issue 11): a real `imagebind serve` on 127.0.0.1 (embedded mini
 * model) gets mutated and garbage bodies on every route (JSON, multipart, wrong content types,
 * raw bytes; see server-cases.ts). Each case must be answered without a server fault within
 * CASE_MS, with the process alive and /healthz answering; over the run, the server's resident
 * memory may grow by at most 300 MB. The committed corpus (test/fuzz/corpus/server/, requests
 * that once broke the server) is replayed first.
 *
 * `npm test` runs a bounded slice; IMAGEBIND_FUZZ_RUNS=5000 (and IMAGEBIND_FUZZ_SEED) run more.
 * A failure prints the shrunk case in the corpus format: save it as a new corpus file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ImageBind } from '../../src/embed/imagebind.ts';
import { type SpawnedServer, spawnServer } from '../helpers/server.ts';
import { type FuzzCase, MEDIA, corpusCases, fuzzCases, runCase } from './server-cases.ts';

const work = mkdtempSync(join(tmpdir(), 'imagebind-fuzz-'));
const root = join(work, 'root');
const RUNS = Number(process.env.IMAGEBIND_FUZZ_RUNS ?? 400);
const SEED = process.env.IMAGEBIND_FUZZ_SEED === undefined ? undefined : Number(process.env.IMAGEBIND_FUZZ_SEED);
let server: SpawnedServer;
let identity = '';
let dim = 0;

async function rss(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^imagebind_process_resident_bytes (\d+)/m.exec(text)?.[1] ?? NaN);
}

before(async () => {
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'a.png'), MEDIA.image);
  writeFileSync(join(root, 'b.wav'), MEDIA.audio);
  const model = await ImageBind.load();
  identity = model.identity;
  dim = model.manifest.config.out_embed_dim;
  await model.close();
  server = await spawnServer([
    '--db',
    join(work, 'fuzz.db'),
    '--root',
    root,
    '--workers',
    '1',
    '--max-body-mb',
    '4',
    '--request-timeout-ms',
    '8000',
  ]);
  // Something to search, fetch and delete.
  const r = await fetch(`${server.url}/v1/items`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ paths: [root] }),
  });
  assert.equal(r.status, 200);
});

after(async () => {
  assert.equal(await server.stop(), 0, `the server exited badly: ${server.stderr().slice(-2000)}`);
});

test('corpus: every request that once broke the server is answered properly', async () => {
  const cases = corpusCases();
  assert.ok(cases.length > 0, 'the corpus is empty');
  for (const { name, c } of cases) {
    const { response } = await runCase(server, c);
    assert.ok(
      response.status < 500 || response.status === 503 || response.status === 504,
      `${name}: ${response.status}`,
    );
  }
});

test(
  `fuzz: ${RUNS} mutated bodies on every route, no server fault, probes answer, memory bounded`,
  { timeout: 900_000 },
  async () => {
    const rss0 = await rss();
    const statuses = new Map<number, number>();
    let slowest = 0;
    const out = await fc.check(
      fc.asyncProperty(fuzzCases(identity, dim, root), async (c: FuzzCase) => {
        const { response, ms } = await runCase(server, c);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        slowest = Math.max(slowest, ms);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    if (out.failed) {
      process.stdout.write(
        `# corpus candidate (save under test/fuzz/corpus/server/):\n${JSON.stringify(out.counterexample?.[0])}\n`,
      );
      assert.fail(
        `fuzz case failed (seed ${out.seed}, path ${out.counterexample ? out.counterexamplePath : '-'}): ${String(out.errorInstance)}`,
      );
    }
    const grown = (await rss()) - rss0;
    process.stdout.write(
      `# ${RUNS} cases: statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}, slowest ${slowest.toFixed(0)} ms, RSS +${(grown / 2 ** 20).toFixed(0)} MB\n`,
    );
    assert.ok(grown < 300 * 2 ** 20, `server RSS grew ${(grown / 2 ** 20).toFixed(0)} MB`);
  },
);
