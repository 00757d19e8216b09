import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageBindError } from '../../core/errors.ts';
import type { EmbedInputs, EmbedOutput, InputKind, ItemError } from '../../embed/embed.ts';
import { fewShot } from './app.ts';
import { detectKind } from './detect.ts';
import { parseManifest } from './manifest.ts';

/** Embeds by name: "dog*" → e0, "car*" → e1, anything with "broken" fails like a bad file. */
const stub = {
  identity: 'stub',
  calls: [] as string[],
  async embed(inputs: EmbedInputs): Promise<EmbedOutput> {
    const errors: ItemError[] = [];
    const out: Record<string, (Float32Array | null)[]> = {};
    for (const [kind, items] of Object.entries(inputs) as [InputKind, readonly unknown[]][]) {
      this.calls.push(kind);
      out[kind] = items.map((x, index) => {
        const s = String(x);
        if (s.includes('broken')) {
          errors.push({ kind, index, input: s, code: 'IMAGE_CORRUPT', message: `${s}: corrupt` });
          return null;
        }
        return Float32Array.from(s.includes('dog') ? [1, 0.1, 0] : s.includes('car') ? [0, 1, 0.1] : [0.1, 0, 1]);
      });
    }
    return { ...out, errors };
  },
};

test('fewShot: mixed kinds, per-file errors, predictions in query order', async () => {
  const r = await fewShot(stub, {
    method: 'knn',
    options: { k: 1 },
    train: [
      { input: 'dog1.jpg', label: 'dog' },
      { input: 'dog2.wav', label: 'dog' },
      { input: 'broken.jpg', label: 'car' },
      { input: 'car1.png', label: 'car' },
      { input: 'a car', label: 'car', kind: 'text' },
    ],
    queries: [{ input: 'car9.jpg' }, { input: 'broken2.jpg' }, { input: 'dog9.mp3' }, { input: 'what.xyz' }],
  });
  assert.equal(r.trainUsed, 4);
  assert.deepEqual(
    r.predictions.map((p) => p?.label ?? null),
    ['car', null, 'dog', null],
  );
  assert.deepEqual(
    r.errors.map((e) => [e.set, e.index, e.code]),
    [
      ['train', 2, 'IMAGE_CORRUPT'],
      ['query', 1, 'IMAGE_CORRUPT'],
      ['query', 3, 'FEWSHOT_UNKNOWN_MODALITY'],
    ],
  );
  assert.equal(r.classifier.space, 'stub');
});

test('fewShot: a class whose every example fails is refused, naming its files', async () => {
  await assert.rejects(
    fewShot(stub, {
      train: [
        { input: 'dog1.jpg', label: 'dog' },
        { input: 'broken-car.jpg', label: 'car' },
      ],
      queries: [],
    }),
    (e: ImageBindError) =>
      e.code === 'FEWSHOT_CLASS_EMPTY' && /"car"/.test(e.message) && /broken-car\.jpg/.test(e.message),
  );
  await assert.rejects(fewShot(stub, { train: [], queries: [] }), (e: ImageBindError) => e.code === 'FEWSHOT_EMPTY');
});

test('detectKind: names first, IMU by header', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fewshot-detect-'));
  writeFileSync(join(dir, 'walk.csv'), 't,acc_x,acc_y,acc_z,gyro_x,gyro_y,gyro_z\n0,1,2,3,4,5,6\n');
  writeFileSync(join(dir, 'table.csv'), 'a,b\n1,2\n');
  const cases: [string, string][] = [
    ['a.JPG', 'vision'],
    ['a.tiff', 'vision'],
    ['a.flac', 'audio'],
    ['a.webm', 'video'],
    ['a.depth.png', 'depth'],
    ['a.depth.npy', 'depth'],
    ['a.pfm', 'depth'],
    ['a.thermal.png', 'thermal'],
    ['a.imu.npy', 'imu'],
    [join(dir, 'walk.csv'), 'imu'],
  ];
  for (const [p, k] of cases) assert.equal(await detectKind(p), k, p);
  for (const p of [join(dir, 'table.csv'), 'a.txt', 'noext'])
    await assert.rejects(
      detectKind(p),
      (e: ImageBindError) => e.code === 'FEWSHOT_UNKNOWN_MODALITY' && e.message.includes(p),
    );
});

test('manifests: CSV with header and quotes, JSONL with text and modality, errors with line numbers', () => {
  const csv = parseManifest('path,label\n"my dog, 1.jpg",dog\n# comment\n\ncar.png,car,image\n', '/data/m.csv', 'csv');
  assert.deepEqual(
    csv.map((e) => [e.input, e.label, e.kind, e.line]),
    [
      ['/data/my dog, 1.jpg', 'dog', undefined, 2],
      ['/data/car.png', 'car', 'vision', 5],
    ],
  );
  const jl = parseManifest(
    '{"path": "/abs/x.wav", "label": 3}\n{"text": "a bird", "label": "bird"}\n{"path": "s", "label": "z", "modality": "imu"}',
    '/d/m.jsonl',
    'jsonl',
  );
  assert.deepEqual(
    jl.map((e) => [e.input, e.label, e.kind]),
    [
      ['/abs/x.wav', '3', undefined],
      ['a bird', 'bird', 'text'],
      ['/d/s', 'z', 'imu'],
    ],
  );
  const code = (t: string, f: 'csv' | 'jsonl'): string => {
    try {
      parseManifest(t, 'm', f);
    } catch (e) {
      return `${(e as ImageBindError).code} ${(e as Error).message}`;
    }
    return '';
  };
  assert.match(code('path,label\n', 'csv'), /^FEWSHOT_EMPTY/);
  assert.match(code('a.jpg\n', 'csv'), /^FEWSHOT_BAD_MANIFEST m:1/);
  assert.match(code('a.jpg,dog,sonar\n', 'csv'), /^FEWSHOT_BAD_MODALITY m:1/);
  assert.match(code('{"path": "a.jpg", "label": "x"}\n{oops\n', 'jsonl'), /^FEWSHOT_BAD_MANIFEST m:2/);
  assert.match(code('{"path": "a.jpg"}\n', 'jsonl'), /missing label/);
});
