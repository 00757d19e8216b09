import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { defaultModelDir } from '../embed/default-model.ts';
import { parseManifest } from './manifest.ts';

interface Editable {
  modalities: Record<string, { graph: string; weights: string }>;
  tokenizer: { merges: string };
}

const text = readFileSync(join(defaultModelDir(), 'manifest.json'), 'utf8');

test('parseManifest accepts the shipped mini model', () => {
  const m = parseManifest(text, 'manifest.json');
  assert.equal(m.modalities.vision?.graph, 'vision.onnx');
  assert.equal(m.tokenizer?.merges, 'tokenizer/world_bpe_merges.txt');
});

test('parseManifest refuses file names that leave the model directory', () => {
  const bad = [
    '../secret.onnx',
    '/etc/passwd',
    'https://evil.example/x.onnx',
    'a/../../b',
    'dir\\..\\x',
    '',
    './x',
    'a//b',
    'C:/x',
  ];
  for (const name of bad) {
    for (const edit of [
      (j: Editable) => {
        j.modalities.vision.graph = name;
      },
      (j: Editable) => {
        j.modalities.imu.weights = name;
      },
      (j: Editable) => {
        j.tokenizer.merges = name;
      },
    ]) {
      const j = JSON.parse(text) as Editable;
      edit(j);
      assert.throws(
        () => parseManifest(JSON.stringify(j), 'm.json'),
        (e: unknown) =>
          e instanceof ConfigError && e.code === 'MODEL_DIR_INVALID' && e.message.includes('relative file name'),
        name,
      );
    }
  }
});
