/**
 * Timelines (timeline.ts) as files: a 16-bit 16 kHz WAV written ten seconds at a time, and an MP4
 * (H.264, with the WAV as its AAC sound, or silent) whose frames are piped to ffmpeg one by one.
 * Memory stays flat whatever the duration; everything is written under a temporary name first.
 */
import { spawn } from 'node:child_process';
import { open, rename, rm } from 'node:fs/promises';
import { AUDIO_RATE } from './render-audio.ts';
import { type Timeline, renderTimelineAudio, renderTimelineFrame } from './timeline.ts';

const CHUNK_SECONDS = 10;

function wavHeader(samples: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + samples * 2, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(AUDIO_RATE, 24);
  h.writeUInt32LE(AUDIO_RATE * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(samples * 2, 40);
  return h;
}

export async function writeTimelineWav(tl: Timeline, path: string): Promise<void> {
  const total = Math.round(tl.duration * AUDIO_RATE);
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.write(wavHeader(total), 0, 44, 0);
    let offset = 44;
    for (let t = 0; t < tl.duration; t += CHUNK_SECONDS) {
      const wave = renderTimelineAudio(tl, t, Math.min(tl.duration, t + CHUNK_SECONDS));
      const pcm = Buffer.alloc(wave.length * 2);
      for (let i = 0; i < wave.length; i++) pcm.writeInt16LE(Math.round(wave[i] * 32767), i * 2);
      await fh.write(pcm, 0, pcm.length, offset);
      offset += pcm.length;
    }
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

export interface VideoFileOptions {
  /** Frames per second (default 2). */
  readonly fps?: number;
  readonly size?: number;
  /** A WAV of the same timeline to use as the sound track; none gives a silent video. */
  readonly wav?: string;
  readonly ffmpegPath?: string;
}

export async function writeTimelineVideo(tl: Timeline, path: string, opts: VideoFileOptions = {}): Promise<void> {
  const fps = opts.fps ?? 2,
    size = opts.size ?? 224;
  const tmp = `${path}.tmp-${process.pid}.mp4`;
  const args = ['-nostdin', '-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${size}x${size}`];
  args.push('-r', String(fps), '-i', 'pipe:0');
  if (opts.wav) args.push('-i', opts.wav, '-c:a', 'aac', '-b:a', '96k');
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-t', String(tl.duration), tmp);
  const child = spawn(opts.ffmpegPath ?? process.env.IMAGEBIND_FFMPEG ?? 'ffmpeg', args, {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4096)));
  const done = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const frames = Math.ceil(tl.duration * fps);
  try {
    for (let j = 0; j < frames; j++) {
      const img = renderTimelineFrame(tl, (j + 0.5) / fps, j, size);
      if (!child.stdin.write(img.data)) await new Promise((r) => child.stdin.once('drain', r));
    }
  } finally {
    child.stdin.end();
  }
  const code = await done;
  if (code !== 0) {
    await rm(tmp, { force: true });
    throw new Error(`ffmpeg could not write ${path}: ${stderr.trim().split('\n').pop() ?? `exit ${code}`}`);
  }
  await rename(tmp, path);
}
