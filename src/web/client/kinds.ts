/**
 * Client-side guess of a file's kind by the server's own name rules (`x.depth.png`,
 * `x.thermal.png`, `x.imu.csv`, then extension; core/modalities.ts holds them), then the MIME
 * type, so a chip can show its kind before anything is uploaded; the user can still override it.
 */
import { FILE_KINDS, kindOfFileName, labelOf, userNameOf } from '../../core/modalities.ts';
import type { IconName } from './icons.ts';
import type { Kind, QueryKind } from './api.ts';

const QUERY_KINDS: readonly QueryKind[] = [...FILE_KINDS, 'text'];

export const KIND_LABEL = Object.fromEntries(QUERY_KINDS.map((k) => [k, labelOf(k)])) as Readonly<
  Record<QueryKind, string>
>;

/** Icons are named as users name the kinds (`image` for vision). */
export const KIND_ICON = Object.fromEntries(QUERY_KINDS.map((k) => [k, userNameOf(k) as IconName])) as Readonly<
  Record<QueryKind, IconName>
>;

export function guessKind(name: string, mime = ''): Kind | null {
  const byName = kindOfFileName(name);
  if (byName) return byName;
  if (mime.startsWith('image/')) return 'vision';
  if (mime.startsWith('audio/')) return 'audio';
  if (mime.startsWith('video/')) return 'video';
  return null;
}

/** Kinds whose files a browser can show as a picture. */
export function isPictureKind(kind: QueryKind): boolean {
  return kind === 'vision' || kind === 'depth' || kind === 'thermal';
}
