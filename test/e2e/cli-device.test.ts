/**
 * `--device` and IMAGEBIND_DEVICE through the real CLI: every command that runs encoders takes the
 * flag; a GPU provider that cannot start is one `error [DEVICE_UNAVAILABLE]` line naming it and how
 * to get it (exit 2); `auto` falls back to the CPU with a note on stderr; `bench --placement`
 * reports where onnxruntime ran each node.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import { COMMANDS } from '../../src/cli/registry.ts';
import { checkDevice } from '../../src/runtime/device.ts';
import { runCli } from '../helpers/cli.ts';

const work = mkdtempSync(join(tmpdir(), 'imagebind-cli-device-'));

/** Commands that run encoders; each must accept --device. */
const ENCODER_COMMANDS = [
  'demo',
  'embed-tensor',
  'embed',
  'index',
  'search',
  'classify',
  'fewshot',
  'locate',
  'train',
  'eval-emergent',
  'bench',
  'serve',
];

test('every command that runs encoders has --device', async () => {
  for (const name of ENCODER_COMMANDS) {
    const entry = COMMANDS.find((c) => c.name === name);
    assert.ok(entry, name);
    const program = new Command('imagebind');
    (await entry.load()).register(program);
    const flags = program.commands[0]!.options.map((o) => o.long);
    assert.ok(flags.includes('--device'), `${name} has no --device`);
  }
});

test('an unknown device is a usage error; a GPU that cannot start is one DEVICE_UNAVAILABLE line', async () => {
  const bad = await runCli(['embed', '--text', 'x', '--output', join(work, 'x.json'), '--device', 'tpu']);
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr.trim(),
    /^error \[BAD_ARGUMENT\]: --device: unknown device "tpu"; use one of: cpu, webgpu, cuda, auto\.$/,
  );

  const env = await runCli(['embed', '--text', 'x', '--output', join(work, 'x.json')], {
    env: { IMAGEBIND_DEVICE: 'quantum' },
  });
  assert.equal(env.code, 2);
  assert.match(env.stderr, /^error \[BAD_ARGUMENT\]: IMAGEBIND_DEVICE: unknown device "quantum"/);

  for (const device of ['cuda', 'webgpu'] as const) {
    if (!(await checkDevice(device))) continue; // this machine has it: nothing to refuse
    for (const how of [['--device', device], []]) {
      const r = await runCli(['embed', '--text', 'x', '--output', join(work, `${device}.json`), ...how], {
        env: how.length === 0 ? { IMAGEBIND_DEVICE: device } : {},
      });
      assert.equal(r.code, 2, r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line, no native log noise:\n${r.stderr}`);
      assert.match(
        lines[0]!,
        new RegExp(
          `^error \\[DEVICE_UNAVAILABLE\\]: device ${device}: the ${device === 'cuda' ? 'CUDA' : 'WebGPU'} execution provider`,
        ),
      );
    }
  }
});

test('--device auto runs, on the CPU with a note when no GPU starts; bench --placement says where nodes ran', async () => {
  const gpu = !(await checkDevice('cuda')) || !(await checkDevice('webgpu'));
  const out = join(work, 'auto.json');
  const r = await runCli(['embed', '--text', 'a dog', '--output', out, '--device', 'auto']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(readFileSync(out, 'utf8')) as unknown[]).length, 1);
  if (!gpu)
    assert.match(
      r.stderr,
      /^note: device auto: no GPU execution provider could start, running on the CPU \(cuda: .*; webgpu: .*\)\.$/m,
    );

  const b = await runCli(['bench', '--modality', 'text', '--runs', '1', '--threads', '1', '--placement', '--json']);
  assert.equal(b.code, 0, b.stderr);
  const res = JSON.parse(b.stdout) as {
    device: string;
    placement: Record<string, { nodes: number; ops: Record<string, number> }>;
    heavy_fallbacks: unknown[];
  };
  assert.equal(res.device, 'cpu');
  assert.ok(res.placement.CPUExecutionProvider.ops.Gemm > 0);
  assert.deepEqual(res.heavy_fallbacks, []);
});

test('serve --device: a GPU that cannot start stops the server before it listens', async () => {
  if (await checkDevice('webgpu')) {
    const r = await runCli(['serve', '--port', '0', '--db', join(work, 's.db'), '--device', 'webgpu']);
    assert.equal(r.code, 2);
    assert.doesNotMatch(r.stdout, /listening/);
    assert.match(r.stderr, /^error \[DEVICE_UNAVAILABLE\]: device webgpu: the WebGPU execution provider/);
  }
});
