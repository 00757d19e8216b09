/**
 * `imagebind generate` and `imagebind eval-generation` on the embedded mini model and its decoder:
 * byte-identical PNGs per seed, different images for different seeds, composition flags, and a
 * clear typed error (exit 2) for each kind of bad input.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng } from '../../src/preprocess/image/png-decode.ts';
import { World } from '../../src/synth/world/world.ts';
import { writeSampleFiles, baseName, FILE_SUFFIX } from '../../src/synth/world/files.ts';
import { runCli } from '../helpers/cli.ts';
import { repoDir } from '../helpers/shared.ts';

let work: string;
let files: Record<'image' | 'audio' | 'depth' | 'thermal' | 'imu', string>;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'imagebind-generate-'));
  const world = new World(4242);
  const sample = world.sample(world.split('test').index(3));
  await writeSampleFiles(work, sample, ['image', 'audio', 'depth', 'thermal', 'imu']);
  const base = join(work, baseName(sample));
  files = {
    image: `${base}${FILE_SUFFIX.image}`,
    audio: `${base}${FILE_SUFFIX.audio}`,
    depth: `${base}${FILE_SUFFIX.depth}`,
    thermal: `${base}${FILE_SUFFIX.thermal}`,
    imu: `${base}${FILE_SUFFIX.imu}`,
  };
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

const ok = async (args: string[]) => {
  const r = await runCli(['generate', ...args], { timeoutMs: 240_000 });
  assert.equal(r.code, 0, r.stderr);
  return r;
};

test(
  'generate: the same seed gives byte-identical PNGs, another seed a different image',
  { timeout: 600_000 },
  async () => {
    const a = join(work, 'a.png'),
      b = join(work, 'b.png'),
      c = join(work, 'c.png');
    await ok(['--audio', files.audio, '--seed', '3', '--steps', '8', '--out', a]);
    await ok(['--audio', files.audio, '--seed', '3', '--steps', '8', '--out', b]);
    await ok(['--audio', files.audio, '--seed', '4', '--steps', '8', '--out', c]);
    const [pa, pb, pc] = await Promise.all([a, b, c].map((p) => readFile(p)));
    assert.ok(pa.equals(pb), 'same seed, same bytes');
    assert.ok(!pa.equals(pc), 'another seed, another image');
    const img = decodePng(pa, a);
    assert.equal(img.width, 64);
    assert.equal(img.height, 64);
  },
);

test(
  'generate: every modality and an arithmetic composition make images; --count writes a folder',
  { timeout: 600_000 },
  async () => {
    for (const kind of ['image', 'depth', 'thermal', 'imu'] as const)
      await ok([`--${kind}`, files[kind], '--steps', '4', '--out', join(work, `${kind}.png`)]);
    await ok(['--text', 'a red ball', '--steps', '4', '--out', join(work, 'text.png')]);
    await ok([
      '--image',
      files.image,
      '--audio',
      files.audio,
      '--weights',
      '1,0.5',
      '--minus',
      '--text',
      'a dog',
      '--steps',
      '4',
      '--out',
      join(work, 'mix.png'),
    ]);
    const r = await ok([
      '--audio',
      files.audio,
      '--count',
      '3',
      '--seed',
      '10',
      '--steps',
      '4',
      '--out',
      join(work, 'many'),
      '--json',
    ]);
    const out = JSON.parse(r.stdout) as { files: string[] };
    assert.deepEqual((await readdir(join(work, 'many'))).sort(), ['image-10.png', 'image-11.png', 'image-12.png']);
    assert.equal(out.files.length, 3);
    const bytes = await Promise.all(out.files.map((f) => readFile(f)));
    assert.ok(!bytes[0].equals(bytes[1]) && !bytes[1].equals(bytes[2]), 'each image has its own noise');
    // Image k of a batch is the image of seed + k alone.
    await ok(['--audio', files.audio, '--seed', '11', '--steps', '4', '--out', join(work, 'eleven.png')]);
    assert.ok(
      (await readFile(join(work, 'eleven.png'))).equals(bytes[1]),
      'image-11 of the batch equals seed 11 alone',
    );
  },
);

test('generate: bad input is a clear typed error with exit code 2', { timeout: 300_000 }, async () => {
  const out = join(work, 'bad.png');
  const cases: [string[], string, RegExp][] = [
    [['--smell', 'x'], 'UNKNOWN_MODALITY', /--smell.*--audio/],
    [['--text', 'x', '--steps', '0'], 'STEPS_INVALID', /--steps must be/],
    [['--text', 'x', '--guidance', 'NaN'], 'GUIDANCE_INVALID', /finite/],
    [['--text', 'x', '--count', '0'], 'COUNT_INVALID', /--count/],
    [['--text', 'x', '--sampler', 'heun'], 'SAMPLER_INVALID', /ddim/],
    [['--text', 'x', '--noise-level', '5000'], 'NOISE_LEVEL_INVALID', /noise-level/],
    [['--steps', '4'], 'QUERY_EMPTY', /no inputs/],
    [['--audio', join(work, 'missing.wav')], 'FILE_NOT_FOUND', /missing\.wav/],
  ];
  for (const [args, code, message] of cases) {
    const r = await runCli(['generate', ...args, '--out', out], { timeoutMs: 120_000 });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^error \\[${code}\\]: `), args.join(' '));
    assert.match(r.stderr, message);
  }
  // A decoder trained on another embedding space is refused before it runs.
  const other = join(work, 'other-decoder');
  await cp(join(repoDir, 'models/mini/decoder'), other, { recursive: true });
  const manifest = JSON.parse(await readFile(join(other, 'manifest.json'), 'utf8'));
  await writeFile(join(other, 'manifest.json'), JSON.stringify({ ...manifest, identity: 'f'.repeat(64) }));
  const r = await runCli(['generate', '--decoder', other, '--text', 'x', '--out', out]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /^error \[DECODER_WRONG_SPACE\]: .*another embedding space|^error \[DECODER_WRONG_SPACE\]: .*trained on embedding space ffffffffffff/,
  );
  const none = await runCli(['generate', '--decoder', join(work, 'nowhere'), '--text', 'x', '--out', out]);
  assert.match(none.stderr, /^error \[DECODER_MISSING\]: /);
});

test(
  'eval-generation --json reports accuracy, chance and the upper bound per modality, and diversity',
  { timeout: 900_000 },
  async () => {
    const r = await runCli(['eval-generation', '--n', '16', '--seed', '7', '--steps', '6', '--json'], {
      timeoutMs: 900_000,
    });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as Record<string, Record<string, number>>;
    for (const m of ['audio', 'depth', 'thermal', 'imu', 'text']) {
      assert.deepEqual(Object.keys(j[m]).sort(), ['accuracy', 'chance', 'upper_bound']);
      assert.equal(j[m].chance, 1 / 16);
      for (const v of Object.values(j[m])) assert.ok(v >= 0 && v <= 1);
    }
    assert.ok(j.diversity.generated > 0 && j.diversity.real > 0);
    // The image-conditioned upper bound is far above chance even at 6 steps.
    assert.ok(j.audio.upper_bound > 4 / 16, `upper bound ${j.audio.upper_bound}`);
  },
);
