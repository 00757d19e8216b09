/**
 * One model directory, wherever it lives: a folder on disk (model-dir-node.ts) or a base URL that
 * a browser fetches from (model-dir-http.ts). Both answer two questions, "what are this file's
 * bytes" and "open an inference session on this encoder's graph", so ImageBind (Node) and
 * ImageBindWeb (browser) read the manifest, tokenizer and encoders the same way. Browser-safe.
 */
import { ConfigError } from '../core/errors.ts';
import { type Modality, isModality } from '../core/modalities.ts';
import { MANIFEST_FILE, type Manifest, type ModalityEntry, manifestFromBytes } from '../model/manifest.ts';
import { ClipTokenizer } from '../preprocess/text/tokenizer.ts';
import { Encoder } from './encoder.ts';
import type { BackendSession } from './session.ts';

export interface ModelDirectory {
  /** Where it is (a folder path, or a URL ending in `/`), for messages. */
  readonly location: string;
  /** How a file of the directory is named in messages. */
  describe(name: string): string;
  /** A file's bytes; `name` is relative to the directory, as the manifest names files. */
  readFile(name: string): Promise<Uint8Array>;
  /** A session over one encoder's graph (and its external weights) for this manifest. */
  openSession(entry: ModalityEntry, manifest: Manifest): Promise<BackendSession>;
}

export async function readModelManifest(dir: ModelDirectory): Promise<Manifest> {
  return manifestFromBytes(await dir.readFile(MANIFEST_FILE), dir.describe(MANIFEST_FILE));
}

/** The encoders a manifest holds. */
export function manifestModalities(manifest: Manifest): Modality[] {
  return Object.keys(manifest.modalities).filter(isModality);
}

/**
 * One modality's encoder; a directory without it is refused, naming what it has. `onSession` sees
 * the session before it is wrapped (for what a backend reports about it).
 */
export async function openEncoder(
  dir: ModelDirectory,
  manifest: Manifest,
  modality: Modality,
  batchSize: number,
  onSession?: (session: BackendSession) => void,
): Promise<Encoder> {
  const entry = manifest.modalities[modality];
  if (!entry) {
    throw new ConfigError(
      'MODALITY_MISSING',
      `${dir.location}: this model directory has no ${modality} encoder (it has: ${manifestModalities(manifest).join(', ') || 'none'}). Convert it with --modalities ${modality}.`,
    );
  }
  const session = await dir.openSession(entry, manifest);
  onSession?.(session);
  return Encoder.create(modality, entry, session, batchSize);
}

/** The text tokenizer from the directory's `tokenizer/` merges. */
export async function readDirectoryTokenizer(dir: ModelDirectory, manifest: Manifest): Promise<ClipTokenizer> {
  const t = manifest.tokenizer;
  if (!t) {
    throw new ConfigError(
      'VOCAB_REQUIRED',
      `${dir.location}: this model directory has no tokenizer/; convert it with --vocab to embed text.`,
    );
  }
  return ClipTokenizer.fromBuffer(await dir.readFile(t.merges), {
    source: dir.describe(t.merges),
    contextLength: t.contextLength,
  });
}
