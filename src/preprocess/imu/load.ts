/**
 * IMU files (CSV/TSV, JSON, `.npy`) → `imuFromColumns`, and a batch helper.
 */
import { settleEach } from '../batch.ts';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { ImageBindError, MediaError } from '../../core/errors.ts';
import { parseNpy } from '../../core/npy.ts';
import type { Float32Tensor, Tensor } from '../../core/tensor.ts';
import { chooseColumns, IMU_CHANNELS, timeScale } from './columns.ts';
import { imuFromColumns, type ImuOptions, type ImuResult } from './imu.ts';
import { parseCsv, parseJson, type Table } from './parse.ts';

async function readBytes(path: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new MediaError(
      'FILE_UNREADABLE',
      `${path}: cannot read file (${(e as Error).message}). Check the path and permissions.`,
      { cause: e },
    );
  }
  return bytes;
}

function emptyLog(path: string): MediaError {
  return new MediaError('FILE_EMPTY', `${path}: the file is empty (0 bytes). Re-export the IMU log.`);
}

function fromTable(table: Table, path: string, opts: ImuOptions): ImuResult {
  if (table.rows === 0) throw new MediaError('IMU_EMPTY', `${path}: the IMU log has a header but no samples.`);
  const choice = chooseColumns(table.headers, path, opts.columns);
  const used = [...choice.channels, ...(choice.time ? [choice.time.index] : [])];
  for (const k of used) {
    const b = table.bad.get(k);
    if (!b) continue;
    const nonFinite = /^[+-]?(nan|inf|infinity)$/i.test(b.text) || b.text === 'null';
    const what = nonFinite
      ? `value is ${b.text === 'null' ? 'null (missing)' : b.text}`
      : b.text === ''
        ? 'empty cell'
        : `"${b.text}" is not a number`;
    throw new MediaError(
      nonFinite ? 'IMU_NONFINITE' : 'IMU_PARSE',
      `${path}: ${b.where}, column "${table.headers[k]}": ${what}. ` +
        'Remove or fill in missing readings before embedding.',
    );
  }
  const notes = [...choice.notes];
  let time: Float64Array | undefined;
  if (choice.time) {
    const raw = table.values[choice.time.index];
    const ts = timeScale(raw, opts.timeUnit, choice.time.unit);
    notes.push(ts.note);
    time = raw.map((v) => v / ts.perSecond);
  }
  const r = imuFromColumns(
    {
      channels: choice.channels.map((k) => table.values[k]),
      time,
      source: path,
      rowLabel: table.rowLabel,
      declaredRateHz: table.declaredRateHz,
    },
    opts,
  );
  return { ...r, notes: [...notes, ...r.notes] };
}

function fromNpy(t: Tensor, path: string, opts: ImuOptions): ImuResult {
  const shape = [...t.shape];
  while (shape.length > 2 && shape[0] === 1) shape.shift();
  if (shape.length !== 2 || (shape[0] !== 6 && shape[1] !== 6)) {
    throw new MediaError(
      'IMU_BAD_SHAPE',
      `${path}: .npy shape (${t.shape.join(', ')}) is not T×6 or 6×T. ` +
        `Save a 2-D array with one axis of 6 channels (${IMU_CHANNELS.join(', ')}).`,
    );
  }
  const notes: string[] = [];
  const warnings: string[] = [];
  let layout = opts.layout ?? 'auto';
  if (layout === 'auto') {
    if (shape[0] === 6 && shape[1] === 6) {
      layout = 'time-major';
      warnings.push(
        `${path}: a 6×6 array is ambiguous; read as 6 samples × 6 channels (rows are samples). Pass layout: 'channel-major' if rows are channels.`,
      );
    } else layout = shape[1] === 6 ? 'time-major' : 'channel-major';
  }
  const chanAxis = layout === 'time-major' ? 1 : 0;
  if (shape[chanAxis] !== 6) {
    throw new MediaError(
      'IMU_BAD_SHAPE',
      `${path}: layout '${layout}' needs 6 channels on axis ${chanAxis}, but the shape is (${t.shape.join(', ')}).`,
    );
  }
  const T = shape[1 - chanAxis];
  notes.push(
    layout === 'time-major'
      ? `npy ${T}×6: rows are samples, columns are channels (transposed to 6×T)`
      : `npy 6×${T}: rows are channels`,
  );
  if (t.dtype === 'float16')
    throw new MediaError('IMU_BAD_SHAPE', `${path}: float16 .npy is not supported for IMU; save as float32.`);
  const src = t.data as ArrayLike<number | bigint>;
  const at = (i: number, c: number): number => Number(layout === 'time-major' ? src[i * 6 + c] : src[c * T + i]);
  const channels = IMU_CHANNELS.map((_, c) => Float64Array.from({ length: T }, (_, i) => at(i, c)));
  // Array coordinates: [row, channel] when time-major, [channel, column] when channel-major.
  const label = (i: number): string => (layout === 'time-major' ? `row ${i}` : `column ${i}`);
  const r = imuFromColumns({ channels, source: path, rowLabel: label }, opts);
  return { tensor: r.tensor, warnings: [...warnings, ...r.warnings], notes: [...notes, ...r.notes] };
}

/**
 * Reads an IMU log and returns the model input (`[6, 2000]`, or `[N, 6, 2000]` with
 * `mode: 'windows'`) plus warnings and notes on how it was read. The format follows the
 * extension (.csv/.tsv/.txt, .json, .npy), else the content.
 */
export async function loadImuFile(path: string, opts: ImuOptions = {}): Promise<ImuResult> {
  return loadImuBytes(await readBytes(path), path, opts);
}

/**
 * The same from a log's bytes; `path` names it in messages, and its extension (if any) picks the
 * format, else the content does.
 */
export function loadImuBytes(bytes: Uint8Array, path: string, opts: ImuOptions = {}): ImuResult {
  if (bytes.length === 0) throw emptyLog(path);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ext = extname(path).toLowerCase();
  const isNpy = ext === '.npy' || (bytes[0] === 0x93 && buf.subarray(1, 6).toString('latin1') === 'NUMPY');
  if (isNpy) return fromNpy(parseNpy(bytes, path), path, opts);
  const text = buf.toString('utf8');
  const first = text.trimStart()[0];
  const isJson = ext === '.json' || (ext !== '.csv' && ext !== '.tsv' && (first === '{' || first === '['));
  return fromTable(isJson ? parseJson(text, path) : parseCsv(text, path), path, opts);
}

export type ImuBatchItem =
  | { ok: true; path: string; tensor: Float32Tensor; warnings: string[]; notes: string[] }
  | { ok: false; path: string; error: ImageBindError };

/** Loads several IMU files; one result per path, failures reported per item. */
export async function loadImuFiles(paths: readonly string[], opts: ImuOptions = {}): Promise<ImuBatchItem[]> {
  const settled = await settleEach(
    paths,
    (p) => loadImuFile(p, opts),
    (path, e) => new MediaError('IMU_PARSE', `${path}: ${(e as Error).message}`, { cause: e }),
  );
  return settled.map((r) => (r.ok ? { ok: true, path: r.path, ...r.value } : r));
}
