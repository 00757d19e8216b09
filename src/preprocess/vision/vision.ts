/**
 * The official vision transform (`imagebind/data.py: load_and_transform_vision_data`):
 * decode → `Resize(224, BICUBIC)` (Pillow) → `CenterCrop(224)` → `ToTensor` → CLIP `Normalize`.
 */
import { settleEach } from '../batch.ts';
import type { ImageBindError } from '../../core/errors.ts';
import { MediaError } from '../../core/errors.ts';
import type { Float32Tensor } from '../../core/tensor.ts';
import { type DecodeOptions, decodeImage } from '../image/decode.ts';
import { mediaError } from '../image/errors.ts';
import { readInputFile } from '../image/read-file.ts';
import { preprocessVisionRgb } from './transform.ts';

export { VISION_SIZE, preprocessVisionRgb } from './transform.ts';

export type VisionOptions = DecodeOptions;

/** Encoded image bytes → 3x224x224 tensor. `source` names the input in error messages. */
export async function preprocessVisionBuffer(
  buf: Uint8Array,
  source: string,
  opts: VisionOptions = {},
): Promise<Float32Tensor> {
  return preprocessVisionRgb(await decodeImage(buf, source, opts));
}

/** `load_and_transform_vision_data([path])[0]`. */
export async function loadVisionFile(path: string, opts: VisionOptions = {}): Promise<Float32Tensor> {
  return preprocessVisionBuffer(await readInputFile(path), path, opts);
}

export type VisionResult =
  { ok: true; source: string; tensor: Float32Tensor } | { ok: false; source: string; error: ImageBindError };

/** Loads many image files; one bad file yields `{ok: false, error}` for that entry only. */
export async function loadVisionFiles(
  paths: readonly string[],
  opts: VisionOptions & { concurrency?: number } = {},
): Promise<VisionResult[]> {
  const settled = await settleEach(
    paths,
    (p) => loadVisionFile(p, opts),
    (source, e) =>
      mediaError(
        'IMAGE_DECODE_FAILED',
        source,
        `unexpected failure (${(e as Error).message ?? String(e)})`,
        'Report this with the file attached.',
        e,
      ),
    opts.concurrency,
  );
  return settled.map((r) =>
    r.ok ? { ok: true, source: r.path, tensor: r.value } : { ok: false, source: r.path, error: r.error },
  );
}
