/**
 * Pure statistics of benchmark samples: percentiles of latencies, and the median and spread of
 * repeated runs (the figures every results table shows).
 */

/** Median, spread and raw values of a metric measured over several runs. */
export type RunSummary = Readonly<{
  median: number;
  min: number;
  max: number;
  /** (max − min) / median, in percent: how much the runs disagree. */
  spreadPct: number;
  runs: readonly number[];
}>;

/**
 * The p-th percentile (0..100) of `values` by nearest rank; NaN for no values.
 *
 * @example percentile([5, 1, 3, 2, 4], 50) // 3
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return percentileSorted(sorted, p);
}

/**
 * As {@link percentile} on an already ascending array (no copy: for large latency sets).
 *
 * @example percentileSorted([1, 2, 3, 4], 99) // 4
 */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/**
 * Median of `values` (mean of the middle two for an even count).
 *
 * @example median([3, 1, 2]) // 2
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Median, min, max and spread of repeated runs.
 *
 * @example summarize([100, 90, 110]) // { median: 100, min: 90, max: 110, spreadPct: 20, runs: [...] }
 */
export function summarize(values: readonly number[]): RunSummary {
  const m = median(values);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { median: m, min, max, spreadPct: m ? ((max - min) / Math.abs(m)) * 100 : 0, runs: [...values] };
}

/** Latency percentiles in ms of one sample set. */
export type LatencySummary = Readonly<{ count: number; p50: number; p99: number; p999: number; max: number }>;

/**
 * p50/p99/p99.9/max of latencies (ms).
 *
 * @example latencySummary([1, 2, 3]).p50 // 2
 */
export function latencySummary(latencies: readonly number[]): LatencySummary {
  const s = Float64Array.from(latencies).sort();
  const arr = Array.from(s);
  return {
    count: arr.length,
    p50: percentileSorted(arr, 50),
    p99: percentileSorted(arr, 99),
    p999: percentileSorted(arr, 99.9),
    max: arr.length ? arr[arr.length - 1]! : Number.NaN,
  };
}

/**
 * A number for tables: thousands separators for large values, up to `digits` decimals for small.
 *
 * @example fmt(123456.7) // '123,457'
 * @example fmt(0.9234, 2) // '0.92'
 */
export function fmt(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return 'n/a';
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(digits);
}

/**
 * `median (min–max, ±spread%)` of a run summary for a Markdown cell.
 *
 * @example cell(summarize([90, 100, 110])) // '100 (90–110, 20%)'
 */
export function cell(s: RunSummary, digits = 1): string {
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)}, ${s.spreadPct.toFixed(0)}%)`;
}
