/**
 * Execution-provider selection on the machine the tests run on. A GPU provider that cannot start
 * (no CUDA libraries, no Vulkan adapter: the development and CI machines) must fail with an error
 * naming the provider and what to install; where it does start, its outputs must equal the CPU's.
 * `auto` takes the first GPU that starts and otherwise falls back to the CPU, saying so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { ImageBindError } from '../core/errors.ts';
import { ImageBind } from '../embed/imagebind.ts';
import { defaultModelDir } from '../embed/default-model.ts';
import { checkDevice, parseDevice, requestedDevice, resolveDevice, shortReason } from './device.ts';
import { placementFromProfile } from './placement.ts';

const mini = defaultModelDir();

test('device names: the four choices, case-insensitive; anything else is a BAD_ARGUMENT naming its source', () => {
  assert.equal(parseDevice('CUDA'), 'cuda');
  assert.equal(parseDevice(' auto '), 'auto');
  assert.throws(
    () => parseDevice('gpu', 'IMAGEBIND_DEVICE'),
    (e: ImageBindError) =>
      e.code === 'BAD_ARGUMENT' &&
      /IMAGEBIND_DEVICE: unknown device "gpu"; use one of: cpu, webgpu, cuda, auto/.test(e.message),
  );
});

test('IMAGEBIND_DEVICE is the default, an explicit option wins, and the CPU is the default without either', () => {
  const saved = process.env.IMAGEBIND_DEVICE;
  try {
    delete process.env.IMAGEBIND_DEVICE;
    assert.equal(requestedDevice(), 'cpu');
    process.env.IMAGEBIND_DEVICE = 'webgpu';
    assert.equal(requestedDevice(), 'webgpu');
    assert.equal(requestedDevice('cpu'), 'cpu');
    process.env.IMAGEBIND_DEVICE = 'tpu';
    assert.throws(() => requestedDevice(), /IMAGEBIND_DEVICE: unknown device "tpu"/);
  } finally {
    if (saved === undefined) delete process.env.IMAGEBIND_DEVICE;
    else process.env.IMAGEBIND_DEVICE = saved;
  }
});

const HOW_TO_GET: Record<'cuda' | 'webgpu', RegExp[]> = {
  cuda: [/CUDA execution provider/, /ONNXRUNTIME_NODE_INSTALL=cuda12|CUDA 12/],
  webgpu: [/WebGPU execution provider/, /libvulkan1/, /--device cpu/],
};

for (const device of ['cuda', 'webgpu'] as const) {
  test(`--device ${device}: fails at load naming the provider and how to get it, or runs like the CPU`, async () => {
    const failure = await checkDevice(device);
    if (failure) {
      await assert.rejects(ImageBind.load(mini, { device }), (e: ImageBindError) => {
        assert.equal(e.code, 'DEVICE_UNAVAILABLE');
        for (const re of HOW_TO_GET[device]) assert.match(e.message, re);
        return true;
      });
      console.log(`# ${device} unavailable here: ${failure.summary}`);
      return;
    }
    // A machine with this GPU: the encoders run there, every compute node on the provider, and agree with the CPU.
    const [gpu, cpu] = [await ImageBind.load(mini, { device }), await ImageBind.load(mini, { device: 'cpu' })];
    try {
      assert.equal(gpu.device, device);
      const placement = await gpu.placement('text');
      assert.ok(placement && placement.heavyFallbacks.length === 0, 'no compute node fell back to the CPU');
      const [a, b] = [await gpu.embed({ text: ['a dog'] }), await cpu.embed({ text: ['a dog'] })];
      const diff = Math.max(...a.text[0]!.map((v, i) => Math.abs(v - b.text[0]![i])));
      assert.ok(diff < 1e-4, `max diff to the CPU ${diff}`);
    } finally {
      await gpu.close();
      await cpu.close();
    }
  });
}

test('auto: the first GPU provider that starts, else the CPU with a note saying what was tried', async () => {
  const [cuda, webgpu] = [await checkDevice('cuda'), await checkDevice('webgpu')];
  const notes: string[] = [];
  const model = await ImageBind.load(mini, { device: 'auto', onNotice: (m) => notes.push(m) });
  try {
    const expected = !cuda ? 'cuda' : !webgpu ? 'webgpu' : 'cpu';
    assert.equal(model.device, expected);
    if (expected === 'cpu') {
      assert.equal(notes.length, 1);
      assert.match(notes[0], /device auto: no GPU execution provider could start, running on the CPU/);
      assert.match(notes[0], /cuda: .*CUDA/);
      assert.match(notes[0], /webgpu: .*WebGPU/);
    } else assert.deepEqual(notes, []);
    const out = await model.embed({ text: ['a dog'] });
    assert.equal(out.text[0]?.length, model.manifest.config.out_embed_dim);
  } finally {
    await model.close();
  }
  const explicit = await resolveDevice('cpu');
  assert.deepEqual(explicit, { device: 'cpu', note: null }, 'cpu is never probed');
});

test("onnxruntime's failure messages are cut to the sentence that says what failed", () => {
  const dawn =
    '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(...)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\n';
  assert.equal(shortReason(dawn), 'Failed to get a WebGPU adapter: No supported adapters');
  assert.equal(
    shortReason('OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library'),
    'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library',
  );
});

test('placement: every node of a CPU session is reported on the CPU provider, none as a fallback', async () => {
  const model = await ImageBind.load(mini, { checkPlacement: true, threads: 1 });
  try {
    const p = await model.placement('text');
    assert.ok(p, 'a placement report');
    assert.deepEqual(Object.keys(p.byProvider), ['CPUExecutionProvider']);
    assert.equal(p.expected, 'CPUExecutionProvider');
    assert.deepEqual(p.heavyFallbacks, []);
    const ops = p.byProvider.CPUExecutionProvider.ops;
    assert.ok(ops.Gemm > 0 && ops.MultiHeadAttention > 0, JSON.stringify(ops));
    const vision = await model.placement('vision');
    assert.ok(
      vision && vision.byProvider.CPUExecutionProvider.ops.Conv === 1,
      'each encoder is profiled on its first load',
    );
  } finally {
    await model.close();
  }
  const plain = await ImageBind.load(mini, { threads: 1 });
  try {
    assert.equal(await plain.placement('text'), null, 'CPU sessions are not profiled unless asked');
  } finally {
    await plain.close();
  }
});

test("placement: nodes a GPU device would leave on the CPU are found in onnxruntime's profile, shape ops excepted", async () => {
  // A real profile of the mini text encoder (all on the CPU), read as if the session had asked for WebGPU.
  const dir = mkdtempSync(join(tmpdir(), 'imagebind-profile-'));
  const s = await ort.InferenceSession.create(join(mini, 'text.onnx'), {
    enableProfiling: true,
    profileFilePrefix: join(dir, 'p'),
    intraOpNumThreads: 1,
  });
  await s.run({ input: new ort.Tensor('int64', new BigInt64Array(77), [1, 77]) });
  s.endProfiling();
  await s.release();
  const events = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]), 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  const r = placementFromProfile(events, 'WebGpuExecutionProvider');
  const heavyOps = new Set(r.heavyFallbacks.map((n) => n.op));
  for (const op of ['Gemm', 'MultiHeadAttention', 'LayerNormalization', 'Gelu']) assert.ok(heavyOps.has(op), op);
  for (const op of ['Shape', 'Range', 'Squeeze', 'ArgMax']) assert.ok(!heavyOps.has(op), `${op} is shape work`);
  assert.equal(r.byProvider.CPUExecutionProvider.nodes, r.nodes.length);
});
