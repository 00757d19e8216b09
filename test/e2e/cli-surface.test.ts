/**
 * The CLI's surface as a user meets it: --version, usage errors in the one `error [CODE]: …`
 * format with exit 2, lazily loaded commands (the registry lists every command file, and `--help`
 * loads no native module), the same -k and modality names everywhere, embed's command-line order,
 * index's exit status on failures, and help texts without grammar slips.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { Command } from 'commander';
import sharp from 'sharp';
import { COMMANDS } from '../../src/cli/registry.ts';
import { speed } from '../../src/cli/progress.ts';
import { encodeWav } from '../../src/preprocess/audio/wav-encode.ts';
import { runCli } from '../helpers/cli.ts';
import { repoDir } from '../helpers/shared.ts';

const work = mkdtempSync(join(tmpdir(), 'imagebind-cli-surface-'));
const version = (JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8')) as { version: string }).version;

before(async () => {
  await sharp({ create: { width: 48, height: 32, channels: 3, background: '#3366aa' } })
    .png()
    .toFile(join(work, 'a.png'));
  const samples = Float32Array.from({ length: 16000 }, (_, i) => 0.3 * Math.sin(i / 7));
  writeFileSync(join(work, 'tone.wav'), encodeWav([samples], 16000));
});

test('--version prints the package version', async () => {
  for (const flag of ['--version', '-V']) {
    const r = await runCli([flag]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), version);
  }
});

test('usage errors print one `error [CODE]: …` line and exit 2, like every other error', async () => {
  const cases: [string[], string][] = [
    [['index', '--bogus', 'x'], 'UNKNOWN_OPTION'],
    [['bogus'], 'UNKNOWN_COMMAND'],
    [['embed', '--text', 'x'], 'MISSING_MANDATORY_OPTION_VALUE'],
    [['search', '--text'], 'OPTION_MISSING_ARGUMENT'],
    [['search', '--text', 'x', '-k', 'zero'], 'BAD_ARGUMENT'],
    [['bench', '--modality', 'smell'], 'BAD_ARGUMENT'],
  ];
  for (const [argv, code] of cases) {
    const r = await runCli(argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: exit ${r.code}\n${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${argv.join(' ')} printed:\n${r.stderr}`);
    assert.match(lines[0]!, new RegExp(`^error \\[${code}\\]: .+`), argv.join(' '));
  }
  const help = await runCli(['index', '--bogus']);
  assert.match(help.stderr, /run imagebind index --help for usage/);
});

test('the registry lists every command file, and each registers the command it is listed as', async () => {
  const files = readdirSync(join(repoDir, 'src/cli/commands')).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
  );
  const registry = readFileSync(join(repoDir, 'src/cli/registry.ts'), 'utf8');
  for (const f of files) assert.ok(registry.includes(`'./commands/${f}'`), `commands/${f} is not in cli/registry.ts`);
  assert.equal(COMMANDS.length, files.length);
  for (const entry of COMMANDS) {
    const program = new Command('imagebind');
    (await entry.load()).register(program);
    assert.deepEqual(
      program.commands.map((c) => c.name()),
      [entry.name],
      `${entry.name}: its module registers something else`,
    );
    // -k means "how many" everywhere, spelled the same way.
    const k = program.commands[0]!.options.find((o) => o.attributeName() === 'k' && !o.hidden);
    if (k) assert.equal(k.flags.split(' ')[0], '-k', `${entry.name} spells -k as ${k.flags}`);
  }
});

test(
  '--help loads no native module (onnxruntime, sharp, SQLite): commands load lazily',
  { skip: !existsSync('/proc/self/maps') },
  () => {
    const script = `const { main } = await import(${JSON.stringify(join(repoDir, 'src/cli/main.ts'))});
const out = process.stdout.write.bind(process.stdout);
process.stdout.write = () => true;
await main(['node', 'imagebind', '--help']);
const maps = (await import('node:fs')).readFileSync('/proc/self/maps', 'utf8');
out(JSON.stringify([...new Set(maps.split('\\n').map((l) => l.split(/\\s+/)[5]).filter((p) => p && p.endsWith('.node')))]));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repoDir,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), []);
  },
);

test('embed writes vectors in command-line order, texts and files interleaved', async () => {
  const out = join(work, 'order.json');
  const r = await runCli([
    'embed',
    join(work, 'a.png'),
    '--text',
    'a dog',
    join(work, 'tone.wav'),
    '--text=a bird',
    '--output',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(readFileSync(out, 'utf8')) as { input: string; kind: string; vector: number[] }[];
  assert.deepEqual(
    rows.map((x) => [x.input, x.kind]),
    [
      [join(work, 'a.png'), 'vision'],
      ['a dog', 'text'],
      [join(work, 'tone.wav'), 'audio'],
      ['a bird', 'text'],
    ],
  );
  assert.ok(rows.every((x) => x.vector.length > 0));
  assert.match(r.stderr, /: 4 vectors\n/);
});

test('modality names: image is vision in every command that takes a name', async () => {
  const pre = await runCli(['preprocess', '--modality', 'image', join(work, 'a.png'), '--output', join(work, 'p.npy')]);
  assert.equal(pre.code, 0, pre.stderr);
  assert.match(pre.stderr, /\[1, 3, 224, 224\]/);
  const mapped = await runCli([
    'embed',
    join(work, 'a.png'),
    '--kind-map',
    '.png=image',
    '--output',
    join(work, 'm.json'),
  ]);
  assert.equal(mapped.code, 0, mapped.stderr);
  assert.equal((JSON.parse(readFileSync(join(work, 'm.json'), 'utf8')) as { kind: string }[])[0]!.kind, 'vision');
  const bad = await runCli(['search', '--text', 'x', '--modality', 'image,smells', '--db', join(work, 'none.db')]);
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /^error \[BAD_ARGUMENT\]: --modality: unknown modality "smells"; use one of: vision \(or image\)/,
  );
});

test('index exits 2 when a file failed, after indexing the rest and listing the failure', async () => {
  const media = join(work, 'media');
  spawnSync('mkdir', ['-p', media]);
  writeFileSync(join(media, 'ok.png'), readFileSync(join(work, 'a.png')));
  writeFileSync(join(media, 'broken.png'), 'not a png');
  const r = await runCli(['index', media, '--db', join(work, 'index.db')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stdout, /2 files found, 1 embedded, 0 unchanged, 0 pruned, 1 failed; 1 item in the index/);
  assert.match(r.stdout, /failed: .*broken\.png/);
});

test('help texts: no "(default: [])", no "a image"', async () => {
  for (const cmd of COMMANDS) {
    const r = await runCli([cmd.name, '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /\(default: \[\]\)/, cmd.name);
    assert.doesNotMatch(r.stdout, /\ba [aeiou]/i, cmd.name);
  }
});

test('progress shows no rate or ETA before there is one to show', () => {
  assert.equal(speed(0, 100, 0), 'rate –  ETA –');
  assert.equal(speed(16, 100, 0), 'rate –  ETA –');
  assert.equal(speed(50, 100, 10), '5.0/s  ETA 10s');
});
