import { existsSync } from 'node:fs';
import type { ImageBind } from '../embed/imagebind.ts';
import { type VectorPrecision, type VectorStore, openStore } from '../store/index.ts';
import { StoreError } from '../core/errors.ts';

/** Opens (creating on first use) the store for this model's embedding space. */
export function openModelStore(
  model: ImageBind,
  file: string,
  opts: { create?: boolean; readonly?: boolean; vectorPrecision?: VectorPrecision } = {},
): VectorStore {
  if (!opts.create && !existsSync(file)) {
    throw new StoreError(
      'STORE_NOT_FOUND',
      `${file}: no such index; build one with \`imagebind index <dir...> --db ${file}\`.`,
    );
  }
  return openStore(file, {
    readonly: opts.readonly,
    ...(opts.vectorPrecision ? { ann: { precision: opts.vectorPrecision } } : {}),
    space: { identity: model.identity, dim: model.manifest.config.out_embed_dim, modelName: model.manifest.name },
  });
}
