import {
  AlarmStateValue,
  alarmNameFromReference,
  alarmReferences,
  evaluateAlarmRule,
  parseAlarmRule,
  positiveAlarmReferences,
} from '../lib/private/alarm-rule';

const ARN_A = 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:az-a-impaired';
const ARN_B = 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:az-b-impaired';

function states(map: Record<string, AlarmStateValue>): (alarm: string) => AlarmStateValue {
  return (alarm) => map[alarm] ?? 'OK';
}

describe('parseAlarmRule', () => {
  test('parses a bare alarm name', () => {
    expect(parseAlarmRule('ALARM(my-alarm)')).toEqual({ kind: 'state', state: 'ALARM', alarm: 'my-alarm' });
  });

  test('parses a quoted ARN as aws-cdk-lib renders it', () => {
    expect(parseAlarmRule(`ALARM("${ARN_A}")`)).toEqual({ kind: 'state', state: 'ALARM', alarm: ARN_A });
  });

  test('accepts any characters except a double quote inside quotes', () => {
    const ref = 'arn:${Token[AWS.Partition.8]}:cloudwatch:${Token[AWS.Region.9]}:(x) AND y:alarm:N';
    expect(parseAlarmRule(`OK("${ref}")`)).toEqual({ kind: 'state', state: 'OK', alarm: ref });
  });

  test.each([
    ['OK(a)', 'OK'],
    ['INSUFFICIENT_DATA(a)', 'INSUFFICIENT_DATA'],
    ['ALARM(a)', 'ALARM'],
  ])('parses the state function in %s', (rule, state) => {
    expect(parseAlarmRule(rule)).toEqual({ kind: 'state', state, alarm: 'a' });
  });

  test.each([
    ['TRUE', true],
    ['FALSE', false],
  ])('parses the constant %s', (rule, value) => {
    expect(parseAlarmRule(rule)).toEqual({ kind: 'const', value });
  });

  test('tolerates arbitrary whitespace, including newlines and inside parentheses', () => {
    expect(parseAlarmRule('\n  ALARM (  a  )\tAND\n(NOT  OK( "b" ))  ')).toEqual({
      kind: 'and',
      operands: [
        { kind: 'state', state: 'ALARM', alarm: 'a' },
        { kind: 'not', operand: { kind: 'state', state: 'OK', alarm: 'b' } },
      ],
    });
  });

  test('NOT binds tighter than AND, and AND tighter than OR', () => {
    expect(parseAlarmRule('ALARM(a) OR ALARM(b) AND NOT ALARM(c)')).toEqual({
      kind: 'or',
      operands: [
        { kind: 'state', state: 'ALARM', alarm: 'a' },
        {
          kind: 'and',
          operands: [
            { kind: 'state', state: 'ALARM', alarm: 'b' },
            { kind: 'not', operand: { kind: 'state', state: 'ALARM', alarm: 'c' } },
          ],
        },
      ],
    });
  });

  test('chains of the same operator are flattened', () => {
    const node = parseAlarmRule('ALARM(a) AND ALARM(b) AND ALARM(c)');
    expect(node).toMatchObject({ kind: 'and', operands: [{ alarm: 'a' }, { alarm: 'b' }, { alarm: 'c' }] });
  });

  test('parses the nested rule aws-cdk-lib renders for isolated impact', () => {
    const rule = `(ALARM("${ARN_A}") AND (NOT ((ALARM("${ARN_B}") OR ALARM("c")))))`;
    expect(alarmReferences(parseAlarmRule(rule))).toEqual([ARN_A, ARN_B, 'c']);
  });

  test.each([
    ['', /position 0/],
    ['ALARM(a', /position 6: missing '\)' after alarm name/],
    ['ALARM()', /position 6: empty alarm name/],
    ['ALARM(a) AND', /position 12/],
    ['ALARM(a) XOR ALARM(b)', /position 9: unexpected 'X'/],
    ['MAYBE(a)', /position 0: unknown keyword 'MAYBE'/],
    ['ALARM("a', /unterminated quoted alarm name/],
    ['(ALARM(a)', /expected '\)'/],
    ['ALARM(a))', /position 8: unexpected '\)'/],
    ['alarm(a)', /unknown keyword 'alarm'/],
    ['ALARM a', /expected '\('/],
    ['NOTALARM(a)', /unknown keyword 'NOTALARM'/],
  ])('rejects %j with a position', (rule, message) => {
    expect(() => parseAlarmRule(rule)).toThrow(message);
  });

  test('rejects a value that is not a string', () => {
    expect(() => parseAlarmRule(42 as unknown as string)).toThrow(/not a string/);
  });
});

describe('evaluateAlarmRule', () => {
  const isolated = parseAlarmRule('ALARM(a) AND NOT (ALARM(b) OR ALARM(c))');

  test.each<[Record<string, AlarmStateValue>, boolean]>([
    [{ a: 'ALARM' }, true],
    [{ a: 'ALARM', b: 'ALARM' }, false],
    [{ a: 'ALARM', c: 'ALARM' }, false],
    [{}, false],
    [{ a: 'INSUFFICIENT_DATA' }, false],
  ])('isolated-impact rule with states %j is %s', (map, expected) => {
    expect(evaluateAlarmRule(isolated, states(map))).toBe(expected);
  });

  test.each<[string, boolean]>([
    ['TRUE', true],
    ['FALSE', false],
    ['NOT FALSE', true],
    ['NOT NOT TRUE', true],
    ['TRUE AND FALSE', false],
    ['TRUE OR FALSE', true],
    ['OK(x)', true],
    ['INSUFFICIENT_DATA(x)', false],
  ])('%s evaluates to %s', (rule, expected) => {
    expect(evaluateAlarmRule(parseAlarmRule(rule), states({}))).toBe(expected);
  });
});

describe('references', () => {
  test('alarmReferences lists every alarm once, in order', () => {
    const node = parseAlarmRule('ALARM(b) OR (OK(a) AND NOT ALARM(b)) OR INSUFFICIENT_DATA(c) OR ALARM(a)');
    expect(alarmReferences(node)).toEqual(['b', 'a', 'c']);
  });

  test('positiveAlarmReferences keeps ALARM under an even number of NOTs only', () => {
    const node = parseAlarmRule('ALARM(a) AND NOT (ALARM(b) OR NOT ALARM(c)) AND OK(d) AND NOT NOT ALARM(e)');
    expect(positiveAlarmReferences(node)).toEqual(['a', 'c', 'e']);
  });

  test('positiveAlarmReferences deduplicates', () => {
    expect(positiveAlarmReferences(parseAlarmRule('ALARM(a) OR ALARM(a)'))).toEqual(['a']);
  });

  test('a rule of constants references nothing', () => {
    expect(alarmReferences(parseAlarmRule('TRUE OR FALSE'))).toEqual([]);
  });
});

describe('alarmNameFromReference', () => {
  test.each([
    [ARN_A, 'az-a-impaired'],
    ['arn:aws-cn:cloudwatch:cn-north-1:111111111111:alarm:with:colons', 'with:colons'],
    ['plain-name', 'plain-name'],
    ['arn:aws:sns:us-east-1:111111111111:topic', 'arn:aws:sns:us-east-1:111111111111:topic'],
  ])('%s -> %s', (ref, name) => {
    expect(alarmNameFromReference(ref)).toBe(name);
  });
});
