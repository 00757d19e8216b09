/**
 * What one request may ask of the server, each limit named in its error with the flag that raises
 * it. The body limit bounds what is read at all; the per-kind byte budgets bound what one request
 * hands to the decoders of that kind (all its inputs of the kind together); the text limits bound
 * tokenisation (a 30 MB string once held the event loop for 14 s and took 1.6 GB); the input count
 * bounds the work queued for one request.
 */
import { FILE_KINDS, type FileKind, canonicalKindName, isFileKind, userNameOf } from '../core/modalities.ts';
import { ConfigError } from '../core/errors.ts';
import { fail } from './http-errors.ts';

export interface RequestLimits {
  /** Bytes of the whole body (JSON or multipart). `--max-body-mb`. */
  readonly bodyBytes: number;
  /** Decoded bytes of all inputs of one kind in one request. `--max-kind-mb kind=MiB,...`. */
  readonly kindBytes: Readonly<Record<FileKind, number>>;
  /** Characters of one text input. `--max-text-chars`. */
  readonly textChars: number;
  /** Characters of all text inputs of one request (label prompts included). `--max-request-text-chars`. */
  readonly requestTextChars: number;
  /** Inputs (texts, files, item ids, vectors) in one request. `--max-inputs`. */
  readonly inputs: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_KIND_MB: Readonly<Record<FileKind, number>> = {
  vision: 16,
  video: 32,
  audio: 32,
  depth: 16,
  thermal: 16,
  imu: 8,
};

export const DEFAULT_LIMITS: RequestLimits = {
  bodyBytes: 32 * MiB,
  kindBytes: Object.fromEntries(Object.entries(DEFAULT_KIND_MB).map(([k, v]) => [k, v * MiB])) as Record<
    FileKind,
    number
  >,
  textChars: 65_536,
  requestTextChars: 1_048_576,
  inputs: 256,
};

/** The kind names a budget spec accepts: each kind, and the user's name for it where different (image). */
const KIND_NAMES: readonly string[] = FILE_KINDS.flatMap((k) => (userNameOf(k) === k ? [k] : [userNameOf(k), k]));

/** `--max-kind-mb "image=64,audio=128"` → byte budgets, the rest at their defaults. */
export function parseKindBudgets(spec: string | undefined): Record<FileKind, number> {
  const out = { ...DEFAULT_LIMITS.kindBytes };
  if (!spec) return out;
  for (const entry of spec.split(',')) {
    const [name, value] = entry.split('=').map((s) => s.trim());
    const canonical = canonicalKindName(name ?? '');
    const kind = isFileKind(canonical) ? canonical : undefined;
    const mb = Number(value);
    if (!kind || !(mb > 0) || !Number.isFinite(mb))
      throw new ConfigError(
        'BAD_ARGUMENT',
        `--max-kind-mb: "${entry}" is not kind=MiB; use e.g. "image=64,audio=128" (kinds: ${KIND_NAMES.join(', ')}).`,
      );
    out[kind] = Math.floor(mb * MiB);
  }
  return out;
}

function mib(n: number): string {
  return `${(n / MiB).toFixed(n % MiB === 0 ? 0 : 1)} MiB`;
}

/** Counts one request's inputs against the limits; each add throws the 413 that names its limit. */
export class RequestBudget {
  private inputs = 0;
  private textChars = 0;
  private readonly kindBytes = new Map<FileKind, number>();

  constructor(private readonly limits: RequestLimits) {}

  /** One input of any kind (item ids and vectors included). */
  input(label: string): void {
    if (++this.inputs > this.limits.inputs)
      throw fail(
        'TOO_MANY_INPUTS',
        `${label}: the request has more than ${this.limits.inputs} inputs, the limit per request (--max-inputs); split it.`,
      );
  }

  text(label: string, text: string): void {
    this.input(label);
    if (text.length > this.limits.textChars)
      throw fail(
        'TEXT_TOO_LONG',
        `${label} has ${text.length} characters; the limit is ${this.limits.textChars} per text (--max-text-chars). ` +
          'The text encoder reads only the first 77 tokens, so shorten it.',
      );
    this.textChars += text.length;
    if (this.textChars > this.limits.requestTextChars)
      throw fail(
        'TEXT_TOO_LONG',
        `the texts of this request total more than ${this.limits.requestTextChars} characters, the limit per request (--max-request-text-chars); split it.`,
      );
  }

  /** Bytes of a media input of `kind` (already decoded from base64, or a file part). */
  media(label: string, kind: FileKind, bytes: number): void {
    this.input(label);
    this.mediaBytes(label, kind, bytes);
  }

  /** Bytes only, for a file part being read chunk by chunk (counted as an input once, by `media`). */
  mediaBytes(label: string, kind: FileKind, bytes: number): void {
    const total = (this.kindBytes.get(kind) ?? 0) + bytes;
    this.kindBytes.set(kind, total);
    const limit = this.limits.kindBytes[kind];
    if (total > limit)
      throw fail(
        'MEDIA_TOO_LARGE',
        `${label}: the ${userNameOf(kind)} inputs of this request exceed ${mib(limit)}, the ${userNameOf(kind)} budget per request ` +
          `(raise it with --max-kind-mb ${userNameOf(kind)}=<MiB>).`,
      );
  }
}

export function bodyTooLarge(bytes: number | null, limit: number): Error {
  return fail(
    'BODY_TOO_LARGE',
    `the body ${bytes === null ? 'exceeds' : `is ${bytes} bytes; the limit is`} ${limit} bytes (${mib(limit)}; start the server with a larger --max-body-mb).`,
  );
}
