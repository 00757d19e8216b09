/**
 * The dense vision graph of a model directory: the vision encoder rebuilt from the same blocks with
 * a second output, one unit embedding per patch (dense-head.ts). Its initializers point at the
 * directory's existing `vision.weights` (locations read from `vision.onnx`), so nothing is copied:
 * a session opens it with the model directory as its external-data folder. Works for any directory
 * `convert` or `train` wrote (mini, a converted huge, fp16, int8).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { modalityArch } from './architecture.ts';
import { buildEncoder } from './build.ts';
import { OPSET } from './convert.ts';
import { type DenseMode, patchGrid } from './dense-head.ts';
import type { Manifest } from './manifest.ts';
import { readExternalLocations } from './onnx/external-locations.ts';
import { serializeModel } from './onnx/serialize.ts';

/** Bump when the dense graph's construction changes, so cached copies are rebuilt. */
export const DENSE_GRAPH_VERSION = 1;

export interface DenseGraph {
  /** ONNX bytes; external initializers are relative to the model directory. */
  readonly bytes: Uint8Array;
  /** Identifies the graph and the weights it reads (for cache file names). */
  readonly key: string;
  readonly grid: { rows: number; cols: number };
  readonly outDim: number;
  /** Output names: the usual image embedding [B, outDim] and the patch embeddings [B, P, outDim]. */
  readonly outputs: { readonly global: string; readonly patches: string };
}

const ONNX_FLOAT: Record<string, number> = { float32: 1, float16: 10, int8: 3 };

export async function buildDenseVisionGraph(dir: string, manifest: Manifest, mode: DenseMode): Promise<DenseGraph> {
  const entry = manifest.modalities.vision;
  if (!entry) {
    throw new ConfigError(
      'MODALITY_MISSING',
      `${dir}: dense localisation needs the vision encoder, which this model directory lacks; convert it with --modalities vision.`,
    );
  }
  const arch = modalityArch(manifest.config, 'vision');
  const graph = buildEncoder(arch, { precision: manifest.precision, fusedAttention: true, dense: mode });
  const graphPath = join(dir, entry.graph);
  const locations = readExternalLocations(await readFile(graphPath), graphPath);
  for (const init of graph.initializers) {
    if (init.source.kind !== 'checkpoint') continue;
    const loc = locations.get(init.name);
    const same =
      loc &&
      loc.dataType === ONNX_FLOAT[init.dtype] &&
      loc.dims.length === init.shape.length &&
      loc.dims.every((d, i) => d === init.shape[i]);
    if (!same) {
      throw new ConfigError(
        'DENSE_GRAPH_MISMATCH',
        `${graphPath}: weight "${init.name}" is ${loc ? `stored as type ${loc.dataType} [${loc.dims.join(', ')}]` : 'missing'}, but the dense vision graph expects ${init.dtype} [${init.shape.join(', ')}]; re-create the model directory with \`imagebind convert\`.`,
      );
    }
  }
  const bytes = serializeModel(graph, {
    opsetVersion: OPSET,
    extraOpsets: [{ domain: 'com.microsoft', version: 1 }],
    producerVersion: '0.1.0',
    docString: `ImageBind vision encoder with dense patch embeddings (${mode})`,
    locate: (init) => {
      const loc = locations.get(init.name)!;
      return { file: loc.file, offset: loc.offset, length: loc.length };
    },
  });
  const key = createHash('sha256')
    .update(`${DENSE_GRAPH_VERSION}\0${mode}\0${entry.weightsSha256}\0${manifest.precision}\0`)
    .update(bytes)
    .digest('hex')
    .slice(0, 24);
  const [global, patches] = graph.outputs.map((o) => o.name);
  return { bytes, key, grid: patchGrid(arch), outDim: arch.outDim, outputs: { global, patches } };
}
