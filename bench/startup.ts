/**
 * CLI start-up and baseline memory, before and after the package build (issue 12), and the tarball.
 * Each command runs as a fresh process under /usr/bin/time (wall time, peak RSS); the variants run
 * interleaved, so machine load falls on all of them alike:
 *   before    commit e5eb25b: bin → tsx loader → TypeScript sources, every command module imported
 *   clone     this tree's bin in a clone: tsx → sources, only the command being run imported
 *   compiled  this tree's bin on dist/ (IMAGEBIND_DIST=1): what an installed package runs
 * Writes bench/startup.md and bench/results/startup.json.
 *   npx tsx bench/startup.ts [--runs 9] [--before e5eb25b]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractCommit } from './git-tree.ts';
import { machineInfo } from './machine.ts';

const args = process.argv.slice(2);
const flag = (n: string, d: string) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1]! : d;
};
const runs = Number(flag('--runs', '9'));
const beforeRev = flag('--before', 'e5eb25b');
const root = new URL('..', import.meta.url).pathname;
const loadAtStart = loadavg()[0]!;
const work = mkdtempSync(join(tmpdir(), 'imagebind-startup-'));

// The "before" tree: that commit's files, with this checkout's node_modules (same lockfile versions of tsx & co).
const before = extractCommit(root, beforeRev, join(work, 'before'));
console.error('building dist/ ...');
execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'ignore' });

interface Variant {
  name: string;
  bin: string;
  env: Record<string, string>;
}
const variants: Variant[] = [
  { name: 'before', bin: join(before, 'bin/imagebind.js'), env: {} },
  { name: 'clone', bin: join(root, 'bin/imagebind.js'), env: { IMAGEBIND_DIST: '0' } },
  { name: 'compiled', bin: join(root, 'bin/imagebind.js'), env: { IMAGEBIND_DIST: '1' } },
];
const out = join(work, 'x.npy');
const commands: { name: string; argv: string[] }[] = [
  { name: '--help', argv: ['--help'] },
  { name: 'embed --text', argv: ['embed', '--text', 'a dog barking', '--output', out] },
];
// Reference points for the baseline: Node alone, and Node with onnxruntime-node loaded.
const references: { name: string; argv: string[] }[] = [
  { name: 'node -e ""', argv: ['-e', ''] },
  {
    name: 'node -e "import(\'onnxruntime-node\')"',
    argv: ['--input-type=module', '-e', "await import('onnxruntime-node')"],
  },
];

function timed(argv: string[], env: Record<string, string>): { ms: number; rssMiB: number } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...argv], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { ms, rssMiB: Number(r.stderr.trim().split('\n').at(-1)) / 1024 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

const samples = new Map<string, { ms: number[]; rss: number[] }>();
const record = (key: string, v: { ms: number; rssMiB: number }) => {
  const s = samples.get(key) ?? { ms: [], rss: [] };
  s.ms.push(v.ms);
  s.rss.push(v.rssMiB);
  samples.set(key, s);
};
for (let i = 0; i < runs + 1; i++) {
  for (const c of commands)
    for (const v of variants) {
      const r = timed([v.bin, ...c.argv], v.env);
      if (i > 0) record(`${v.name}|${c.name}`, r); // the first round warms the page cache
    }
  for (const ref of references) {
    const r = timed(ref.argv, {});
    if (i > 0) record(`ref|${ref.name}`, r);
  }
  console.error(`round ${i + 1}/${runs + 1}`);
}

const rows = commands.flatMap((c) =>
  variants.map((v) => {
    const s = samples.get(`${v.name}|${c.name}`)!;
    return { command: c.name, variant: v.name, median_ms: median(s.ms), peak_rss_mib: median(s.rss) };
  }),
);
const refRows = references.map((r) => {
  const s = samples.get(`ref|${r.name}`)!;
  return { command: r.name, median_ms: median(s.ms), peak_rss_mib: median(s.rss) };
});

// The tarball as `npm pack` makes it (prepack builds dist/ again).
const packJson = execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: root, encoding: 'utf8' });
const pack = (
  JSON.parse(packJson.slice(packJson.search(/^\[/m))) as {
    size: number;
    unpackedSize: number;
    files: { path: string; size: number }[];
  }[]
)[0]!;
const groups: [string, RegExp][] = [
  ['dist/**/*.js', /^dist\/(?!web\/ui\/).*\.js$/],
  ['dist/**/*.d.ts', /^dist\/.*\.d\.ts$/],
  ['dist/**/*.js.map', /^dist\/.*\.js\.map$/],
  ['dist/**/*.json (model configs)', /^dist\/.*\.json$/],
  ['dist/web/ui/ (pre-bundled web UI)', /^dist\/web\/ui\//],
  ['models/mini/ (without upper-bound/)', /^models\/mini\/(?!upper-bound\/)/],
  ['models/mini/upper-bound/', /^models\/mini\/upper-bound\//],
  ['bin/, package.json, README.md, LICENSE', /^(bin\/|package\.json$|README\.md$|LICENSE$)/],
];
const contents = groups.map(([name, re]) => {
  const files = pack.files.filter((f) => re.test(f.path));
  return { group: name, files: files.length, bytes: files.reduce((a, f) => a + f.size, 0) };
});
const grouped = contents.reduce((a, g) => a + g.files, 0);
if (grouped !== pack.files.length) throw new Error(`tarball groups cover ${grouped} of ${pack.files.length} files`);

const machine = machineInfo();
const result = {
  machine,
  runs,
  before: beforeRev,
  rows,
  references: refRows,
  tarball: { size: pack.size, unpacked: pack.unpackedSize, files: pack.files.length, contents },
};
writeFileSync(join(root, 'bench/results/startup.json'), `${JSON.stringify(result, null, 2)}\n`);

const get = (c: string, v: string) => rows.find((r) => r.command === c && r.variant === v)!;
const mib = (b: number) => (b / 2 ** 20).toFixed(2);
const md = [
  '# CLI start-up and baseline memory; the npm tarball',
  '',
  `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, onnxruntime-node ${machine.onnxruntime}; ${machine.date.slice(0, 10)}.`,
  `Other sessions shared the machine (1-minute load average ${loadAtStart.toFixed(1)} on ${machine.cores} cores at the start): compare the variants, which ran interleaved in one run, rather than absolute times.`,
  `Median of ${runs} fresh processes each (after one warm-up round), wall time around the process and peak RSS (\`/usr/bin/time -f %M\`).`,
  'Reproduce: `npx tsx bench/startup.ts`.',
  '',
  `- **before**: commit ${beforeRev}: \`bin/imagebind.js\` registers the tsx loader, then imports every command module (and with them onnxruntime, sharp, SQLite) before parsing.`,
  '- **clone**: this tree from a clone: still tsx (no build step for developers), but only the command being run is imported.',
  '- **compiled**: this tree running `dist/` (`IMAGEBIND_DIST=1`), which is what an installed package runs: no tsx.',
  '',
  '| command | before ms | clone ms | compiled ms | before RSS MiB | clone RSS MiB | compiled RSS MiB |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...commands.map((c) => {
    const [b, l, d] = ['before', 'clone', 'compiled'].map((v) => get(c.name, v));
    return `| \`imagebind ${c.name}\` | ${b!.median_ms.toFixed(0)} | ${l!.median_ms.toFixed(0)} | ${d!.median_ms.toFixed(0)} | ${b!.peak_rss_mib.toFixed(0)} | ${l!.peak_rss_mib.toFixed(0)} | ${d!.peak_rss_mib.toFixed(0)} |`;
  }),
  ...refRows.map(
    (r) => `| \`${r.command}\` (reference) | ${r.median_ms.toFixed(0)} | | | ${r.peak_rss_mib.toFixed(0)} | | |`,
  ),
  '',
  `\`embed --text\` loads the mini model's text encoder (0.9 MiB of weights), so its RSS is the process baseline that every encoder's weights add to.`,
  '',
  '## The tarball',
  '',
  `\`npm pack\`: **${mib(pack.size)} MiB** compressed, ${mib(pack.unpackedSize)} MiB unpacked, **${pack.files.length} files**. No tests, sources, benches or scripts (test/package/consumer.test.ts checks this).`,
  '',
  '| contents | files | MiB |',
  '|---|---:|---:|',
  ...contents.map((g) => `| ${g.group} | ${g.files} | ${mib(g.bytes)} |`),
  '',
  'Source maps carry their sources inline (the TypeScript is not shipped), so stack traces and debuggers show the original code.',
  '`models/mini/upper-bound/` ships because `imagebind eval-emergent` reads it by default for the upper-bound column.',
  '',
];
writeFileSync(join(root, 'bench/startup.md'), md.join('\n'));
rmSync(work, { recursive: true, force: true });
console.log(md.join('\n'));
