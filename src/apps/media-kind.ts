/**
 * Which input kind a file is: a directory's `manifest.jsonl` (as the synthetic world writes) wins,
 * then user overrides (`.png=thermal`), then compound suffixes (`x.depth.png`), then extensions.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import {
  FILE_KINDS,
  type FileKind,
  canonicalKindName,
  isFileKind,
  kindOfExtension,
  taggedKindOf,
} from '../core/modalities.ts';

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
    const kind = name === undefined ? undefined : canonicalKindName(name);
    if (!ext || !kind || !isFileKind(kind)) {
      throw new ConfigError(
        'BAD_ARGUMENT',
        `bad kind mapping "${part}": use .ext=kind with kind one of ${FILE_KINDS.join(', ')} (image = vision).`,
      );
    }
    map.set(ext.startsWith('.') ? ext.toLowerCase() : `.${ext.toLowerCase()}`, kind);
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
        const kind = raw === undefined ? undefined : canonicalKindName(raw);
        if (name && kind && isFileKind(kind)) m.set(resolve(dir, name), kind);
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
  return taggedKindOf(name) ?? kindOfExtension(extname(name));
}
