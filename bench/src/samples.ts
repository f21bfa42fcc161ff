export type Metrics = Record<string, number>;

const median = (values: number[]): number => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
};

/** Every rep's metrics of every cell, per target, in the order the reps ran. */
export class Samples {
  private readonly data = new Map<string, Metrics[]>();

  add(target: string, cell: string, metrics: Metrics): void {
    const key = `${target}/${cell}`;
    this.data.set(key, [...(this.data.get(key) ?? []), metrics]);
  }

  private values(target: string, cell: string, metric: string): number[] {
    return (this.data.get(`${target}/${cell}`) ?? []).map((m) => m[metric] ?? NaN);
  }

  /** The median over reps. */
  median(target: string, cell: string, metric: string): number {
    return median(this.values(target, cell, metric));
  }

  /** The sum over every rep of every cell whose name starts with `prefix`. */
  total(target: string, prefix: string, metric: string): number {
    let sum = 0;
    for (const [key, reps] of this.data) if (key.startsWith(`${target}/${prefix}`)) for (const m of reps) sum += m[metric] ?? 0;
    return sum;
  }

  /** The median over reps of the target's value less direct's of the same rep (run just before it). */
  added(target: string, cell: string, metric: string): number {
    const direct = this.values("direct", cell, metric);
    return median(this.values(target, cell, metric).map((v, rep) => v - (direct[rep] ?? NaN)));
  }
}
