/**
 * The server's wrapper over apps/query.ts: the same arithmetic (each input L2-normalised,
 * weighted, negated for "minus", summed, normalised), but inputs may be bytes or a stored item's
 * vector, and all inputs of a query are embedded in one batched call.
 */
import { l2normalize } from '../core/vector-math.ts';
import { MediaError } from '../core/errors.ts';
import type { InputKind, ItemError } from '../embed/embed.ts';
import type { FileKind } from '../preprocess/loaders.ts';
import type { ServerContext } from './context.ts';
import { type MediaSource, vectorsOf } from './engine.ts';
import { fail } from './http-errors.ts';

export type QuerySource =
  | { readonly text: string }
  | { readonly media: MediaSource; readonly kind: FileKind }
  | { readonly itemId: number }
  | { readonly vector: Float32Array };

export interface ServerQueryPart {
  /** How the client named this input, for error messages (`queries[2]`, `minus_audio`). */
  readonly label: string;
  readonly source: QuerySource;
  readonly weight: number;
  readonly negate: boolean;
}

export async function composeServerQuery(
  ctx: ServerContext,
  parts: readonly ServerQueryPart[],
  signal?: AbortSignal,
): Promise<Float32Array> {
  if (parts.length === 0)
    throw new MediaError('QUERY_EMPTY', 'no query: give at least one text, media, itemId or vector input.');
  const texts: string[] = [];
  const media: { [K in FileKind]?: MediaSource[] } = {};
  const slot = parts.map((p): [InputKind, number] | null => {
    if ('text' in p.source) return ['text', texts.push(p.source.text) - 1];
    if ('media' in p.source) return [p.source.kind, (media[p.source.kind] ??= []).push(p.source.media) - 1];
    return null;
  });
  const out =
    texts.length || Object.keys(media).length
      ? await ctx.engine.embed({ text: texts, ...media }, { signal })
      : { errors: [] as ItemError[] };
  let sum: Float64Array | null = null;
  parts.forEach((p, i) => {
    let v: Float32Array | null | undefined;
    if ('vector' in p.source) {
      v = p.source.vector;
    } else if ('itemId' in p.source) {
      v = ctx.store.getVector(p.source.itemId);
      if (!v) throw fail('ITEM_NOT_FOUND', `${p.label}: no item with id ${p.source.itemId}.`);
    } else {
      const [kind, index] = slot[i]!;
      v = vectorsOf(out, kind)[index];
      if (!v) {
        const e = out.errors.find((x) => x.kind === kind && x.index === index);
        throw new MediaError(
          e?.code ?? 'QUERY_FAILED',
          `${p.label} (${kind}) could not be embedded: ${e?.message ?? 'unknown error'}`,
        );
      }
    }
    const unit = l2normalize(v);
    sum ??= new Float64Array(unit.length);
    const w = p.weight * (p.negate ? -1 : 1);
    for (let j = 0; j < unit.length; j++) sum[j] += w * unit[j];
  });
  return l2normalize(Float32Array.from(sum!));
}
