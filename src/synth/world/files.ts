/**
 * Writes world samples as ordinary files (PNG, WAV, 16-bit depth PNG, thermal PNG, IMU CSV,
 * caption text, optional MP4) plus a `manifest.jsonl`, so the file loaders, indexers and CLI can be
 * exercised on data whose class is known.
 */
import { spawn } from 'node:child_process';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '../../core/random.ts';
import { encodeWav } from '../../preprocess/audio/index.ts';
import { IMU_CHANNELS } from '../../preprocess/imu/index.ts';
import { encodePng } from './png.ts';
import { hashInts } from './rand.ts';
import { AUDIO_RATE } from './render-audio.ts';
import { depthToMillimetres } from './render-depth.ts';
import { IMAGE_SIZE, renderVideoFrames, type RawRgb } from './render-image.ts';
import { IMU_RATE, IMU_STEPS } from './render-imu.ts';
import type { Sample } from './world.ts';

export const FILE_MODALITIES = ['image', 'audio', 'depth', 'thermal', 'imu', 'text', 'video'] as const;
export type FileModality = (typeof FILE_MODALITIES)[number];

/** Suffix (after the sample's base name) per modality: the modality is detectable from the name. */
export const FILE_SUFFIX: Readonly<Record<FileModality, string>> = {
  image: '.png',
  audio: '.wav',
  depth: '.depth.png',
  thermal: '.thermal.png',
  imu: '.imu.csv',
  text: '.txt',
  video: '.mp4',
};

export interface ManifestEntry {
  file: string;
  modality: FileModality;
  index: number;
  classId: number;
  className: string;
  /** Present on text entries. */
  caption?: string;
}

export interface WriteOptions {
  /** Frames in the video file (8 fps; default 16, i.e. 2 s). */
  videoFrames?: number;
  /** Receives non-fatal problems (no ffmpeg). */
  onWarning?: (message: string) => void;
}

export function baseName(sample: Pick<Sample, 'index' | 'className'>): string {
  return `${String(sample.index).padStart(4, '0')}-${sample.className.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
}

export function imuCsv(imu: Float32Array): string {
  const lines = [['t', ...IMU_CHANNELS].join(',')];
  for (let i = 0; i < IMU_STEPS; i++) {
    const row = [(i / IMU_RATE).toFixed(4)];
    for (let k = 0; k < 6; k++) row.push(imu[k * IMU_STEPS + i].toPrecision(7));
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}

function encodeVideo(frames: readonly RawRgb[], path: string, fps: number): Promise<boolean> {
  return new Promise((resolve) => {
    const args = [
      '-loglevel',
      'error',
      '-y',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-s',
      `${IMAGE_SIZE}x${IMAGE_SIZE}`,
      '-r',
      String(fps),
      '-i',
      '-',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      '-crf',
      '18',
      path,
    ];
    const p = spawn('ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    p.on('error', () => resolve(false));
    p.on('close', (code) => resolve(code === 0));
    p.stdin.on('error', () => undefined);
    for (const f of frames) p.stdin.write(f.data);
    p.stdin.end();
  });
}

/**
 * Writes the chosen modalities of `sample` into `dir` and appends their entries to
 * `dir/manifest.jsonl`. Returns the entries actually written (video is skipped with a warning
 * when ffmpeg is missing or fails).
 */
export async function writeSampleFiles(
  dir: string,
  sample: Sample,
  modalities: readonly FileModality[] = FILE_MODALITIES,
  opts: WriteOptions = {},
): Promise<ManifestEntry[]> {
  await mkdir(dir, { recursive: true });
  const base = baseName(sample);
  const written: ManifestEntry[] = [];
  const S = IMAGE_SIZE;
  for (const m of modalities) {
    const file = base + FILE_SUFFIX[m];
    const path = join(dir, file);
    switch (m) {
      case 'image':
        await writeFile(path, encodePng(S, S, { kind: 'rgb8', data: sample.image.data }));
        break;
      case 'audio':
        await writeFile(path, encodeWav([sample.audio], AUDIO_RATE, { bits: 16 }));
        break;
      case 'depth':
        await writeFile(path, encodePng(S, S, { kind: 'grey16', data: depthToMillimetres(sample.depth) }));
        break;
      case 'thermal':
        await writeFile(path, encodePng(S, S, { kind: 'grey8', data: sample.thermal }));
        break;
      case 'imu':
        await writeFile(path, imuCsv(sample.imu));
        break;
      case 'text':
        await writeFile(path, sample.caption + '\n');
        break;
      case 'video': {
        const fps = 8;
        const frames = renderVideoFrames(
          sample.scene,
          new Rng(hashInts(sample.index, sample.classId, 0x766964)),
          opts.videoFrames ?? 16,
          1 / fps,
        );
        if (!(await encodeVideo(frames, path, fps))) {
          opts.onWarning?.(
            `${path}: not written (ffmpeg with libx264 is missing or failed); install ffmpeg to get video files.`,
          );
          continue;
        }
        break;
      }
    }
    written.push({
      file,
      modality: m,
      index: sample.index,
      classId: sample.classId,
      className: sample.className,
      ...(m === 'text' ? { caption: sample.caption } : {}),
    });
  }
  if (written.length > 0)
    await appendFile(join(dir, 'manifest.jsonl'), written.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return written;
}
