/**
 * Which input kind a file is: a directory's `manifest.jsonl` (as the synthetic world writes) wins,
 * then user overrides (`.png=thermal`), then compound suffixes (`x.depth.png`), then extensions.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { FILE_KINDS, type FileKind } from '../preprocess/loaders.ts';

const SUFFIXES: [RegExp, FileKind][] = [
  [/\.depth\.(png|tiff?|npy|pfm)$/i, 'depth'],
  [/\.pfm$/i, 'depth'],
  [/\.thermal\.(png|jpe?g|tiff?|bmp)$/i, 'thermal'],
  [/\.imu\.(csv|tsv|json|npy)$/i, 'imu'],
];

const EXTENSIONS: Record<string, FileKind> = {
  '.jpg': 'vision',
  '.jpeg': 'vision',
  '.png': 'vision',
  '.webp': 'vision',
  '.gif': 'vision',
  '.bmp': 'vision',
  '.tif': 'vision',
  '.tiff': 'vision',
  '.ppm': 'vision',
  '.pgm': 'vision',
  '.pbm': 'vision',
  '.pnm': 'vision',
  '.tga': 'vision',
  '.ico': 'vision',
  '.wav': 'audio',
  '.mp3': 'audio',
  '.flac': 'audio',
  '.ogg': 'audio',
  '.oga': 'audio',
  '.opus': 'audio',
  '.m4a': 'audio',
  '.aac': 'audio',
  '.aif': 'audio',
  '.aiff': 'audio',
  '.au': 'audio',
  '.mp4': 'video',
  '.mkv': 'video',
  '.webm': 'video',
  '.mov': 'video',
  '.avi': 'video',
  '.m4v': 'video',
  '.csv': 'imu',
  '.tsv': 'imu',
};

export type KindOverrides = ReadonlyMap<string, FileKind>;

/** Parses `--kind-map .png=thermal,.npy=depth`. */
export function parseKindOverrides(spec: string | undefined): KindOverrides {
  const map = new Map<string, FileKind>();
  for (const part of (spec ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [ext, name] = part.split('=');
    // 'image' is what users call the vision encoder's files, here as in manifests.
    const kind = name?.trim().toLowerCase() === 'image' ? 'vision' : name;
    if (!ext || !kind || !(FILE_KINDS as readonly string[]).includes(kind)) {
      throw new ConfigError(
        'BAD_ARGUMENT',
        `bad kind mapping "${part}": use .ext=kind with kind one of ${FILE_KINDS.join(', ')} (image = vision).`,
      );
    }
    map.set(ext.startsWith('.') ? ext.toLowerCase() : `.${ext.toLowerCase()}`, kind as FileKind);
  }
  return map;
}

const manifests = new Map<string, Map<string, FileKind>>();

/** `manifest.jsonl` lines like {"file": "0001-dog.png", "modality": "vision"} (also "path"). */
function manifestKinds(dir: string): Map<string, FileKind> {
  let m = manifests.get(dir);
  if (m) return m;
  m = new Map();
  const file = join(dir, 'manifest.jsonl');
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const row = JSON.parse(line) as { file?: string; path?: string; modality?: string; kind?: string };
        const name = row.file ?? row.path;
        const raw = row.kind ?? row.modality;
        const kind = raw === 'image' ? 'vision' : raw;
        if (name && kind && (FILE_KINDS as readonly string[]).includes(kind))
          m.set(resolve(dir, name), kind as FileKind);
      } catch {
        /* a malformed line only loses its own entry */
      }
    }
  }
  manifests.set(dir, m);
  return m;
}

/** The kind of `path`, or null when it is not a media file we know. */
export function detectKind(path: string, overrides: KindOverrides = new Map()): FileKind | null {
  const fromManifest = manifestKinds(dirname(resolve(path))).get(resolve(path));
  if (fromManifest) return fromManifest;
  const name = basename(path).toLowerCase();
  for (const [ext, kind] of overrides) if (name.endsWith(ext)) return kind;
  for (const [re, kind] of SUFFIXES) if (re.test(name)) return kind;
  return EXTENSIONS[extname(name)] ?? null;
}
