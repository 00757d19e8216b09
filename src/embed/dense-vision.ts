/**
 * A session over a model directory's dense vision graph (model/dense-graph.ts): one forward pass
 * gives the image embedding and one unit embedding per patch. The graph is built from the
 * directory's manifest and reads its `vision.weights` in place; with a cache folder
 * (`cacheDir` / IMAGEBIND_CACHE_DIR) the graph file and onnxruntime's optimised graph are kept there.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ShapeError } from '../core/errors.ts';
import type { Float32Tensor } from '../core/tensor.ts';
import type { DenseMode } from '../model/dense-head.ts';
import { buildDenseVisionGraph } from '../model/dense-graph.ts';
import type { Manifest } from '../model/manifest.ts';
import { type SessionOptions, createSession } from '../runtime/backend.ts';
import { Encoder } from '../runtime/encoder.ts';

export interface DenseVisionOutput {
  /** [N, D]: the usual image embeddings (unit norm). */
  readonly global: Float32Tensor;
  /** [N, rows·cols, D]: unit patch embeddings in raster order. */
  readonly patches: Float32Tensor;
  readonly grid: { readonly rows: number; readonly cols: number };
}

/** Writes the graph into the cache folder once (temp + rename); returns its path, or null when it cannot. */
async function cachedGraphFile(cacheDir: string, key: string, bytes: Uint8Array): Promise<string | null> {
  const path = join(cacheDir, `vision-dense-${key}.onnx`);
  if (existsSync(path)) return path;
  try {
    await mkdir(cacheDir, { recursive: true });
    const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
    return path;
  } catch {
    return null; // a read-only or full cache only costs the in-memory graph's start-up
  }
}

export class DenseVisionEncoder {
  private constructor(
    private readonly encoder: Encoder,
    private readonly patchesName: string,
    readonly grid: { readonly rows: number; readonly cols: number },
    readonly mode: DenseMode,
  ) {}

  static async open(
    dir: string,
    manifest: Manifest,
    mode: DenseMode,
    opts: SessionOptions & { batchSize?: number } = {},
  ): Promise<DenseVisionEncoder> {
    const graph = await buildDenseVisionGraph(dir, manifest, mode);
    const entry = manifest.modalities.vision!;
    const cacheDir = opts.cacheDir ?? (process.env.IMAGEBIND_CACHE_DIR || undefined);
    const path = cacheDir ? await cachedGraphFile(cacheDir, graph.key, graph.bytes) : null;
    const session = await createSession(path ?? graph.bytes, {
      threads: opts.threads,
      cacheDir: path ? cacheDir : undefined,
      cacheKey: `${entry.weightsSha256}:${manifest.precision}:dense`,
      externalDataDir: dir,
    });
    const encoder = Encoder.create('vision', entry, session, opts.batchSize ?? 8);
    return new DenseVisionEncoder(encoder, graph.outputs.patches, graph.grid, mode);
  }

  /** [N, 3, 224, 224] preprocessed images → image and patch embeddings. */
  async encode(images: Float32Tensor): Promise<DenseVisionOutput> {
    const r = await this.encoder.encode(images);
    const patches = r.stages.get(this.patchesName);
    const n = r.output.shape[0];
    if (!patches || patches.shape[0] !== n || patches.shape[1] !== this.grid.rows * this.grid.cols) {
      throw new ShapeError(
        'DENSE_OUTPUT_SHAPE',
        `the dense vision graph returned patches [${patches?.shape.join(', ') ?? 'none'}] for ${n} images; expected [${n}, ${this.grid.rows * this.grid.cols}, D].`,
      );
    }
    return { global: r.output, patches, grid: this.grid };
  }

  release(): Promise<void> {
    return this.encoder.release();
  }
}
