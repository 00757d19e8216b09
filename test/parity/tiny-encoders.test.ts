/**
 * Encoder parity with the official implementation on the reference tiny model: final outputs and
 * every recorded intermediate (preprocessor tokens, block 0, trunk, head) within 1e-4.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ImageBind } from '../../src/embed/imagebind.ts';
import type { Modality } from '../../src/model/config.ts';
import { diff } from '../helpers/compare.ts';
import { refNpy } from '../helpers/shared.ts';
import { tinyModelDir } from '../helpers/tiny-model.ts';

const TOL = 1e-4;
let model: ImageBind;
let explicit: ImageBind;

before(async () => {
  model = await ImageBind.load(await tinyModelDir(true), { threads: 1 });
  explicit = await ImageBind.load(await tinyModelDir(true, false), { threads: 1 });
});
after(async () => {
  await model?.close();
  await explicit?.close();
});

const cases: { name: string; modality: Modality; input: string; prefix: string; output: string }[] = [
  {
    name: 'vision (4D images)',
    modality: 'vision',
    input: 'input_vision.npy',
    prefix: 'vision',
    output: 'output_vision.npy',
  },
  {
    name: 'vision 5D (S images per item)',
    modality: 'vision',
    input: 'input_vision_5d.npy',
    prefix: 'vision_5d',
    output: 'output_vision_5d.npy',
  },
  {
    name: 'vision 6D (S clips per item)',
    modality: 'vision',
    input: 'input_vision_6d.npy',
    prefix: 'vision_6d',
    output: 'output_vision_6d.npy',
  },
  { name: 'text', modality: 'text', input: 'input_text.npy', prefix: 'text', output: 'output_text.npy' },
  {
    name: 'audio (3 clips per item)',
    modality: 'audio',
    input: 'input_audio.npy',
    prefix: 'audio',
    output: 'output_audio.npy',
  },
  { name: 'depth', modality: 'depth', input: 'input_depth.npy', prefix: 'depth', output: 'output_depth.npy' },
  { name: 'thermal', modality: 'thermal', input: 'input_thermal.npy', prefix: 'thermal', output: 'output_thermal.npy' },
  { name: 'imu', modality: 'imu', input: 'input_imu.npy', prefix: 'imu', output: 'output_imu.npy' },
];

for (const c of cases)
  for (const variant of ['fused attention', 'explicit attention']) {
    test(`parity (${variant}): ${c.name}`, async () => {
      const input = await refNpy('tiny', c.input);
      const { output, stages } = await (variant === 'fused attention' ? model : explicit).encodeWithStages(
        c.modality,
        input,
      );
      const expected = await refNpy('tiny', c.output);
      assert.deepEqual(output.shape, expected.shape);
      const report: string[] = [];
      for (const stage of ['preproc_tokens', 'block0_out', 'trunk_out', 'head_out']) {
        const ref = await refNpy('tiny', `${c.prefix}_${stage}.npy`);
        const got = stages.get(`debug.${stage}`);
        assert.ok(got, `stage ${stage} missing from the debug graph`);
        assert.deepEqual(got.shape, ref.shape, `${stage} shape`);
        const d = diff(got.data, ref.data as Float32Array);
        report.push(`${stage} ${d.maxAbs.toExponential(2)}`);
        assert.ok(d.maxAbs <= TOL, `${c.name} ${stage}: max abs diff ${d.maxAbs} > ${TOL}`);
      }
      const d = diff(output.data, expected.data as Float32Array);
      report.push(`output ${d.maxAbs.toExponential(2)}`);
      console.log(`# ${c.name} (${variant}): max abs diff — ${report.join(', ')}`);
      assert.ok(d.maxAbs <= TOL, `${c.name} output: max abs diff ${d.maxAbs} > ${TOL}`);
    });
  }
