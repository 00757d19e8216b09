/**
 * Decodes chosen frames (by index in presentation order, as decord numbers them) with one
 * ffmpeg run: the `select` filter drops every other frame inside ffmpeg, raw RGB24 comes back on
 * stdout, and each frame is handed to `onFrame` as soon as it is complete. Memory therefore
 * stays at one raw frame plus whatever `onFrame` keeps, whatever the video's length, and
 * ffmpeg stops (`-frames:v`) right after the last wanted frame.
 */
import { MediaError } from '../../core/errors.ts';
import type { VideoProbe } from './probe.ts';
import { ffmpegBinary, runTool, stderrTail, type ToolPaths } from './process.ts';

export interface DecodeOptions extends ToolPaths {
  timeoutMs: number;
}

/**
 * Calls `onFrame(index, rgb)` once per distinct index in `indices`, in increasing order.
 * `rgb` is H×W×3 uint8 and is only valid during the call.
 */
export async function decodeFrames(
  path: string,
  probe: VideoProbe,
  indices: readonly number[],
  onFrame: (index: number, rgb: Uint8Array) => void,
  opts: DecodeOptions,
): Promise<void> {
  const wanted = [...new Set(indices)].sort((a, b) => a - b);
  if (wanted.length === 0) return;
  const frameBytes = probe.width * probe.height * 3;
  const select = wanted.map((i) => `eq(n,${i})`).join('+');
  const args = [
    '-nostdin',
    '-hide_banner',
    '-v',
    'error',
    // decord ignores rotation metadata and returns pixels as stored.
    '-noautorotate',
    '-i',
    path,
    '-map',
    `0:${probe.streamIndex}`,
    '-an',
    '-sn',
    '-dn',
    '-vf',
    `select='${select}'`,
    // One output frame per selected input frame: no duplication or dropping by timestamps.
    '-fps_mode',
    'passthrough',
    '-frames:v',
    String(wanted.length),
    '-pix_fmt',
    'rgb24',
    '-f',
    'rawvideo',
    'pipe:1',
  ];
  const frame = new Uint8Array(frameBytes);
  let filled = 0;
  let got = 0;
  const r = await runTool(ffmpegBinary(opts), args, {
    file: path,
    timeoutMs: opts.timeoutMs,
    onStdout: (chunk) => {
      let pos = 0;
      while (pos < chunk.length) {
        if (got >= wanted.length) {
          throw new MediaError(
            'VIDEO_DECODE_FAILED',
            `${path}: ffmpeg returned more frame data than requested ` +
              `(frames of ${probe.width}x${probe.height} expected); the frame size may change mid-stream. Re-encode the video.`,
          );
        }
        const take = Math.min(frameBytes - filled, chunk.length - pos);
        frame.set(chunk.subarray(pos, pos + take), filled);
        filled += take;
        pos += take;
        if (filled === frameBytes) {
          onFrame(wanted[got], frame);
          got++;
          filled = 0;
        }
      }
    },
  });
  if (r.code !== 0) {
    throw new MediaError(
      'VIDEO_CORRUPT',
      `${path}: ffmpeg could not decode the video (${stderrTail(r.stderr) || `exit code ${r.code}`}). ` +
        'The file may be truncated or corrupt; try re-encoding it (ffmpeg -i in -c:v libx264 out.mp4).',
    );
  }
  if (got !== wanted.length || filled !== 0) {
    throw new MediaError(
      'VIDEO_DECODE_FAILED',
      `${path}: decoded ${got} of the ${wanted.length} frames needed ` +
        `(frame ${wanted[got] ?? '?'} of ${probe.frameCount} missing${r.stderr ? `; ffmpeg: ${stderrTail(r.stderr)}` : ''}). ` +
        'Some frames could not be decoded, so the file is probably damaged; re-encode it (ffmpeg -i in -c:v libx264 out.mp4).',
    );
  }
}
