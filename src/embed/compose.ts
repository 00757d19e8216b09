/**
 * Query composition by the paper's embedding arithmetic: embed each input, L2-normalise it,
 * multiply by its weight (negated for "minus" inputs), sum, and normalise. Search (apps/query.ts)
 * and generation both condition on the vector this returns.
 */
import { MediaError } from '../core/errors.ts';
import { l2normalize } from '../core/vector-math.ts';
import { type EmbedBackend, type InputKind, embedInputs } from './embed.ts';

export interface QueryPart {
  readonly kind: InputKind;
  /** Text for `text`, a file path otherwise. */
  readonly input: string;
  readonly weight?: number;
  readonly negate?: boolean;
}

/** Σ ± wᵢ · vᵢ/‖vᵢ‖ over the embedded parts, normalised; throws naming any part that failed. */
export async function composeQuery(model: EmbedBackend, parts: readonly QueryPart[]): Promise<Float32Array> {
  if (parts.length === 0)
    throw new MediaError(
      'QUERY_EMPTY',
      'no query: give at least one of --text, --image, --audio, --video, --depth, --thermal, --imu.',
    );
  let sum: Float64Array | null = null;
  for (const p of parts) {
    const out = await embedInputs(model, { [p.kind]: [p.input] });
    const v = out[p.kind]?.[0];
    if (!v) {
      const e = out.errors[0];
      throw new MediaError(
        e?.code ?? 'QUERY_FAILED',
        `query ${p.kind} input could not be embedded: ${e?.message ?? p.input}`,
      );
    }
    const unit = l2normalize(v);
    sum ??= new Float64Array(unit.length);
    const w = (p.weight ?? 1) * (p.negate ? -1 : 1);
    for (let i = 0; i < unit.length; i++) sum[i] += w * unit[i];
  }
  return l2normalize(Float32Array.from(sum!));
}
