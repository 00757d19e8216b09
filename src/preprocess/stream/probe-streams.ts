/**
 * Which streams a media file has, and how long it is, read by ffprobe from the container (no
 * decoding): enough to plan windows and to say early that a file has no audio (or no picture).
 */
import { MediaError } from '../../core/errors.ts';
import { checkReadableFile } from '../video/probe.ts';
import { ffprobeBinary, runTool, stderrTail, type ToolPaths } from '../video/process.ts';

export interface StreamInfo {
  /** Container stream index (for `-map 0:<index>`). */
  readonly index: number;
  readonly codec: string;
}

export interface MediaStreams {
  /** Seconds, from the container (null when it declares none). */
  readonly duration: number | null;
  readonly audio: StreamInfo | null;
  /** The first video stream that is not cover art. */
  readonly video: (StreamInfo & { width: number; height: number }) | null;
}

interface ProbeJson {
  streams?: {
    index?: number;
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    disposition?: { attached_pic?: number };
  }[];
  format?: { duration?: string };
}

export async function probeStreams(path: string, opts: ToolPaths & { timeoutMs?: number } = {}): Promise<MediaStreams> {
  await checkReadableFile(path);
  const r = await runTool(
    ffprobeBinary(opts),
    [
      '-v',
      'error',
      '-show_entries',
      'stream=index,codec_type,codec_name,width,height:stream_disposition=attached_pic:format=duration',
      '-of',
      'json',
      path,
    ],
    { file: path, timeoutMs: opts.timeoutMs ?? 60_000 },
  );
  if (r.code !== 0) {
    throw new MediaError(
      'MEDIA_CORRUPT',
      `${path}: not a readable media file (ffprobe: ${stderrTail(r.stderr) || `exit code ${r.code}`}). Re-encode it with ffmpeg.`,
    );
  }
  let info: ProbeJson;
  try {
    info = JSON.parse(r.stdout.toString('utf8')) as ProbeJson;
  } catch (e) {
    throw new MediaError('MEDIA_CORRUPT', `${path}: ffprobe returned unreadable output; the file may be corrupt.`, {
      cause: e,
    });
  }
  const streams = info.streams ?? [];
  const a = streams.find((s) => s.codec_type === 'audio' && s.index !== undefined);
  const v = streams.find(
    (s) => s.codec_type === 'video' && s.index !== undefined && !s.disposition?.attached_pic && (s.width ?? 0) > 0,
  );
  const d = Number(info.format?.duration);
  return {
    duration: Number.isFinite(d) && d > 0 ? d : null,
    audio: a ? { index: a.index!, codec: a.codec_name ?? 'unknown' } : null,
    video: v ? { index: v.index!, codec: v.codec_name ?? 'unknown', width: v.width!, height: v.height ?? 0 } : null,
  };
}
