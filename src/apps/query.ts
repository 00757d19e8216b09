/** Search by a composed query (embed/compose.ts): the nearest stored items by cosine similarity. */
import type { EmbedBackend } from '../embed/embed.ts';
import { composeQuery, type QueryPart } from '../embed/compose.ts';
import type { SearchHit, VectorStore } from '../store/index.ts';

// The arithmetic lives in embed/compose.ts so generation (model.generate) shares it.
export { composeQuery, type QueryPart };

export interface SearchRequest {
  readonly parts: readonly QueryPart[];
  readonly k: number;
  readonly modalities?: readonly string[];
}

export async function searchStore(model: EmbedBackend, store: VectorStore, req: SearchRequest): Promise<SearchHit[]> {
  const q = await composeQuery(model, req.parts);
  return store.search(q, { k: req.k, modalities: req.modalities });
}
