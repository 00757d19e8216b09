/**
 * One constructor for checkpoint errors so every message has the same shape:
 * "<file>: <problem>. <what to do>" with a stable code for callers to branch on.
 */
import { CheckpointError } from '../core/errors.ts';

export function checkpointError(
  code: string,
  file: string,
  problem: string,
  advice?: string,
  cause?: unknown,
): CheckpointError {
  const text = `${file}: ${problem}.${advice ? ` ${advice}` : ''}`;
  return new CheckpointError(code, text, cause === undefined ? undefined : { cause });
}

/** Advice for containers that look damaged rather than unsupported. */
export const REDOWNLOAD = 'The file is probably truncated or corrupt; download or save it again.';

/** Converts a 64-bit field to a Number, refusing values that cannot be exact file offsets. */
export function safeU64(value: bigint, file: string, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw checkpointError('ZIP_CORRUPT', file, `${what} is ${value}, larger than any readable file offset`, REDOWNLOAD);
  }
  return Number(value);
}
