/**
 * The HNSW graphs' side files beside a store (`<db>.ann/`): one usearch file per modality, for
 * quantised graphs one file of float32 re-scoring vectors (ann-vectors.ts), and a `state.json`
 * naming them with the store version (change-log seq) they reflect and the store they belong to. Files are written under fresh names first and `state.json` is replaced by rename, so
 * a reader sees either the old set or the new one, and two processes saving at once cannot mix
 * their files. A saved set is never newer than what it claims: the caller passes the version its
 * graphs reflect, not the store's current one.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Index as UsearchIndex } from 'usearch';
import type { VectorPrecision } from './ann-precision.ts';

export const ANN_STATE_VERSION = 2;

export interface AnnState {
  readonly format: number;
  /** The store version (change-log seq) the graphs reflect. */
  readonly seq: number;
  /** The store's identity and creation time: a file replaced by another store is not reused. */
  readonly store: string;
  /** How the graphs store vectors (ann-precision.ts); absent in states written before it: f32. */
  readonly precision?: VectorPrecision;
  /** Vectors per modality at `seq`, checked against SQLite when the store is still at `seq`. */
  readonly counts: Readonly<Record<string, number>>;
  /** Modality → file name inside the directory. */
  readonly files: Readonly<Record<string, string>>;
  /** Quantised graphs' float32 re-scoring vectors (ann-vectors.ts) and the store version they reflect. */
  readonly vectors?: { readonly file: string; readonly seq: number };
}

export function readAnnState(dir: string): AnnState | null {
  try {
    const s = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as Partial<AnnState>;
    if (s.format !== ANN_STATE_VERSION || typeof s.seq !== 'number' || typeof s.store !== 'string') return null;
    if (!s.files || !s.counts) return null;
    for (const f of Object.values(s.files)) if (!/^[a-z]+-[0-9a-z-]+\.usearch$/.test(f)) return null;
    if (s.vectors && (!/^vectors-[0-9a-z-]+\.f32$/.test(s.vectors.file) || typeof s.vectors.seq !== 'number'))
      return null;
    return s as AnnState;
  } catch {
    return null;
  }
}

/** Loads every graph of `state`; null when a file is missing or unreadable (the caller rebuilds). */
export function loadAnnGraphs(
  dir: string,
  state: AnnState,
  make: () => UsearchIndex,
): Map<string, UsearchIndex> | null {
  const graphs = new Map<string, UsearchIndex>();
  try {
    for (const [m, f] of Object.entries(state.files)) {
      const path = join(dir, f);
      if (!existsSync(path)) return null;
      const g = make();
      g.load(path);
      graphs.set(m, g);
    }
    return graphs;
  } catch {
    return null;
  }
}

/** A fresh name for a quantised set's re-scoring vectors file (ann-vectors.ts). */
export function vectorsFileName(seq: number): string {
  return `vectors-${seq}-${randomBytes(4).toString('hex')}.f32`;
}

/**
 * Saves `graphs` as reflecting store version `seq`, unless the directory already holds a state of
 * this store at a later version (another process saved fresher graphs). Returns whether it wrote.
 */
export function saveAnnGraphs(
  dir: string,
  graphs: ReadonlyMap<string, UsearchIndex>,
  meta: Omit<AnnState, 'format' | 'files'>,
): boolean {
  const old = readAnnState(dir);
  if (old && old.store === meta.store && old.seq > meta.seq) return false;
  mkdirSync(dir, { recursive: true });
  const tag = `${meta.seq}-${randomBytes(4).toString('hex')}`;
  const files: Record<string, string> = {};
  for (const [m, g] of graphs) {
    files[m] = `${m}-${tag}.usearch`;
    g.save(join(dir, files[m]));
  }
  const state: AnnState = { format: ANN_STATE_VERSION, ...meta, files };
  const tmp = join(dir, `state.json.${tag}.tmp`);
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, join(dir, 'state.json'));
  // The set replaced is no longer named by anyone (a reader that loaded it holds its own copy), and
  // neither are files of the first format (<modality>.usearch).
  const keep = new Set(Object.values(files));
  if (meta.vectors) keep.add(meta.vectors.file);
  const replaced = new Set([...Object.values(old?.files ?? {}), ...(old?.vectors ? [old.vectors.file] : [])]);
  for (const f of readdirSync(dir))
    if (!keep.has(f) && (replaced.has(f) || /^[a-z]+\.usearch$/.test(f))) rmSync(join(dir, f), { force: true });
  return true;
}
