// The pure parts of the drill (lambda/zonal-shift/drill.ts): which events ask for one, what the
// drill takes for an AZ ID, and which function a proof is bound to. drill.http.test.ts drives the
// drill itself through the fakes.
import { AZ_ID, isDrillEvent, unqualifiedArn } from '../../lambda/zonal-shift/drill';
import { FUNCTION_ARN } from './support/fixtures';

describe('an event asks for a drill', () => {
  test('when it comes from the reconcile source with the drill action, whatever else it carries', () => {
    expect(isDrillEvent({ source: 'cdk-azi.zonal-shift', action: 'drill' })).toBe(true);
    expect(isDrillEvent({ source: 'cdk-azi.zonal-shift', action: 'drill', identity: null })).toBe(true);
  });

  test.each<[string, unknown]>([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'drill'],
    ['an empty object', {}],
    ['the reconcile schedule', { source: 'cdk-azi.zonal-shift', action: 'reconcile' }],
    ['the reconcile source without an action', { source: 'cdk-azi.zonal-shift' }],
    ['the reconcile source with an empty action', { source: 'cdk-azi.zonal-shift', action: '' }],
    ['the drill action from another source', { source: 'aws.cloudwatch', action: 'drill' }],
    ['the drill action without a source', { action: 'drill' }],
  ])('not when it is %s', (_name, event) => {
    expect(isDrillEvent(event)).toBe(false);
  });
});

describe('an AZ ID is letters, a region number, -az and a zone number, with nothing around them', () => {
  test.each(['use1-az1', 'usw2-az4', 'apne1-az3', 'usgw1-az2', 'use-az1', 'use12-az1', 'use1-az12'])('%s is one', (id) => {
    expect(AZ_ID.test(id)).toBe(true);
  });

  test.each(['', 'us-east-1a', 'u1-az1', 'USE1-az1', 'use1-az', 'use1az1', 'use1-azx', 'x use1-az1', '1use1-az1', 'use1-az1 ', 'use1-az1b'])('%j is not one', (id) => {
    expect(AZ_ID.test(id)).toBe(false);
  });
});

describe('the function a proof is bound to', () => {
  test.each([
    ['an unqualified ARN is bound as it is', FUNCTION_ARN, FUNCTION_ARN],
    ['an alias is bound to its function', `${FUNCTION_ARN}:live`, FUNCTION_ARN],
    ['an ARN with text before it binds nothing', `x${FUNCTION_ARN}`, undefined],
    ['an ARN with a space before it binds nothing', ` ${FUNCTION_ARN}`, undefined],
  ])('%s', (_name, invoked, bound) => {
    expect(unqualifiedArn(invoked)).toBe(bound);
  });
});
