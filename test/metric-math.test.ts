import { evaluateAlarmQueries, evaluateExpression, Value } from './support/metric-math';

const values = (map: Record<string, Value>) => (id: string) => {
  if (!(id in map)) {
    throw new Error(`no value for ${id}`);
  }
  return map[id];
};

describe('metric math evaluator', () => {
  test.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['2 ^ 3', 8],
    ['-2 + 5', 3],
    ['10 / 4', 2.5],
    ['3 >= 3', 1],
    ['3 > 3', 0],
    ['2 <= 1', 0],
    ['2 != 1', 1],
    ['1 == 1 AND 0', 0],
    ['0 OR 2 > 1', 1],
    ['NOT 0', 1],
    ['!1 || 0', 0],
    ['SUM([1, 2, 3])', 6],
    ['MAX([1, 7, 3])', 7],
    ['MIN([4, 2, 9])', 2],
    ['AVG([1, 2, 6])', 3],
    ['IF(1, 5, 6)', 5],
    ['IF(0, 5, 6)', 6],
  ])('%s = %d', (expression, expected) => {
    expect(evaluateExpression(expression, values({}))).toBe(expected);
  });

  test('missing datapoints: FILL fills, aggregates skip, arithmetic and IF propagate', () => {
    const lookup = values({ a: undefined, b: 4 });
    expect(evaluateExpression('FILL(a, 0)', lookup)).toBe(0);
    expect(evaluateExpression('FILL(b, 0)', lookup)).toBe(4);
    expect(evaluateExpression('SUM([a, b])', lookup)).toBe(4);
    expect(evaluateExpression('AVG([a, b])', lookup)).toBe(4);
    expect(evaluateExpression('MAX([a, a])', lookup)).toBeUndefined();
    expect(evaluateExpression('a + b', lookup)).toBeUndefined();
    expect(evaluateExpression('a >= 1', lookup)).toBeUndefined();
    expect(evaluateExpression('IF(a >= 1, 1, 0)', lookup)).toBeUndefined();
    expect(evaluateExpression('AVG([FILL(a, 0), b])', lookup)).toBe(2);
    expect(evaluateExpression('b / 0', lookup)).toBeUndefined();
    expect(evaluateExpression('IF(0, 1)', lookup)).toBeUndefined();
  });

  test('an unknown function is an error naming it', () => {
    expect(() => evaluateExpression('RATE(a)', values({ a: 1 }))).toThrow(/unknown function RATE/);
    expect(() => evaluateExpression('ANOMALY_DETECTION_BAND(a, 2)', values({ a: 1 }))).toThrow(/ANOMALY_DETECTION_BAND/);
  });

  test('malformed expressions and unknown ids are errors', () => {
    expect(() => evaluateExpression('1 +', values({}))).toThrow(/unexpected end/);
    expect(() => evaluateExpression('IF(1, 2', values({}))).toThrow(/expected '\)'/);
    expect(() => evaluateExpression('1 $ 2', values({}))).toThrow(/unexpected character/);
    expect(() => evaluateExpression('x', values({}))).toThrow(/no value for x/);
    expect(() => evaluateExpression('[1, 2]', values({}))).toThrow(/array/);
  });

  test('alarm queries: the returned expression may use other expressions', () => {
    const result = evaluateAlarmQueries([
      { Id: 'e2', Expression: 'e1 * 2', ReturnData: true },
      { Id: 'e1', Expression: 'm1 + 1', ReturnData: false },
      { Id: 'm1', MetricStat: { Metric: { MetricName: 'X', Namespace: 'N' }, Stat: 'Sum', Period: 60 }, ReturnData: false },
    ], () => 4);
    expect(result).toBe(10);
  });
});
