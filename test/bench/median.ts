/** Median and range of repeated measurements, for rows that name both. */

/** The median (upper middle for an even count), the smallest and the largest value. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** Median and range of `values`; throws on an empty list (a row without measurements is a bug). */
export function spreadOf(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const min = sorted[0];
  const max = sorted.at(-1);
  if (median === undefined || min === undefined || max === undefined) throw new Error("no measurements");
  return { median, min, max };
}

/** "median of N, range a–b unit", `digits` after the point. */
export function spreadLabel(values: readonly number[], unit: string, digits = 1): string {
  const { min, max } = spreadOf(values);
  return `median of ${values.length}, range ${min.toFixed(digits)}–${max.toFixed(digits)} ${unit}`;
}
