/**
 * A debug log for facts a user may want when results surprise them (which decoder served a file,
 * ...). Silent unless IMAGEBIND_DEBUG is set (the CLI's --debug sets it); lines go to stderr.
 * Browser-safe: without `process` it does nothing.
 */
type Env = { process?: { env?: Record<string, string | undefined>; stderr?: { write(s: string): unknown } } };

export function debugEnabled(): boolean {
  const v = (globalThis as Env).process?.env?.IMAGEBIND_DEBUG;
  return v !== undefined && v !== '' && v !== '0';
}

/** Writes `debug [topic]: message` to stderr when debugging is on. */
export function debugLog(topic: string, message: string): void {
  if (debugEnabled()) (globalThis as Env).process?.stderr?.write(`debug [${topic}]: ${message}\n`);
}
