import { AlarmDef, CompositeAlarmDef, MetricAlarmDef, TreatMissingData } from './assembly';
import { AlarmStateValue, evaluateAlarmRule } from '../private/alarm-rule';
import { MetricMath, Series } from './math';
import { MetricStore, isSupportedStatistic } from './metrics';

export { AlarmStateValue };

/**
 * The alarm state from the datapoints of the evaluation range (oldest first; `true` breaching,
 * `false` not breaching, `undefined` missing), as "Configuring how CloudWatch alarms treat
 * missing data" describes it:
 * - at least N (evaluation periods) real datapoints: the N most recent decide, missing data
 *   treatment is not used;
 * - none at all: `missing` gives INSUFFICIENT_DATA, `ignore` keeps the state, `breaching`
 *   ALARM, `notBreaching` OK;
 * - some, fewer than N: `breaching`/`notBreaching` fill the missing ones up to N, as few
 *   as possible, and every real datapoint counts; `missing` and `ignore` decide on the real
 *   ones: M breaching is ALARM, any non-breaching is OK; otherwise `ignore` keeps the state and
 *   `missing` is ALARM when the oldest datapoint of the range is breaching (the documented
 *   `X - - - -` row) and INSUFFICIENT_DATA when it is not (`- - - - X`).
 * Then fewer than M (datapoints to alarm) breaching is OK, otherwise ALARM.
 */
export function decideState(
  points: Array<boolean | undefined>,
  datapointsToAlarm: number,
  evaluationPeriods: number,
  treatMissingData: TreatMissingData,
  current: AlarmStateValue,
): AlarmStateValue {
  const real = points.filter((p): p is boolean => p !== undefined);
  if (real.length >= evaluationPeriods) {
    const recent = real.slice(real.length - evaluationPeriods);
    return recent.filter(Boolean).length >= datapointsToAlarm ? 'ALARM' : 'OK';
  }
  if (real.length === 0) {
    switch (treatMissingData) {
      case 'missing': return 'INSUFFICIENT_DATA';
      case 'ignore': return current;
      case 'breaching': return 'ALARM';
      case 'notBreaching': return 'OK';
    }
  }
  const breaching = real.filter(Boolean).length;
  if (treatMissingData === 'breaching' || treatMissingData === 'notBreaching') {
    const filled = evaluationPeriods - real.length;
    const total = breaching + (treatMissingData === 'breaching' ? filled : 0);
    return total >= datapointsToAlarm ? 'ALARM' : 'OK';
  }
  if (breaching >= datapointsToAlarm) {
    return 'ALARM';
  }
  if (breaching < real.length) {
    return 'OK';
  }
  if (treatMissingData === 'ignore') {
    return current;
  }
  return points[0] === true ? 'ALARM' : 'INSUFFICIENT_DATA';
}

/** Periods CloudWatch retrieves beyond the evaluation periods (the documented 3-of-3 example reads 5). */
export const EVALUATION_RANGE_EXTRA_PERIODS = 2;

/** The datapoints of one evaluation: per period, the alarm's value (or missing). */
export interface Evaluation {
  readonly state: AlarmStateValue;
  readonly values: Series;
  readonly periodStarts: number[];
}

function breaches(comparison: string, value: number, threshold: number): boolean {
  switch (comparison) {
    case 'GreaterThanOrEqualToThreshold': return value >= threshold;
    case 'GreaterThanThreshold': return value > threshold;
    case 'LessThanThreshold': return value < threshold;
    case 'LessThanOrEqualToThreshold': return value <= threshold;
    default: throw new Error(`comparison operator ${comparison} is not supported by the simulator`);
  }
}

/** A metric alarm with its expressions parsed once. */
export class MetricAlarmEvaluator {
  private readonly math = new Map<string, MetricMath>();
  private readonly output: string;

  /** Throws an Error naming the alarm and what the simulator cannot evaluate. */
  constructor(readonly alarm: MetricAlarmDef) {
    try {
      breaches(alarm.comparison, 0, 0);
      for (const query of alarm.queries) {
        if (query.kind === 'expr') {
          this.math.set(query.id, new MetricMath(query.expression));
        } else if (!isSupportedStatistic(query.stat)) {
          throw new Error(`statistic '${query.stat}' of ${query.id} is not supported (Sum, Average, Minimum, Maximum, SampleCount, pNN)`);
        }
      }
      const returned = alarm.queries.filter((query) => query.returnData);
      if (returned.length !== 1) {
        throw new Error(`expected exactly one query with ReturnData true, found ${returned.length}`);
      }
      this.output = returned[0].id;
    } catch (err) {
      throw new Error(`alarm ${alarm.name}: ${(err as Error).message}`);
    }
  }

  /** Seconds between evaluations: 10 for sub-minute periods, 60 otherwise. */
  get interval(): number {
    return this.alarm.period < 60 ? 10 : 60;
  }

  /** Evaluates at `now` (seconds) against the datapoints that have arrived by then. */
  evaluate(store: MetricStore, now: number, current: AlarmStateValue): Evaluation {
    const { period, evaluationPeriods, datapointsToAlarm, treatMissingData, threshold, comparison } = this.alarm;
    const range = evaluationPeriods + EVALUATION_RANGE_EXTRA_PERIODS;
    const end = Math.floor(now / period) * period;
    const periodStarts: number[] = [];
    for (let i = range; i >= 1; i--) {
      periodStarts.push(end - i * period);
    }
    const cache = new Map<string, Series>();
    const lookup = (id: string, stack: string[] = []): Series => {
      const hit = cache.get(id);
      if (hit) {
        return hit;
      }
      const query = this.alarm.queries.find((q) => q.id === id);
      if (!query) {
        throw new Error(`alarm ${this.alarm.name}: expression refers to unknown id '${id}'`);
      }
      let values: Series;
      if (query.kind === 'stat') {
        values = periodStarts.map((start) => store.query(query.metric, start, start + query.period, query.stat, now));
      } else {
        if (stack.includes(id)) {
          throw new Error(`alarm ${this.alarm.name}: expression ${id} refers to itself`);
        }
        values = this.math.get(id)!.evaluate(range, (ref) => lookup(ref, [...stack, id]));
      }
      cache.set(id, values);
      return values;
    };
    let values: Series;
    try {
      values = lookup(this.output);
    } catch (err) {
      const message = (err as Error).message;
      throw new Error(message.startsWith(`alarm ${this.alarm.name}`) ? message : `alarm ${this.alarm.name}: ${message}`);
    }
    const points = values.map((v) => v === undefined ? undefined : breaches(comparison, v, threshold));
    return { state: decideState(points, datapointsToAlarm, evaluationPeriods, treatMissingData, current), values, periodStarts };
  }
}

/** The current state of an alarm, as DescribeAlarms reports it. */
export interface AlarmStatus {
  value: AlarmStateValue;
  reason: string;
  /** Simulated seconds of the last state update and of the last transition. */
  updatedAt: number;
  transitionedAt: number;
}

/** One alarm state change. */
export interface Transition {
  readonly alarm: AlarmDef;
  readonly from: AlarmStateValue;
  readonly to: AlarmStateValue;
  readonly at: number;
  readonly reason: string;
}

/** Every alarm of a stack: metric alarms on their evaluation interval, composites on every change. */
export class AlarmEngine {
  readonly status = new Map<string, AlarmStatus>();
  private readonly evaluators: MetricAlarmEvaluator[];
  private readonly composites: CompositeAlarmDef[];
  private readonly byName = new Map<string, AlarmDef>();
  /** The last value of each metric alarm, for charts. */
  readonly lastValues = new Map<string, number | undefined>();

  constructor(alarms: AlarmDef[], initial: AlarmStateValue, at: number) {
    this.evaluators = alarms.filter((a): a is MetricAlarmDef => a.type === 'metric').map((a) => new MetricAlarmEvaluator(a));
    this.composites = alarms.filter((a): a is CompositeAlarmDef => a.type === 'composite');
    for (const alarm of alarms) {
      this.byName.set(alarm.name, alarm);
      this.status.set(alarm.name, { value: initial, reason: 'initial state', updatedAt: at, transitionedAt: at });
    }
  }

  stateOf(name: string): AlarmStateValue {
    return this.status.get(name)?.value ?? 'INSUFFICIENT_DATA';
  }

  alarm(name: string): AlarmDef | undefined {
    return this.byName.get(name);
  }

  /** The shortest evaluation interval of any metric alarm, in seconds. */
  get tick(): number {
    return this.evaluators.some((e) => e.interval === 10) ? 10 : 60;
  }

  /** Evaluates the alarms due at `now` and then every composite; returns the transitions. */
  evaluate(store: MetricStore, now: number): Transition[] {
    const transitions: Transition[] = [];
    for (const evaluator of this.evaluators) {
      if (now % evaluator.interval !== 0) {
        continue;
      }
      const name = evaluator.alarm.name;
      const current = this.stateOf(name);
      const result = evaluator.evaluate(store, now, current);
      const latest = [...result.values].reverse().find((v) => v !== undefined);
      this.lastValues.set(name, latest);
      const reason = `datapoints [${result.values.map((v) => v === undefined ? '-' : round(v)).join(', ')}] against ${evaluator.alarm.threshold}`;
      this.set(evaluator.alarm, result.state, now, reason, transitions);
    }
    // Composites may depend on composites: settle until nothing changes.
    for (let round = 0; round < 10; round++) {
      let changed = false;
      for (const composite of this.composites) {
        const value: AlarmStateValue = evaluateAlarmRule(composite.ruleTree, (ref) => this.stateOf(this.nameOf(ref))) ? 'ALARM' : 'OK';
        if (value !== this.stateOf(composite.name)) {
          changed = true;
        }
        const alarming = composite.children.filter((child) => this.stateOf(child) === 'ALARM');
        this.set(composite, value, now, alarming.length ? `children in ALARM: ${alarming.join(', ')}` : 'no child in ALARM', transitions);
      }
      if (!changed) {
        break;
      }
    }
    return transitions;
  }

  private nameOf(ref: string): string {
    const match = /:alarm:(.+)$/.exec(ref);
    return match ? match[1] : ref;
  }

  private set(alarm: AlarmDef, value: AlarmStateValue, now: number, reason: string, out: Transition[]): void {
    const status = this.status.get(alarm.name)!;
    if (status.value !== value) {
      out.push({ alarm, from: status.value, to: value, at: now, reason });
      status.value = value;
      status.transitionedAt = now;
      status.updatedAt = now;
      status.reason = reason;
    }
  }
}

function round(v: number): string {
  return String(Math.round(v * 1000) / 1000);
}
