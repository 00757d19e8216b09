/** Test-only helpers: small videos made by ffmpeg at test time, so no fixtures are committed. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const hasFfmpeg = ((): boolean => {
  const a = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' });
  const b = spawnSync('ffprobe', ['-version'], { stdio: 'ignore' });
  return a.status === 0 && b.status === 0;
})();

export const skipNoFfmpeg = hasFfmpeg ? false : 'ffmpeg/ffprobe not installed (apt-get install ffmpeg)';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs ffmpeg quietly, overwriting `out`; throws with ffmpeg's stderr on failure. */
export function makeMedia(out: string, args: readonly string[]): string {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args, out], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`ffmpeg failed making ${out}: ${r.stderr}`);
  return out;
}

/**
 * A lossless (FFV1, planar RGB) video whose pixels are given per channel by ffmpeg `geq`
 * expressions in X, Y and N (frame index), so tests know every decoded value exactly.
 */
export function makeGeqVideo(
  out: string,
  o: { w: number; h: number; fps: number; seconds: number; r: string; g: string; b: string },
): string {
  const src = `color=c=black:s=${o.w}x${o.h}:r=${o.fps}:d=${o.seconds},format=gbrp,geq=r='${o.r}':g='${o.g}':b='${o.b}'`;
  return makeMedia(out, ['-f', 'lavfi', '-i', src, '-c:v', 'ffv1', '-pix_fmt', 'gbrp']);
}
