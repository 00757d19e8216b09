/** Learning-rate schedule: linear warm-up from 0, then cosine decay to `minRatio`·peak at `totalSteps`. */
export interface ScheduleOptions {
  readonly lr: number;
  readonly warmupSteps: number;
  readonly totalSteps: number;
  readonly minRatio: number;
}

/** Rate for the update that completes step `step` (0-based). */
export function learningRate(step: number, o: ScheduleOptions): number {
  if (o.warmupSteps > 0 && step < o.warmupSteps) return (o.lr * (step + 1)) / o.warmupSteps;
  const span = Math.max(o.totalSteps - o.warmupSteps, 1);
  const progress = Math.min(Math.max((step - o.warmupSteps) / span, 0), 1);
  return o.lr * (o.minRatio + (1 - o.minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
