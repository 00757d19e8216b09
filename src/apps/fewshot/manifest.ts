/**
 * Labelled manifests for few-shot training: CSV (`path,label[,modality]`, optional header row,
 * RFC 4180 quotes) or JSONL (`{"path", "label", "modality"?}` or `{"text", "label"}`). Relative
 * paths resolve from the manifest's folder, so a manifest travels with its files.
 */
import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { ConfigError, MediaError } from '../../core/errors.ts';
import type { InputKind } from '../../embed/embed.ts';
import { parseInputKind } from './detect.ts';

export interface ManifestEntry {
  /** A resolved path, or the string itself for text. */
  readonly input: string;
  readonly label: string;
  /** Explicit kind; undefined means "detect from the file". */
  readonly kind?: InputKind;
  /** 1-based line in the manifest, for messages. */
  readonly line: number;
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '',
    quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') {
      if (quoted && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

function entry(
  base: string,
  where: string,
  line: number,
  path: unknown,
  label: unknown,
  modality: unknown,
): ManifestEntry {
  if (typeof path !== 'string' || path === '') throw new ConfigError('FEWSHOT_BAD_MANIFEST', `${where}: missing path.`);
  if ((typeof label !== 'string' && typeof label !== 'number') || String(label) === '') {
    throw new ConfigError('FEWSHOT_BAD_MANIFEST', `${where}: missing label.`);
  }
  if (modality !== undefined && modality !== null && modality !== '' && typeof modality !== 'string') {
    throw new ConfigError('FEWSHOT_BAD_MANIFEST', `${where}: "modality" must be a string.`);
  }
  const kind = typeof modality === 'string' && modality !== '' ? parseInputKind(modality, where) : undefined;
  const input = kind === 'text' || isAbsolute(path) ? path : resolve(base, path);
  return { input, label: String(label), kind, line };
}

export function parseManifest(text: string, source: string, format: 'csv' | 'jsonl'): ManifestEntry[] {
  const base = dirname(resolve(source));
  const out: ManifestEntry[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const where = `${source}:${i + 1}`;
      if (format === 'jsonl') {
        let obj: unknown;
        try {
          obj = JSON.parse(line);
        } catch (e) {
          throw new ConfigError(
            'FEWSHOT_BAD_MANIFEST',
            `${where}: not valid JSON (${(e as Error).message}). Each line must be {"path": ..., "label": ...}.`,
          );
        }
        if (!obj || typeof obj !== 'object' || Array.isArray(obj))
          throw new ConfigError('FEWSHOT_BAD_MANIFEST', `${where}: each line must be a JSON object.`);
        const o = obj as Record<string, unknown>;
        if (o.text !== undefined && o.path === undefined) out.push(entry(base, where, i + 1, o.text, o.label, 'text'));
        else out.push(entry(base, where, i + 1, o.path, o.label, o.modality));
        return;
      }
      const cells = splitCsvLine(line);
      if (out.length === 0 && cells[0].toLowerCase() === 'path' && cells[1]?.toLowerCase() === 'label') return;
      if (cells.length < 2 || cells.length > 3) {
        throw new ConfigError(
          'FEWSHOT_BAD_MANIFEST',
          `${where}: expected "path,label" or "path,label,modality", got ${cells.length} field(s).`,
        );
      }
      out.push(entry(base, where, i + 1, cells[0], cells[1], cells[2]));
    });
  if (out.length === 0) {
    throw new ConfigError(
      'FEWSHOT_EMPTY',
      `${source}: the manifest lists no examples. Add lines like "dog1.jpg,dog" (CSV) or {"path": "dog1.jpg", "label": "dog"} (JSONL).`,
    );
  }
  return out;
}

/** Reads a manifest file; the format comes from the extension (.csv, .jsonl/.ndjson), else the first character. */
export async function readManifestFile(path: string): Promise<ManifestEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new MediaError(
      code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE',
      `${path}: cannot read the manifest (${code ?? (e as Error).message}). Check the --train path.`,
      { cause: e },
    );
  }
  const ext = extname(path).toLowerCase();
  const format =
    ext === '.csv'
      ? 'csv'
      : ext === '.jsonl' || ext === '.ndjson'
        ? 'jsonl'
        : text.trimStart().startsWith('{')
          ? 'jsonl'
          : 'csv';
  return parseManifest(text, path, format);
}
