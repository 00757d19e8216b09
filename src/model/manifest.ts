/**
 * The model directory's `manifest.json`: what `convert` and `train` write and everything else
 * reads. It makes a directory self-describing: config, modalities, precision, output scale, the
 * tokenizer, and an embedding-space identity that the vector store uses to refuse mixing spaces.
 */
import { ConfigError } from '../core/errors.ts';
import { type ImageBindConfig, type Modality, isModality, resolveConfig } from './config.ts';

export const MANIFEST_FORMAT = 'imagebind-ts/model-dir';
export const MANIFEST_VERSION = 1;
/** The manifest's name inside a model directory. */
export const MANIFEST_FILE = 'manifest.json';

export type { Precision } from './graph.ts';
import type { Precision } from './graph.ts';

export interface ModalityEntry {
  readonly graph: string;
  readonly weights: string;
  readonly inputDType: 'float32' | 'int64';
  /** One item's shape (without the batch dimension), e.g. [3, 2, 224, 224] for vision. */
  readonly itemShape: readonly number[];
  readonly outputDim: number;
  /** Factor applied after L2 normalisation (1 for vision), as the official post-processor does. */
  readonly outputScale: number;
  readonly weightBytes: number;
  /** sha256 of the float32 weights as read from the checkpoint (independent of precision). */
  readonly weightsSha256: string;
}

export interface TokenizerEntry {
  readonly merges: string;
  readonly contextLength: number;
}

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly formatVersion: number;
  readonly name: string;
  readonly config: ImageBindConfig;
  readonly precision: Precision;
  readonly modalities: Partial<Record<Modality, ModalityEntry>>;
  readonly tokenizer: TokenizerEntry | null;
  /** Embedding-space identity: the vision encoder's weight hash (see `spaceIdentity` in convert.ts). */
  readonly identity: string;
  readonly source: { readonly checkpoint: string | null; readonly createdBy: string; readonly createdAt: string };
}

/**
 * A file the manifest names must stay inside the model directory: the server serves these names
 * and browsers fetch them relative to the directory's URL (with the user's token).
 */
function checkFileName(path: string, field: string, name: unknown): void {
  const ok =
    typeof name === 'string' &&
    name !== '' &&
    !name.startsWith('/') &&
    !name.includes('\\') &&
    !/^[a-z][a-z0-9+.-]*:/i.test(name) &&
    !name.split('/').some((p) => p === '..' || p === '.' || p === '');
  if (!ok)
    throw new ConfigError(
      'MODEL_DIR_INVALID',
      `${path}: ${field} must be a relative file name inside the model directory, got ${JSON.stringify(name)}; re-create it with \`imagebind convert\`.`,
    );
}

/** The manifest as written to disk: indented JSON with a final newline. */
export function serializeManifest(m: Manifest): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}

/** Validates manifest bytes (UTF-8, as read from a file or fetched); `path` names them in errors. */
export function manifestFromBytes(bytes: Uint8Array, path: string): Manifest {
  return parseManifest(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes), path);
}

/** Validates manifest JSON text; `path` names it in errors. Reading it is runtime/model-dir.ts's job. */
export function parseManifest(text: string, path: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch (e) {
    throw new ConfigError(
      'MODEL_DIR_INVALID',
      `${path}: not valid JSON (${(e as Error).message}); re-run \`imagebind convert\`.`,
    );
  }
  if (m.format !== MANIFEST_FORMAT || typeof m.formatVersion !== 'number') {
    throw new ConfigError('MODEL_DIR_INVALID', `${path}: not an imagebind-ts manifest (format "${String(m.format)}").`);
  }
  if (m.formatVersion > MANIFEST_VERSION) {
    throw new ConfigError(
      'MODEL_DIR_VERSION',
      `${path}: format version ${m.formatVersion} is newer than this imagebind-ts supports (${MANIFEST_VERSION}); upgrade imagebind-ts.`,
    );
  }
  for (const [k, entry] of Object.entries(m.modalities ?? {})) {
    if (!isModality(k)) throw new ConfigError('MODEL_DIR_INVALID', `${path}: unknown modality "${k}".`);
    checkFileName(path, `modalities.${k}.graph`, entry?.graph);
    checkFileName(path, `modalities.${k}.weights`, entry?.weights);
  }
  if (m.tokenizer) checkFileName(path, 'tokenizer.merges', m.tokenizer.merges);
  resolveConfig(m.config as unknown as Record<string, unknown>, path);
  return m;
}
