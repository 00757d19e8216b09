/**
 * A model directory on disk: files read from the folder, sessions by onnxruntime-node over the
 * graph's path (its external weights beside it), with the optimised-graph cache keyed by the
 * weights' hash and precision.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { MANIFEST_FILE, type Manifest, type ModalityEntry } from '../model/manifest.ts';
import { notAModelDirectory } from '../model/manifest-file.ts';
import { type SessionOptions, createSession } from './backend.ts';
import type { ModelDirectory } from './model-dir.ts';
import type { BackendSession } from './session.ts';

export class NodeModelDirectory implements ModelDirectory {
  constructor(
    readonly location: string,
    private readonly sessionOptions: SessionOptions = {},
  ) {}

  describe(name: string): string {
    return join(this.location, name);
  }

  async readFile(name: string): Promise<Uint8Array> {
    try {
      return await readFile(join(this.location, name));
    } catch (e) {
      if (name === MANIFEST_FILE) throw notAModelDirectory(this.location);
      throw new ConfigError(
        'MODEL_DIR_INVALID',
        `${join(this.location, name)}: cannot read this model file (${(e as Error).message}). Re-create the model directory with \`imagebind convert\`.`,
        { cause: e },
      );
    }
  }

  openSession(entry: ModalityEntry, manifest: Manifest): Promise<BackendSession> {
    const cacheDir = this.sessionOptions.cacheDir ?? (process.env.IMAGEBIND_CACHE_DIR || undefined);
    const cacheKey = `${entry.weightsSha256}:${manifest.precision}`;
    return createSession(join(this.location, entry.graph), { ...this.sessionOptions, cacheDir, cacheKey });
  }
}
