/** Parsing helpers shared by CLI commands; each turns a bad flag into an actionable error. */
import { ConfigError } from '../core/errors.ts';
import { MODALITIES, type Modality, isModality } from '../model/config.ts';

export function parseModality(s: string, allowed: readonly string[] = MODALITIES): Modality {
  if (!isModality(s) || !allowed.includes(s)) {
    throw new ConfigError('BAD_ARGUMENT', `unknown modality "${s}"; use one of: ${allowed.join(', ')}.`);
  }
  return s;
}

export function parseModalityList(s: string): Modality[] {
  const list = s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  if (list.length === 0) throw new ConfigError('BAD_ARGUMENT', `--modalities is empty; use e.g. vision,text,audio.`);
  return [...new Set(list.map((m) => parseModality(m)))];
}

export function parsePositiveInt(name: string) {
  return (s: string): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n <= 0)
      throw new ConfigError('BAD_ARGUMENT', `${name} must be a positive integer, got "${s}".`);
    return n;
  };
}
