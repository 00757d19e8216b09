/** The decoder manifest is untrusted input: every malformed field is a DECODER_INVALID naming it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDecoderManifest } from './decoder-manifest.ts';

const shipped = join(import.meta.dirname, '../../../models/mini/decoder/manifest.json');

test('the shipped mini decoder manifest parses and records its space', () => {
  const m = parseDecoderManifest(readFileSync(shipped, 'utf8'), shipped);
  assert.equal(m.kind, 'mini-dit');
  if (m.kind !== 'mini-dit') return;
  const model = JSON.parse(readFileSync(join(import.meta.dirname, '../../../models/mini/manifest.json'), 'utf8'));
  assert.equal(m.identity, model.identity);
  assert.equal(m.embeddingDim, model.config.out_embed_dim);
  assert.equal(m.noiseAugmentation.mean?.length, m.embeddingDim);
});

test('malformed decoder manifests are refused with the field named', () => {
  const base = JSON.parse(readFileSync(shipped, 'utf8'));
  const cases: [Record<string, unknown>, RegExp, string?][] = [
    [{ ...base, format: 'other' }, /not an imagebind-ts decoder manifest/],
    [{ ...base, formatVersion: 99 }, /newer than this imagebind-ts supports/, 'DECODER_VERSION'],
    [{ ...base, kind: 'gan' }, /unknown decoder kind "gan"/],
    [{ ...base, identity: '' }, /must record the embedding-space identity/],
    [{ ...base, graph: '../../etc/passwd' }, /graph must be a relative file name/],
    [{ ...base, weights: '/abs/dit.weights' }, /weights must be a relative file name/],
    [{ ...base, spec: { ...base.spec, depth: 4 } }, /depth must be odd/],
    [{ ...base, spec: { ...base.spec, patch: 7 } }, /not a multiple of patch 7/],
    [{ ...base, embeddingDim: 32 }, /condDim 64 ≠ embeddingDim 32/],
    [{ ...base, noiseAugmentation: { ...base.noiseAugmentation, std: [1, 2] } }, /noiseAugmentation.std must be 64/],
    [
      { ...base, scheduler: { ...base.scheduler, schedule: { trainTimesteps: 0 } } },
      /trainTimesteps must be a positive integer/,
    ],
    [
      { ...base, kind: 'stable-unclip', space: 'x', unet: 'unet/model.onnx', vaeDecoder: 'v.onnx' },
      /textEncoder.*emptyPromptEmbeds/,
    ],
  ];
  for (const [m, message, code = 'DECODER_INVALID'] of cases)
    assert.throws(() => parseDecoderManifest(JSON.stringify(m), 'x/manifest.json'), { code, message }, String(message));
  assert.throws(() => parseDecoderManifest('{', 'x/manifest.json'), {
    code: 'DECODER_INVALID',
    message: /not valid JSON/,
  });
});
