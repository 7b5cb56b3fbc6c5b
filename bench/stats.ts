/** Percentiles by linear interpolation between the closest ranks. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  mean: number;
}

export function summarize(samples: readonly number[]): Summary {
  const mean = samples.reduce((a, b) => a + b, 0) / (samples.length || 1);
  return { n: samples.length, p50: percentile(samples, 50), p99: percentile(samples, 99), mean };
}

/** Rounds for display and for results.json: enough digits to compare runs, no float noise. */
export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

export const ms = (value: number): string => `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;

export const int = (value: number): string => Math.round(value).toLocaleString("en-US");

/** One line of the final table. `met` is undefined for figures without a goal. */
export interface Row {
  name: string;
  figure: string;
  goal: string;
  met?: boolean;
}

export interface BenchResult {
  rows: Row[];
  figures: Record<string, unknown>;
}
