/**
 * Client-side guess of a file's kind, mirroring the server's name rules (`x.depth.png`,
 * `x.thermal.png`, `x.imu.csv`, then extension / MIME type), so a chip can show its kind before
 * anything is uploaded; the user can still override it.
 */
import type { IconName } from './icons.ts';
import type { Kind, QueryKind } from './api.ts';

export const KIND_LABEL: Record<QueryKind, string> = {
  vision: 'Image',
  audio: 'Audio',
  video: 'Video',
  depth: 'Depth',
  thermal: 'Thermal',
  imu: 'IMU',
  text: 'Text',
};

export const KIND_ICON: Record<QueryKind, IconName> = {
  vision: 'image',
  audio: 'audio',
  video: 'video',
  depth: 'depth',
  thermal: 'thermal',
  imu: 'imu',
  text: 'text',
};

const SUFFIXES: [RegExp, Kind][] = [
  [/\.depth\.(png|tiff?|npy|pfm)$/i, 'depth'],
  [/\.pfm$/i, 'depth'],
  [/\.thermal\.(png|jpe?g|tiff?|bmp)$/i, 'thermal'],
  [/\.imu\.(csv|tsv|json|npy)$/i, 'imu'],
  [/\.(jpe?g|png|webp|gif|bmp|tiff?)$/i, 'vision'],
  [/\.(wav|mp3|flac|ogg|oga|opus|m4a|aac)$/i, 'audio'],
  [/\.(mp4|mkv|webm|mov|avi|m4v)$/i, 'video'],
  [/\.(csv|tsv)$/i, 'imu'],
];

export function guessKind(name: string, mime = ''): Kind | null {
  for (const [re, kind] of SUFFIXES) if (re.test(name)) return kind;
  if (mime.startsWith('image/')) return 'vision';
  if (mime.startsWith('audio/')) return 'audio';
  if (mime.startsWith('video/')) return 'video';
  return null;
}

/** Kinds whose files a browser can show as a picture. */
export function isPictureKind(kind: QueryKind): boolean {
  return kind === 'vision' || kind === 'depth' || kind === 'thermal';
}
