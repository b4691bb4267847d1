import * as handlerRule from '../../lambda/zonal-shift/alarm-rule';
import * as simulatorRule from '../../lib/gameday/composite-rule';

// The simulator must read composite rules exactly as the zonal-shift function does.
const RULES = [
  '(ALARM("arn:aws:cloudwatch:us-east-1:111111111111:alarm:a") AND (NOT ((ALARM("arn:aws:cloudwatch:us-east-1:111111111111:alarm:b") OR ALARM("arn:aws:cloudwatch:us-east-1:111111111111:alarm:c")))))',
  'ALARM(a) OR OK(b) AND NOT INSUFFICIENT_DATA(c)',
  'TRUE AND (FALSE OR ALARM("x y"))',
  'ALARM(a) AND',
  'ALARM("unterminated)',
];

describe('composite rules', () => {
  test.each(RULES)('the simulator and the function agree on %s', (rule) => {
    const outcome = (mod: typeof handlerRule) => {
      try {
        const tree = mod.parseAlarmRule(rule);
        const refs = mod.alarmReferences(tree);
        const truth = [0, 1, 2, 3, 4, 5, 6, 7].map((mask) => mod.evaluateAlarmRule(tree, (name) =>
          (['ALARM', 'OK', 'INSUFFICIENT_DATA'] as const)[(mask >> refs.indexOf(name)) % 3 === 0 ? 0 : 1]));
        return { tree, refs, positive: mod.positiveAlarmReferences(tree), truth };
      } catch (err) {
        return { error: (err as Error).message };
      }
    };
    expect(outcome(simulatorRule)).toEqual(outcome(handlerRule));
  });

  test('the simulator copy is the function source', () => {
    const fs = require('node:fs');
    const path = require('node:path');
    const strip = (text: string) => text.split('\n').filter((line) => !line.startsWith('// ')).join('\n').trim();
    const copy = fs.readFileSync(path.join(__dirname, '../../lib/gameday/composite-rule.ts'), 'utf8');
    const source = fs.readFileSync(path.join(__dirname, '../../lambda/zonal-shift/alarm-rule.ts'), 'utf8');
    expect(strip(copy)).toBe(strip(source));
  });
});
