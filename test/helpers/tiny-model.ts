/**
 * Converts the reference tiny checkpoint once per test process into a temp model directory (with
 * debug stage outputs), so parity suites share one conversion.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCheckpoint } from '../../src/checkpoint/open.ts';
import { MODALITIES } from '../../src/model/config.ts';
import { loadConfigFile } from '../../src/model/config-file.ts';
import { convertCheckpoint } from '../../src/model/convert.ts';
import { ref } from './shared.ts';

const cache = new Map<string, Promise<string>>();

/** `fused: false` builds the explicit attention ops (the graph training differentiates). */
export function tinyModelDir(debug = true, fused = true): Promise<string> {
  const key = `${debug ? 'debug' : 'plain'}-${fused ? 'fused' : 'explicit'}`;
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      const outDir = join(mkdtempSync(join(tmpdir(), 'imagebind-tiny-')), 'model');
      const reader = await openCheckpoint(ref('tiny', 'imagebind_tiny.pth'));
      try {
        await convertCheckpoint(reader, {
          config: await loadConfigFile(ref('tiny', 'config.json')),
          modalities: MODALITIES,
          outDir,
          debug,
          fusedAttention: fused,
          vocabPath: ref('vocab', 'bpe_simple_vocab_16e6.txt.gz'),
        });
      } finally {
        await reader.close();
      }
      return outDir;
    })();
    cache.set(key, p);
  }
  return p;
}
