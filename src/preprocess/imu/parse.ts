/**
 * CSV and JSON IMU logs → a table of named numeric columns. Cells that are not finite numbers are
 * remembered (first one per column) instead of failing at once: a text column nobody uses
 * (a label, a device id) must not break loading, but a bad cell in a used column must be
 * reported with its line and column.
 *
 * Why not csv-parse: the CSV part proper is splitLine (20 lines); the rest is this loader's own
 * contract, which csv-parse would need wrapping to keep: the delimiter sniffed from the header,
 * comment lines that may start after blanks, whitespace-only lines skipped, and a wrong field
 * count reported with its physical line number (a quoted newline would shift csv-parse's records
 * against the lines users see in an editor).
 */
import { MediaError } from '../../core/errors.ts';

export interface BadCell {
  /** "line 12" (CSV) or "sample 11" (JSON). */
  where: string;
  text: string;
}

export interface Table {
  headers: string[];
  /** One array per header, all of length `rows`. */
  values: Float64Array[];
  rows: number;
  /** Location of sample i for messages. */
  rowLabel: (i: number) => string;
  bad: Map<number, BadCell>;
  /** A sampling rate the file itself declares (JSON `sample_rate` / `fs` / …). */
  declaredRateHz?: number;
}

function cellNumber(text: string): number {
  const t = text.trim();
  return t === '' ? NaN : Number(t);
}

function splitLine(line: string, delim: string): string[] {
  if (!line.includes('"')) return line.split(delim);
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') {
      if (quoted && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (ch === delim && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** CSV/TSV with a header row; `#` comment lines and blank lines are skipped. */
export function parseCsv(text: string, source: string): Table {
  const lines = text.split(/\r?\n/);
  let h = 0;
  while (h < lines.length && (lines[h].trim() === '' || lines[h].trimStart().startsWith('#'))) h++;
  if (h >= lines.length)
    throw new MediaError(
      'IMU_EMPTY',
      `${source}: no header row and no data. Write a CSV with a header such as t,acc_x,acc_y,acc_z,gyro_x,gyro_y,gyro_z.`,
    );
  const headerLine = lines[h].replace(/^\uFEFF/, '');
  const delim = [',', ';', '\t'].map((d) => ({ d, n: headerLine.split(d).length })).sort((a, b) => b.n - a.n)[0].d;
  const headers = splitLine(headerLine, delim).map((s) => s.trim());
  if (headers.every((x) => Number.isFinite(cellNumber(x)))) {
    throw new MediaError(
      'IMU_MISSING_COLUMNS',
      `${source}: the first row (${headerLine.slice(0, 80)}) is numbers, not a header. ` +
        'Add a header row naming the columns (e.g. t,acc_x,acc_y,acc_z,gyro_x,gyro_y,gyro_z) or save the array as .npy.',
    );
  }
  const cols: number[][] = headers.map(() => []);
  const lineNo: number[] = [];
  const bad = new Map<number, BadCell>();
  for (let i = h + 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const cells = splitLine(line, delim);
    if (cells.length !== headers.length) {
      throw new MediaError(
        'IMU_PARSE',
        `${source}: line ${i + 1} has ${cells.length} fields but the header has ${headers.length}. ` +
          'Fix or remove that line.',
      );
    }
    cells.forEach((c, k) => {
      const v = cellNumber(c);
      if (!Number.isFinite(v) && !bad.has(k)) bad.set(k, { where: `line ${i + 1}`, text: c.trim() });
      cols[k].push(v);
    });
    lineNo.push(i + 1);
  }
  return {
    headers,
    values: cols.map((c) => Float64Array.from(c)),
    rows: lineNo.length,
    rowLabel: (r) => `line ${lineNo[r]}`,
    bad,
  };
}

const RATE_KEYS = [
  'sample_rate',
  'samplerate',
  'sample_rate_hz',
  'sampleratehz',
  'rate',
  'rate_hz',
  'fs',
  'hz',
  'frequency',
];
const ACC_KEYS = ['accelerometer', 'acc', 'accel', 'accl', 'acceleration'];
const GYRO_KEYS = ['gyroscope', 'gyro', 'gyr'];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function toNumber(v: Json | undefined): number {
  return typeof v === 'number' ? v : typeof v === 'string' ? cellNumber(v) : NaN;
}
const describe = (v: Json | undefined): string => (v === undefined ? 'missing' : JSON.stringify(v));

/**
 * JSON in one of three shapes: an array of row objects; an object of equally long arrays
 * (`{"t": [...], "acc_x": [...], ...}`); or `{"accelerometer": [[x,y,z],...], "gyroscope": [...],
 * "timestamps": [...]}`. A `data` / `samples` wrapper and a `sample_rate` / `fs` field are allowed.
 */
export function parseJson(text: string, source: string): Table {
  let root: Json;
  try {
    root = JSON.parse(text) as Json;
  } catch (e) {
    throw new MediaError('IMU_PARSE', `${source}: not valid JSON (${(e as Error).message}).`, { cause: e });
  }
  let declaredRateHz: number | undefined;
  if (root && typeof root === 'object' && !Array.isArray(root)) {
    for (const [k, v] of Object.entries(root))
      if (RATE_KEYS.includes(k.toLowerCase()) && typeof v === 'number') declaredRateHz = v;
    const inner = root.data ?? root.samples;
    if (inner !== undefined && typeof inner === 'object') root = inner;
  }
  const columns = new Map<string, Json[]>();
  if (Array.isArray(root)) {
    for (const row of root) {
      if (row && typeof row === 'object' && !Array.isArray(row))
        for (const k of Object.keys(row)) if (!columns.has(k)) columns.set(k, []);
    }
    for (const [k, col] of columns) for (const row of root) col.push((row as Record<string, Json>)?.[k] ?? null);
  } else if (root && typeof root === 'object') {
    for (const [k, v] of Object.entries(root)) {
      if (!Array.isArray(v)) continue;
      const lk = k.toLowerCase();
      const prefix = ACC_KEYS.includes(lk) ? 'acc' : GYRO_KEYS.includes(lk) ? 'gyro' : undefined;
      if (prefix && v.every((x) => Array.isArray(x))) {
        ['x', 'y', 'z'].forEach((ax, a) =>
          columns.set(
            `${prefix}_${ax}`,
            v.map((x) => (x as Json[])[a] ?? null),
          ),
        );
      } else columns.set(k, v);
    }
  }
  if (columns.size === 0) {
    throw new MediaError(
      'IMU_PARSE',
      `${source}: no IMU data found. Use an array of rows ({"t":…, "acc_x":…, …}), ` +
        'an object of arrays, or {"accelerometer": [[x,y,z],…], "gyroscope": [[x,y,z],…], "timestamps": […]}.',
    );
  }
  const headers = [...columns.keys()];
  const rows = Math.max(...[...columns.values()].map((c) => c.length));
  const bad = new Map<number, BadCell>();
  const values = headers.map((h, k) => {
    const col = columns.get(h) as Json[];
    const out = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const v = toNumber(col[i]);
      if (!Number.isFinite(v) && !bad.has(k)) bad.set(k, { where: `sample ${i}`, text: describe(col[i]) });
      out[i] = v;
    }
    return out;
  });
  return { headers, values, rows, rowLabel: (i) => `sample ${i}`, bad, declaredRateHz };
}
