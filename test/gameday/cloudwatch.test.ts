import { AlarmQuery, MetricAlarmDef, TreatMissingData } from '../../lib/gameday/assembly';
import { AlarmEngine, AlarmStateValue, MetricAlarmEvaluator, decideState } from '../../lib/gameday/alarms';
import { MetricMath } from '../../lib/gameday/math';
import { MetricStore, statistic } from '../../lib/gameday/metrics';

/** `0` not breaching, `X` breaching, `-` missing, oldest first, as the CloudWatch guide writes them. */
function points(row: string): Array<boolean | undefined> {
  return row.split(/\s+/).filter(Boolean).map((p) => p === '-' ? undefined : p === 'X');
}

const MODES: TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];
const RETAIN = 'retain';

/**
 * The two tables of "Configuring how CloudWatch alarms treat missing data" (CloudWatch user
 * guide): datapoints of the 5-period evaluation range, then the state for MISSING, IGNORE,
 * BREACHING and NOT BREACHING.
 */
const THREE_OF_THREE: Array<[string, Array<AlarmStateValue | typeof RETAIN>]> = [
  ['0 - X - X', ['OK', 'OK', 'OK', 'OK']],
  ['0 - - - -', ['OK', 'OK', 'OK', 'OK']],
  ['- - - - -', ['INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK']],
  ['0 X X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
  ['- - - - X', ['INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK']],
  ['X - - - -', ['ALARM', RETAIN, 'ALARM', 'OK']],
];
const TWO_OF_THREE: Array<[string, Array<AlarmStateValue | typeof RETAIN>]> = [
  ['0 - X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
  ['0 0 X 0 X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
  ['0 - X - -', ['OK', 'OK', 'ALARM', 'OK']],
  ['- - - - 0', ['OK', 'OK', 'ALARM', 'OK']],
  ['- - - - X', ['INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK']],
];

describe('missing data, as documented', () => {
  const cases = (m: number, table: typeof THREE_OF_THREE) => table.flatMap(([row, expected]) =>
    MODES.flatMap((mode, i) => (['OK', 'ALARM'] as AlarmStateValue[]).map((current) =>
      [`${m} of 3: ${row} ${mode} from ${current}`, row, m, mode, current, expected[i] === RETAIN ? current : expected[i]] as const)));

  test.each(cases(3, THREE_OF_THREE))('%s', (_name, row, m, mode, current, expected) => {
    expect(decideState(points(row), m, 3, mode, current)).toBe(expected);
  });

  test.each(cases(2, TWO_OF_THREE))('%s', (_name, row, m, mode, current, expected) => {
    expect(decideState(points(row), m, 3, mode, current)).toBe(expected);
  });
});

describe('statistics', () => {
  test('sum, average, extremes and sample count of weighted observations', () => {
    const values = [1, 2, 10];
    const weights = [2, 1, 1];
    expect(statistic('Sum', values, weights)).toBe(14);
    expect(statistic('SampleCount', values, weights)).toBe(4);
    expect(statistic('Average', values, weights)).toBe(3.5);
    expect(statistic('Minimum', values, weights)).toBe(1);
    expect(statistic('Maximum', values, weights)).toBe(10);
  });

  test('p99 is the value at the 99th percent of the observations', () => {
    // 985 fast requests and 15 slow ones: more than 1 % are slow, so p99 is slow.
    expect(statistic('p99', [0.05, 3], [985, 15])).toBe(3);
    // 995 fast and 5 slow: p99 stays fast, p99.9 sees the slow ones.
    expect(statistic('p99', [0.05, 3], [995, 5])).toBe(0.05);
    expect(statistic('p99.9', [0.05, 3], [995, 5])).toBe(3);
  });

  test('no observations is no datapoint', () => {
    expect(statistic('Sum', [], [])).toBeUndefined();
  });

  test('an unknown statistic is an error naming it', () => {
    expect(() => statistic('tm99', [1], [1])).toThrow(/tm99/);
  });

  test('a period only sees datapoints that have arrived', () => {
    const store = new MetricStore();
    const metric = { namespace: 'N', metricName: 'M', dimensions: { A: 'a' } };
    store.put(metric, 0, 150, [1], [5]);
    expect(store.query(metric, 0, 60, 'Sum', 120)).toBeUndefined();
    expect(store.query(metric, 0, 60, 'Sum', 150)).toBe(5);
  });
});

describe('metric math', () => {
  const lookup = (series: Record<string, Array<number | undefined>>) => (id: string) => series[id];

  test('the availability expression the library synthesizes', () => {
    const math = new MetricMath('IF(MAX([requests, elbFaults]) >= 20, 100 * SUM([FILL(targetFaults, 0), FILL(elbFaults, 0)]) / MAX([requests, elbFaults]), 0)');
    const out = math.evaluate(4, lookup({
      requests: [100, 10, undefined, 200],
      targetFaults: [5, undefined, undefined, undefined],
      elbFaults: [undefined, 5, undefined, 10],
    }));
    expect(out).toEqual([5, 0, undefined, 5]);
  });

  test('arithmetic precedence, comparisons and logic', () => {
    const math = new MetricMath('2 + 3 * a ^ 2 - -1 > 20 AND NOT (a == 0) || a < 0');
    expect(math.evaluate(3, lookup({ a: [3, 0, -1] }))).toEqual([1, 0, 1]);
  });

  test('MIN, AVG of an array per timestamp; SUM of one series over the range', () => {
    expect(new MetricMath('MIN([a, b])').evaluate(2, lookup({ a: [1, 5], b: [3, undefined] }))).toEqual([1, 5]);
    expect(new MetricMath('AVG([a, b])').evaluate(2, lookup({ a: [1, 5], b: [3, undefined] }))).toEqual([2, 5]);
    expect(new MetricMath('SUM(a)').evaluate(2, lookup({ a: [1, 5] }))).toEqual([6, 6]);
  });

  test('FILL with REPEAT carries the last value forward', () => {
    expect(new MetricMath('FILL(a, REPEAT)').evaluate(4, lookup({ a: [undefined, 2, undefined, 4] }))).toEqual([undefined, 2, 2, 4]);
  });

  test('an expression the simulator cannot evaluate is an error naming it', () => {
    expect(() => new MetricMath('ANOMALY_DETECTION_BAND(m1, 2)')).toThrow(/ANOMALY_DETECTION_BAND/);
    expect(() => new MetricMath('m1 +')).toThrow(/m1 \+/);
  });
});

function alarmDef(overrides: Partial<MetricAlarmDef> & { queries: AlarmQuery[] }): MetricAlarmDef {
  return {
    type: 'metric',
    logicalId: 'A',
    name: 'a',
    arn: 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:a',
    period: 60,
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    threshold: 1,
    comparison: 'GreaterThanOrEqualToThreshold',
    treatMissingData: 'notBreaching',
    actions: { ALARM: [], OK: [], INSUFFICIENT_DATA: [], other: [] },
    properties: {},
    ...overrides,
  };
}

const FAULTS = { namespace: 'N', metricName: 'Faults', dimensions: {} };

describe('metric alarm evaluation', () => {
  test('3 of 5: fires on the third breaching minute, not before', () => {
    const evaluator = new MetricAlarmEvaluator(alarmDef({ queries: [{ kind: 'stat', id: 'm1', metric: FAULTS, period: 60, stat: 'Sum', returnData: true }] }));
    const store = new MetricStore();
    for (let minute = 0; minute < 10; minute++) {
      store.put(FAULTS, minute * 60, minute * 60 + 60, [minute >= 5 ? 5 : 0], [1]);
    }
    // Minute 5, 6 and 7 breach; the period [7m, 8m) completes at 8m.
    expect(evaluator.evaluate(store, 7 * 60, 'OK').state).toBe('OK');
    expect(evaluator.evaluate(store, 8 * 60, 'OK').state).toBe('ALARM');
  });

  test('metric delivery delay postpones the alarm', () => {
    const evaluator = new MetricAlarmEvaluator(alarmDef({ queries: [{ kind: 'stat', id: 'm1', metric: FAULTS, period: 60, stat: 'Sum', returnData: true }] }));
    const store = new MetricStore();
    for (let minute = 0; minute < 15; minute++) {
      store.put(FAULTS, minute * 60, minute * 60 + 60 + 120, [minute >= 5 ? 5 : 0], [1]);
    }
    expect(evaluator.evaluate(store, 8 * 60, 'OK').state).toBe('OK');
    expect(evaluator.evaluate(store, 10 * 60, 'OK').state).toBe('ALARM');
  });

  test('sub-minute alarms are evaluated every 10 seconds, others every minute', () => {
    const fast = alarmDef({ name: 'fast', period: 10, queries: [{ kind: 'stat', id: 'm1', metric: FAULTS, period: 10, stat: 'Sum', returnData: true }] });
    const slow = alarmDef({ name: 'slow', queries: [{ kind: 'stat', id: 'm1', metric: FAULTS, period: 60, stat: 'Sum', returnData: true }] });
    const engine = new AlarmEngine([fast, slow], 'OK', 0);
    const store = new MetricStore();
    for (let t = 0; t < 600; t += 10) {
      store.put(FAULTS, t, t + 10, [t >= 300 ? 5 : 0], [1]);
    }
    const fired: Record<string, number> = {};
    for (let t = 10; t <= 600; t += 10) {
      for (const transition of engine.evaluate(store, t)) {
        fired[transition.alarm.name] ??= t;
      }
    }
    expect(engine.tick).toBe(10);
    expect(fired.fast).toBe(330);
    expect(fired.slow).toBe(480);
  });

  test('an alarm with an unsupported expression names the alarm and the function', () => {
    expect(() => new MetricAlarmEvaluator(alarmDef({ queries: [{ kind: 'expr', id: 'e1', expression: 'RATE(m1)', returnData: true }] }))).toThrow(/alarm a: .*RATE/);
  });

  test('composites follow their children and report each transition once', () => {
    const child = alarmDef({ name: 'child', queries: [{ kind: 'stat', id: 'm1', metric: FAULTS, period: 60, stat: 'Sum', returnData: true }], evaluationPeriods: 1, datapointsToAlarm: 1 });
    const parse = require('../../lib/private/alarm-rule');
    const composite = {
      type: 'composite' as const, logicalId: 'C', name: 'parent', arn: 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:parent',
      rule: 'NOT ALARM("arn:aws:cloudwatch:us-east-1:111111111111:alarm:child")',
      ruleTree: parse.parseAlarmRule('NOT ALARM("arn:aws:cloudwatch:us-east-1:111111111111:alarm:child")'),
      children: ['child'], actions: { ALARM: [], OK: [], INSUFFICIENT_DATA: [], other: [] }, properties: {},
    };
    const engine = new AlarmEngine([child, composite], 'OK', 0);
    const store = new MetricStore();
    store.put(FAULTS, 60, 120, [5], [1]);
    expect(engine.evaluate(store, 60).map((t) => `${t.alarm.name}:${t.to}`)).toEqual(['parent:ALARM']);
    expect(engine.evaluate(store, 120).map((t) => `${t.alarm.name}:${t.to}`)).toEqual(['child:ALARM', 'parent:OK']);
    expect(engine.evaluate(store, 180)).toEqual([]);
  });
});
