/** Parsing helpers shared by CLI commands; each turns a bad flag into an actionable error. */
import { ConfigError } from '../core/errors.ts';
import { MODALITIES, type Modality } from '../model/config.ts';

/**
 * Modality names as users write them. The vision encoder's inputs are images (and video), so
 * `image` is accepted wherever `vision` is, in every command (search's flags say --image too).
 */
export function canonicalModalityName(s: string): string {
  const name = s.trim().toLowerCase();
  return name === 'image' || name === 'images' ? 'vision' : name;
}

/** "vision (or image), text, ...": the choices as an error message lists them. */
function choices(allowed: readonly string[]): string {
  return allowed.map((m) => (m === 'vision' ? 'vision (or image)' : m)).join(', ');
}

/** One modality name from `allowed` (default: the six encoders); `image` means `vision`. */
export function parseModality<T extends string = Modality>(
  s: string,
  allowed: readonly T[] = MODALITIES as unknown as readonly T[],
  flag = '--modality',
): T {
  const name = canonicalModalityName(s);
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
