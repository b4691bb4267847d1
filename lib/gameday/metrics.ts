import { MetricId } from './assembly';

/**
 * Observations of a metric at one timestamp: `weights[i]` observations of `values[i]`, visible
 * to CloudWatch from `arrive` (seconds) on.
 */
interface Sample {
  readonly t: number;
  readonly arrive: number;
  readonly values: number[];
  readonly weights: number[];
}

/** The key of a metric: namespace, name and dimensions in name order. */
export function metricKey(metric: MetricId): string {
  const dims = Object.keys(metric.dimensions).sort().map((name) => `${name}=${metric.dimensions[name]}`);
  return `${metric.namespace}|${metric.metricName}|${dims.join(',')}`;
}

const PERCENTILE = /^p(\d{1,2}(?:\.\d+)?|100)$/;

/** Whether the simulator can compute this statistic. */
export function isSupportedStatistic(stat: string): boolean {
  return ['Sum', 'Average', 'Minimum', 'Maximum', 'SampleCount'].includes(stat) || PERCENTILE.test(stat);
}

/**
 * A CloudWatch statistic over weighted observations, or undefined when there are none.
 * Percentiles (`p99`, `p99.9`) are the smallest observed value at or above that share of the
 * observations, as CloudWatch computes them from raw values.
 */
export function statistic(stat: string, values: number[], weights: number[]): number | undefined {
  let count = 0;
  for (const w of weights) {
    count += w;
  }
  if (count <= 0) {
    return undefined;
  }
  switch (stat) {
    case 'SampleCount':
      return count;
    case 'Sum':
    case 'Average': {
      let sum = 0;
      values.forEach((v, i) => { sum += v * weights[i]; });
      return stat === 'Sum' ? sum : sum / count;
    }
    case 'Minimum':
    case 'Maximum': {
      let out = stat === 'Minimum' ? Infinity : -Infinity;
      values.forEach((v, i) => {
        if (weights[i] > 0) {
          out = stat === 'Minimum' ? Math.min(out, v) : Math.max(out, v);
        }
      });
      return out;
    }
    default:
      break;
  }
  const match = PERCENTILE.exec(stat);
  if (!match) {
    throw new Error(`statistic '${stat}' is not supported by the simulator (Sum, Average, Minimum, Maximum, SampleCount, pNN)`);
  }
  const share = Number(match[1]) / 100;
  const order = values.map((v, i) => [v, weights[i]] as const).filter(([, w]) => w > 0).sort((a, b) => a[0] - b[0]);
  const rank = share * count;
  let cumulative = 0;
  for (const [v, w] of order) {
    cumulative += w;
    if (cumulative >= rank - 1e-9) {
      return v;
    }
  }
  return order[order.length - 1][0];
}

/** Published datapoints of every metric, with the time each becomes visible. */
export class MetricStore {
  private readonly series = new Map<string, Sample[]>();

  /** Records `weights[i]` observations of `values[i]` at time `t`, visible from `arrive`. */
  put(metric: MetricId | string, t: number, arrive: number, values: number[], weights: number[]): void {
    const key = typeof metric === 'string' ? metric : metricKey(metric);
    let list = this.series.get(key);
    if (!list) {
      list = [];
      this.series.set(key, list);
    }
    const sample = { t, arrive, values, weights };
    if (list.length === 0 || list[list.length - 1].t <= t) {
      list.push(sample);
    } else {
      list.splice(this.lowerBound(list, t), 0, sample);
    }
  }

  /** The statistic over samples with `start <= t < end` that have arrived by `now`. */
  query(metric: MetricId | string, start: number, end: number, stat: string, now: number): number | undefined {
    const list = this.series.get(typeof metric === 'string' ? metric : metricKey(metric));
    if (!list) {
      return undefined;
    }
    const values: number[] = [];
    const weights: number[] = [];
    for (let i = this.lowerBound(list, start); i < list.length && list[i].t < end; i++) {
      const sample = list[i];
      if (sample.arrive <= now) {
        values.push(...sample.values);
        weights.push(...sample.weights);
      }
    }
    return values.length ? statistic(stat, values, weights) : undefined;
  }

  private lowerBound(list: Sample[], t: number): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].t < t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
