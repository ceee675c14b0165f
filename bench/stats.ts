export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
export const round = (value: number, digits = 2) => Number(value.toFixed(digits));
