/** Parsing helpers shared by CLI commands; each turns a bad flag into an actionable error. */
import { ConfigError } from '../core/errors.ts';
import { MODALITIES, type Modality, canonicalKindName, isInputKind, userNameOf } from '../core/modalities.ts';

/** "vision (or image), text, ...": the choices as an error message lists them. */
function choices(allowed: readonly string[]): string {
  return allowed.map((m) => (isInputKind(m) && userNameOf(m) !== m ? `${m} (or ${userNameOf(m)})` : m)).join(', ');
}

/**
 * One modality name from `allowed` (default: the six encoders). The vision encoder's inputs are
 * images (and video), so `image` is accepted wherever `vision` is, in every command
 * (core/modalities.ts lists the aliases).
 */
export function parseModality<T extends string = Modality>(
  s: string,
  allowed: readonly T[] = MODALITIES as unknown as readonly T[],
  flag = '--modality',
): T {
  const name = canonicalKindName(s);
  if (!(allowed as readonly string[]).includes(name))
    throw new ConfigError('BAD_ARGUMENT', `${flag}: unknown modality "${s}"; use one of: ${choices(allowed)}.`);
  return name as T;
}

/** A comma-separated list of modality names, each as parseModality takes it, without repeats. */
export function parseModalityList<T extends string = Modality>(
  s: string,
  allowed: readonly T[] = MODALITIES as unknown as readonly T[],
  flag = '--modalities',
): T[] {
  const list = s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  if (list.length === 0) throw new ConfigError('BAD_ARGUMENT', `${flag} is empty; use e.g. vision,text,audio.`);
  return [...new Set(list.map((m) => parseModality(m, allowed, flag)))];
}

export function parsePositiveInt(name: string) {
  return (s: string): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n <= 0)
      throw new ConfigError('BAD_ARGUMENT', `${name} must be a positive integer, got "${s}".`);
    return n;
  };
}

/** A repeatable option's collector: `--text a --text b` → ['a', 'b'] (no default, so help shows none). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
