/**
 * Which input kind a file is, from its name (and, for .csv/.json, its header): the few-shot
 * manifest and the CLI take mixed files without a per-file flag. Names go through the shared
 * detector (`apps/media-kind.ts`: compound suffixes such as x.depth.png before extensions).
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { ConfigError } from '../../core/errors.ts';
import { detectKind as detectMediaKind } from '../media-kind.ts';
import type { InputKind } from '../../embed/embed.ts';
import { chooseColumns } from '../../preprocess/imu/columns.ts';
import { parseCsv, parseJson } from '../../preprocess/imu/parse.ts';

const ALIASES: Record<string, InputKind> = {
  text: 'text',
  vision: 'vision',
  image: 'vision',
  audio: 'audio',
  video: 'video',
  depth: 'depth',
  thermal: 'thermal',
  imu: 'imu',
};

/** An explicit modality name (manifest column or flag) → input kind; `image` means vision. */
export function parseInputKind(name: string, where: string): InputKind {
  const k = ALIASES[name.trim().toLowerCase()];
  if (!k)
    throw new ConfigError(
      'FEWSHOT_BAD_MODALITY',
      `${where}: unknown modality "${name}"; use one of: ${Object.keys(ALIASES).join(', ')}.`,
    );
  return k;
}

/**
 * The kind implied by the name (or by a `manifest.jsonl` beside it, via the shared detector), or
 * 'maybe-imu' for a plain .csv/.tsv/.json, whose header must decide: a CSV of anything else
 * should be refused rather than fed to the IMU loader.
 */
export function kindFromName(path: string): InputKind | 'maybe-imu' | undefined {
  const name = basename(path).toLowerCase();
  if (!/\.imu\.[a-z0-9]+$/.test(name) && ['.csv', '.tsv', '.json'].includes(extname(name))) {
    const known = detectMediaKind(path);
    return known === 'imu' || known === null ? 'maybe-imu' : known;
  }
  return detectMediaKind(path) ?? undefined;
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
  throw new ConfigError(
    'FEWSHOT_UNKNOWN_MODALITY',
    `${path}: cannot tell the modality from the name` +
      (k === 'maybe-imu' ? ' (a .csv/.json without accelerometer and gyroscope columns)' : '') +
      '. Give it explicitly (manifest "modality" field) or rename it (e.g. x.depth.png, x.thermal.png, x.imu.csv).',
  );
}
