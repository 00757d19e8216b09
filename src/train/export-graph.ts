/**
 * Writes an inference graph whose weights are checkpoint-backed initializers as `<base>.onnx`
 * plus `<base>.weights` (external data, 64-byte aligned), each to a temporary name renamed into
 * place. Returns the weights' sha256 (over names and float32 bytes, like convert's identity).
 */
import { createHash } from 'node:crypto';
import { mkdir, open, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TrainingError } from '../core/errors.ts';
import { OPSET } from '../model/convert.ts';
import type { Graph } from '../model/graph.ts';
import { type ExternalLocation, serializeModel } from '../model/onnx/serialize.ts';
import type { ParamMap } from './params.ts';

export async function writeGraphWithWeights(
  graph: Graph,
  params: ParamMap,
  dir: string,
  base: string,
  docString: string,
): Promise<{ graph: string; weights: string; weightsSha256: string; weightBytes: number }> {
  await mkdir(dir, { recursive: true });
  const weightsFile = `${base}.weights`;
  const locations = new Map<string, ExternalLocation>();
  const hash = createHash('sha256');
  const tmpWeights = join(dir, `${weightsFile}.tmp`);
  const fh = await open(tmpWeights, 'w');
  let offset = 0;
  try {
    for (const init of graph.initializers) {
      if (init.source.kind !== 'checkpoint') continue;
      const p = params.get(init.source.key);
      if (!p || p.data.length !== init.shape.reduce((a, b) => a * b, 1))
        throw new TrainingError('PARAM_MISSING', `no trained value of shape [${init.shape}] for "${init.name}".`);
      hash.update(init.name).update(new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength));
      offset = Math.ceil(offset / 64) * 64;
      await fh.write(new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength), 0, p.data.byteLength, offset);
      locations.set(init.name, { file: weightsFile, offset, length: p.data.byteLength });
      offset += p.data.byteLength;
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  const onnx = serializeModel(graph, {
    opsetVersion: OPSET,
    producerVersion: '0.1.0',
    docString,
    locate: (init) => locations.get(init.name)!,
  });
  const graphFile = `${base}.onnx`;
  await writeFile(join(dir, `${graphFile}.tmp`), onnx);
  await rename(tmpWeights, join(dir, weightsFile));
  await rename(join(dir, `${graphFile}.tmp`), join(dir, graphFile));
  return { graph: graphFile, weights: weightsFile, weightsSha256: hash.digest('hex'), weightBytes: offset };
}
