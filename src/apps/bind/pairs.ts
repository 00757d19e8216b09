/**
 * (image, sensor file) pairs for binding a new modality: from a manifest (CSV `image,sensor` or
 * JSONL `{"image", "sensor"}`, paths relative to the manifest) or from a folder, where files that
 * share a stem (`0001.jpg` + `0001.thermal.png`) in the same directory are a pair. Anything that
 * does not pair up is reported, never silently dropped.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { TrainingError } from '../../core/errors.ts';
import type { FileKind } from '../../preprocess/loaders.ts';
import { discoverFiles } from '../discover.ts';
import type { KindOverrides } from '../media-kind.ts';

export interface Pair {
  readonly image: string;
  readonly sensor: string;
}

export interface PairProblem {
  readonly path: string;
  readonly message: string;
}

function fromManifest(file: string): { pairs: Pair[]; problems: PairProblem[] } {
  const dir = dirname(resolve(file));
  const pairs: Pair[] = [];
  const problems: PairProblem[] = [];
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  lines.forEach((line, i) => {
    const text = line.trim();
    if (!text || text.startsWith('#') || /^image\s*,\s*sensor$/i.test(text)) return;
    let image: string | undefined, sensor: string | undefined;
    if (text.startsWith('{')) {
      try {
        ({ image, sensor } = JSON.parse(text) as { image?: string; sensor?: string });
      } catch {
        problems.push({ path: `${file}:${i + 1}`, message: 'not valid JSON' });
        return;
      }
    } else [image, sensor] = text.split(',').map((s) => s.trim());
    if (!image || !sensor) {
      problems.push({ path: `${file}:${i + 1}`, message: 'needs both an image and a sensor path' });
      return;
    }
    const abs = { image: resolve(dir, image), sensor: resolve(dir, sensor) };
    const missing = [abs.image, abs.sensor].filter((p) => !existsSync(p));
    if (missing.length > 0)
      problems.push({ path: `${file}:${i + 1}`, message: `missing file ${missing.join(' and ')}` });
    else pairs.push(abs);
  });
  return { pairs, problems };
}

async function fromFolder(
  dir: string,
  sensorKind: FileKind,
  overrides?: KindOverrides,
): Promise<{ pairs: Pair[]; problems: PairProblem[] }> {
  const groups = new Map<string, { image?: string; sensor?: string; extra: string[] }>();
  for (const f of await discoverFiles([dir], overrides)) {
    const key = `${dirname(f.path)}/${basename(f.path).split('.')[0]}`;
    const g = groups.get(key) ?? { extra: [] };
    const slot = f.kind === 'vision' ? 'image' : f.kind === sensorKind ? 'sensor' : null;
    if (slot && !g[slot]) g[slot] = f.path;
    else g.extra.push(f.path);
    groups.set(key, g);
  }
  const pairs: Pair[] = [];
  const problems: PairProblem[] = [];
  for (const [key, g] of [...groups].sort()) {
    if (g.image && g.sensor) pairs.push({ image: g.image, sensor: g.sensor });
    else if (g.image || g.sensor)
      problems.push({
        path: (g.image ?? g.sensor)!,
        message: `no matching ${g.image ? sensorKind : 'image'} file for stem ${basename(key)}`,
      });
    for (const x of g.extra)
      problems.push({ path: x, message: 'ignored: a stem may pair one image with one sensor file' });
  }
  return { pairs, problems };
}

export async function findPairs(
  source: string,
  sensorKind: FileKind,
  overrides?: KindOverrides,
): Promise<{ pairs: Pair[]; problems: PairProblem[] }> {
  if (!existsSync(source)) throw new TrainingError('PAIRS_NOT_FOUND', `${source}: no such folder or manifest.`);
  return statSync(source).isDirectory() ? fromFolder(source, sensorKind, overrides) : fromManifest(source);
}
