/**
 * From per-seed observations to what the tables and plots show: per (setting, series) the mean,
 * the sample standard deviation over seeds (the error bars), and the extremes.
 */

/** One measured value: a series (a modality, or a derived line such as the sensor mean) at one setting and seed. */
export interface Observation {
  readonly point: string;
  readonly series: string;
  readonly seed: number;
  readonly value: number;
}

export interface SummaryRow {
  readonly point: string;
  readonly series: string;
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n − 1); 0 for a single value. */
  readonly std: number;
  readonly min: number;
  readonly max: number;
  readonly values: readonly number[];
}

export function meanStd(values: readonly number[]): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, std: 0 };
  const v = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, std: Math.sqrt(v) };
}

/** Rows in the order of `points` then of first appearance of each series. */
export function summarize(obs: readonly Observation[], points: readonly string[]): SummaryRow[] {
  const series = [...new Set(obs.map((o) => o.series))];
  const rows: SummaryRow[] = [];
  for (const point of points) {
    for (const s of series) {
      const values = obs.filter((o) => o.point === point && o.series === s).map((o) => o.value);
      if (values.length === 0) continue;
      const { mean, std } = meanStd(values);
      rows.push({
        point,
        series: s,
        n: values.length,
        mean,
        std,
        min: Math.min(...values),
        max: Math.max(...values),
        values,
      });
    }
  }
  return rows;
}

/**
 * Whether `hi` exceeds `lo` beyond the spread over seeds: the lower end of hi's ±1 std interval
 * lies above the upper end of lo's.
 */
export function risesBeyondSpread(lo: SummaryRow, hi: SummaryRow): boolean {
  return hi.mean - hi.std > lo.mean + lo.std;
}
