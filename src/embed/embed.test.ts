import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ImageBind } from './imagebind.ts';
import { ref, refNpy } from '../../test/helpers/shared.ts';
import { tinyModelDir } from '../../test/helpers/tiny-model.ts';
import { diff } from '../../test/helpers/compare.ts';

let model: ImageBind;
before(async () => {
  model = await ImageBind.load(await tinyModelDir(false), { batchSize: 2, threads: 1 });
});
after(async () => model?.close());

test('embed() on files equals embedTensor() on the official preprocessed tensors', async () => {
  const out = await model.embed({
    vision: [ref('assets', 'dog_image.jpg'), ref('assets', 'car_image.jpg'), ref('assets', 'bird_image.jpg')],
    audio: [ref('assets', 'dog_audio.wav')],
    text: ['A dog.', 'A car', 'A bird'],
  });
  assert.deepEqual(out.errors, []);
  for (const [i, name] of ['dog', 'car', 'bird'].entries()) {
    const t = await refNpy('preprocess', `vision_${name}.npy`);
    const expected = await model.embedTensor('vision', { ...t, shape: [1, ...t.shape] });
    assert.ok(diff(out.vision![i]!, expected.data).maxAbs <= 1e-6, `vision ${name}`);
  }
  const a = await refNpy('preprocess', 'audio_dog.npy');
  const ea = await model.embedTensor('audio', { ...a, shape: [1, ...a.shape] });
  const da = diff(out.audio![0]!, ea.data).maxAbs;
  console.log(`# embed audio file vs official tensor: max abs diff ${da.toExponential(2)}`);
  assert.ok(da <= 1e-3);
  const ids = await refNpy('tiny', 'input_text.npy');
  const et = await model.embedTensor('text', ids);
  assert.ok(
    diff(
      out.text!.flatMap((v) => [...v!]),
      et.data,
    ).maxAbs <= 1e-6,
    'text ids equal the fixture ids',
  );
});

test('bytes, tensors and a broken file in one batch: the broken one is reported, the rest embed', async () => {
  const dog = readFileSync(ref('assets', 'dog_image.jpg'));
  const t = await refNpy('preprocess', 'vision_car.npy');
  const out = await model.embed(
    { vision: [dog, ref('assets', 'nope.jpg'), t, dog.subarray(0, 3000)] },
    { normalize: true },
  );
  assert.equal(out.vision!.length, 4);
  assert.ok(out.vision![0] && out.vision![2]);
  assert.equal(out.vision![1], null);
  assert.equal(out.vision![3], null);
  assert.deepEqual(out.errors.map((e) => e.index).sort(), [1, 3]);
  assert.match(out.errors.find((e) => e.index === 1)!.message, /nope\.jpg/);
  const norm = Math.hypot(...out.vision![0]!);
  assert.ok(Math.abs(norm - 1) < 1e-5);
});
