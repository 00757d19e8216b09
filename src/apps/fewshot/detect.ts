/**
 * Which input kind a file is, from its name (and, for .csv/.json, its header): the few-shot
 * manifest and the CLI take mixed files without a per-file flag. Multi-part suffixes
 * (`x.depth.png`, `x.thermal.png`, `x.imu.csv`) are checked before plain extensions because a
 * depth map is also a valid PNG image.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { ConfigError } from '../../core/errors.ts';
import type { InputKind } from '../../embed/embed.ts';
import { chooseColumns } from '../../preprocess/imu/columns.ts';
import { parseCsv, parseJson } from '../../preprocess/imu/parse.ts';

const BY_EXT: Record<string, InputKind> = {
  '.jpg': 'vision', '.jpeg': 'vision', '.png': 'vision', '.webp': 'vision', '.gif': 'vision', '.bmp': 'vision', '.tif': 'vision', '.tiff': 'vision',
  '.wav': 'audio', '.mp3': 'audio', '.flac': 'audio', '.ogg': 'audio', '.m4a': 'audio', '.opus': 'audio',
  '.mp4': 'video', '.mkv': 'video', '.webm': 'video', '.mov': 'video', '.avi': 'video',
  '.pfm': 'depth',
};

const ALIASES: Record<string, InputKind> = {
  text: 'text', vision: 'vision', image: 'vision', audio: 'audio', video: 'video', depth: 'depth', thermal: 'thermal', imu: 'imu',
};

/** An explicit modality name (manifest column or flag) → input kind; `image` means vision. */
export function parseInputKind(name: string, where: string): InputKind {
  const k = ALIASES[name.trim().toLowerCase()];
  if (!k) throw new ConfigError('FEWSHOT_BAD_MODALITY', `${where}: unknown modality "${name}"; use one of: ${Object.keys(ALIASES).join(', ')}.`);
  return k;
}

/** The kind implied by the file name alone, or undefined when the content must decide. */
export function kindFromName(path: string): InputKind | 'maybe-imu' | undefined {
  const name = basename(path).toLowerCase();
  if (/\.depth\.(png|npy)$/.test(name)) return 'depth';
  if (/\.thermal\.png$/.test(name)) return 'thermal';
  if (/\.imu\.[a-z0-9]+$/.test(name)) return 'imu';
  const ext = extname(name);
  if (ext === '.csv' || ext === '.tsv' || ext === '.json') return 'maybe-imu';
  return BY_EXT[ext];
}

async function hasImuColumns(path: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    // Unreadable: call it IMU and let the loader report the real problem for this file.
    return true;
  }
  try {
    const table = extname(path).toLowerCase() === '.json' ? parseJson(text, path) : parseCsv(text, path);
    chooseColumns(table.headers, path);
    return true;
  } catch {
    return false;
  }
}

/** The input kind of a file; throws a `ConfigError` naming the file when it cannot tell. */
export async function detectKind(path: string): Promise<InputKind> {
  const k = kindFromName(path);
  if (k === 'maybe-imu' && (await hasImuColumns(path))) return 'imu';
  if (k !== undefined && k !== 'maybe-imu') return k;
  throw new ConfigError('FEWSHOT_UNKNOWN_MODALITY', `${path}: cannot tell the modality from the name` +
    (k === 'maybe-imu' ? ' (a .csv/.json without accelerometer and gyroscope columns)' : '') +
    '. Give it explicitly (manifest "modality" field) or rename it (e.g. x.depth.png, x.thermal.png, x.imu.csv).');
}
