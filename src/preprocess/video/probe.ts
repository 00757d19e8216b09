/**
 * Reads what the official decoder (pytorchvideo's decord backend) bases its clip arithmetic on:
 * the number of video packets (decord's `len(VideoReader)`) and the stream's average frame rate
 * (`get_avg_fps()`). Only demuxing happens here, no decoding, so it is cheap even for long files.
 */
import { stat } from 'node:fs/promises';
import { MediaError } from '../../core/errors.ts';
import { ffprobeBinary, runTool, stderrTail, type ToolPaths } from './process.ts';

export interface VideoProbe {
  /** Container stream index of the chosen video stream (for `-map 0:<index>`). */
  streamIndex: number;
  width: number;
  height: number;
  /** Packets in the video stream = decoded frames for ordinary codecs (decord's frame count). */
  frameCount: number;
  /** avg_frame_rate as a double (r_frame_rate when the container leaves it unset). */
  fps: number;
  /** frameCount / fps: the duration decord reports and the clip sampler uses. */
  duration: number;
  codec: string;
}

interface ProbeStream {
  index?: number;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_read_packets?: string;
  disposition?: { attached_pic?: number };
}

function parseRate(r: string | undefined): number {
  if (!r) return NaN;
  const [num, den] = r.split('/').map(Number);
  const v = den === undefined ? num : num / den;
  return Number.isFinite(v) && v > 0 ? v : NaN;
}

/** Fails early, with a precise message, for paths ffprobe would only describe vaguely. */
export async function checkReadableFile(path: string): Promise<void> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile())
      throw new MediaError('FILE_UNREADABLE', `${path}: not a regular file. Pass the path of a video file.`);
    size = s.size;
  } catch (e) {
    if (e instanceof MediaError) throw e;
    throw new MediaError(
      'FILE_UNREADABLE',
      `${path}: cannot read file (${(e as Error).message}). Check the path and permissions.`,
      { cause: e },
    );
  }
  if (size === 0)
    throw new MediaError(
      'FILE_EMPTY',
      `${path}: the file is empty (0 bytes); it was probably not written completely. Re-export or re-download it.`,
    );
}

export async function probeVideo(path: string, opts: ToolPaths & { timeoutMs: number }): Promise<VideoProbe> {
  await checkReadableFile(path);
  const args = [
    '-v',
    'error',
    '-select_streams',
    'v',
    '-count_packets',
    '-show_entries',
    'stream=index,codec_name,width,height,avg_frame_rate,r_frame_rate,nb_read_packets:stream_disposition=attached_pic',
    '-of',
    'json',
    path,
  ];
  const r = await runTool(ffprobeBinary(opts), args, { file: path, timeoutMs: opts.timeoutMs });
  if (r.code !== 0) {
    throw new MediaError(
      'VIDEO_CORRUPT',
      `${path}: not a readable video file (ffprobe: ${stderrTail(r.stderr) || `exit code ${r.code}`}). ` +
        'The file may be truncated, corrupt or not a video; try re-encoding it with ffmpeg -i in -c:v libx264 out.mp4.',
    );
  }
  let streams: ProbeStream[];
  try {
    streams = (JSON.parse(r.stdout.toString('utf8')) as { streams?: ProbeStream[] }).streams ?? [];
  } catch (e) {
    throw new MediaError('VIDEO_CORRUPT', `${path}: ffprobe returned unreadable output; the file may be corrupt.`, {
      cause: e,
    });
  }
  // Cover art in audio files shows up as a one-frame "video" stream; it is not a video.
  const s = streams.find((x) => !x.disposition?.attached_pic);
  if (!s || s.index === undefined) {
    throw new MediaError(
      'VIDEO_NO_STREAM',
      `${path}: contains no video stream${streams.length ? ' (only cover art)' : ''}. ` +
        'Pass a video file; for audio-only files use the audio loader.',
    );
  }
  const width = s.width ?? 0;
  const height = s.height ?? 0;
  const frameCount = Number(s.nb_read_packets ?? 0);
  let fps = parseRate(s.avg_frame_rate);
  if (Number.isNaN(fps)) fps = parseRate(s.r_frame_rate);
  if (!(width > 0 && height > 0)) {
    throw new MediaError(
      'VIDEO_CORRUPT',
      `${path}: the video stream has no frame size (${width}x${height}); the file is probably corrupt. Re-encode it.`,
    );
  }
  if (!(frameCount > 0)) {
    throw new MediaError(
      'VIDEO_TOO_SHORT',
      `${path}: the video stream has no frames. Pass a video with at least one frame.`,
    );
  }
  if (Number.isNaN(fps)) {
    throw new MediaError(
      'VIDEO_CORRUPT',
      `${path}: the video stream declares no frame rate, so clips cannot be timed. ` +
        'Re-mux it with an explicit rate (ffmpeg -r 30 -i in -c copy out.mkv).',
    );
  }
  return {
    streamIndex: s.index,
    width,
    height,
    frameCount,
    fps,
    duration: frameCount / fps,
    codec: s.codec_name ?? 'unknown',
  };
}
