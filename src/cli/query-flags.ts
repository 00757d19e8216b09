/**
 * The query flags search and generate share: --text/--image/--audio/--video/--depth/--thermal/
 * --imu (repeatable), "minus" forms (--minus --text x), and --weights for the positive inputs in
 * command-line order. Both commands compose the inputs with the same arithmetic (embed/compose.ts).
 */
import type { Command } from 'commander';
import { ConfigError } from '../core/errors.ts';
import type { QueryPart } from '../embed/compose.ts';
import type { InputKind } from '../embed/embed.ts';

/** Flag, input kind, and what the value is (with its article, for "subtract an image file"). */
export const QUERY_FLAGS: [string, InputKind, string][] = [
  ['text', 'text', 'a text query'],
  ['image', 'vision', 'an image file'],
  ['audio', 'audio', 'an audio file'],
  ['video', 'video', 'a video file'],
  ['depth', 'depth', 'a depth map'],
  ['thermal', 'thermal', 'a thermal image'],
  ['imu', 'imu', 'an IMU log'],
];

/** `--minus --text x` → `--minus-text x`, so "minus" can prefix any query flag. */
export function rewriteArgv(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (argv[i] === '--minus' && next && QUERY_FLAGS.some(([f]) => next === `--${f}`)) {
      out.push(`--minus-${next.slice(2)}`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}

/** Adds the query flags to `cmd`; the returned function gives the parts, weighted by `--weights`. */
export function addQueryFlags(cmd: Command, flags: readonly [string, InputKind, string][] = QUERY_FLAGS) {
  const parts: { kind: InputKind; input: string; negate: boolean }[] = [];
  for (const [flag, kind, what] of flags) {
    cmd.option(`--${flag} <${flag === 'text' ? 'text' : 'file'}>`, `${what.replace(/^an? /, '')} (repeatable)`);
    cmd.option(
      `--minus-${flag} <${flag === 'text' ? 'text' : 'file'}>`,
      `subtract ${what} (also: --minus --${flag} ...)`,
    );
    cmd.on(`option:${flag}`, (v: string) => parts.push({ kind, input: v, negate: false }));
    cmd.on(`option:minus-${flag}`, (v: string) => parts.push({ kind, input: v, negate: true }));
  }
  return (weightsFlag: string | undefined): QueryPart[] => {
    const positives = parts.filter((p) => !p.negate);
    const weights = weightsFlag?.split(',').map(Number) ?? [];
    if (weights.some((w) => !Number.isFinite(w)))
      throw new ConfigError('BAD_ARGUMENT', `--weights must be numbers, got "${weightsFlag}".`);
    if (weights.length > positives.length)
      throw new ConfigError(
        'BAD_ARGUMENT',
        `--weights has ${weights.length} values but there are ${positives.length} query inputs.`,
      );
    return parts.map((p) => ({
      kind: p.kind,
      input: p.input,
      negate: p.negate,
      weight: p.negate ? 1 : (weights[positives.indexOf(p)] ?? 1),
    }));
  };
}
