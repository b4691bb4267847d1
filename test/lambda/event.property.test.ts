// Events that are not exactly a wired alarm's action never reach a read or a write.
import fc from 'fast-check';
import { parseConfig } from '../../lambda/zonal-shift/config';
import { lookUp } from '../../lambda/zonal-shift/decide';
import { parseEvent } from '../../lambda/zonal-shift/event';
import { ACCOUNT, REGION, alarmEvent, rawConfig, zoneNames } from './support/fixtures';

const config = parseConfig({ ZONAL_SHIFT_CONFIG: JSON.stringify(rawConfig()) });
const wired = ['us-east-1a', 'us-east-1b', 'us-east-1c'].map((az) => zoneNames(az).isolated);

/** One way to spoil a well-formed alarm event, or none. */
const spoil = fc.constantFrom(
  'none', 'source', 'no-arn', 'bad-arn', 'region', 'account', 'name-mismatch', 'state', 'unwired', 'other-account',
);

function build(name: string, state: string, how: string): Record<string, any> {
  const event = alarmEvent(name, 'ALARM') as Record<string, any>;
  event.alarmData.state.value = state;
  switch (how) {
    case 'source': event.source = 'aws.events'; break;
    case 'no-arn': delete event.alarmArn; break;
    case 'bad-arn': event.alarmArn = `arn:aws:sns:${REGION}:${ACCOUNT}:topic`; break;
    case 'region': event.region = 'eu-west-1'; break;
    case 'account': event.accountId = '222222222222'; break;
    case 'name-mismatch': event.alarmData.alarmName = `${name}-x`; break;
    case 'state': event.alarmData.state.value = 'PENDING'; break;
    case 'unwired': return alarmEvent(zoneNames('us-east-1a').impaired, 'ALARM');
    case 'other-account': return alarmEvent(name, 'ALARM', { account: '222222222222' });
  }
  return event;
}

test('only a well-formed event of a wired alarm, in the load balancer\'s account and Region, names a zone', () => {
  const reached: Record<string, number> = {};
  fc.assert(fc.property(
    fc.constantFrom(...wired),
    fc.constantFrom('ALARM', 'OK', 'INSUFFICIENT_DATA'),
    spoil,
    (name, state, how) => {
      const targets = lookUp(parseEvent(build(name, state, how)), config);
      reached[how] = (reached[how] ?? 0) + 1;
      if (how === 'none') {
        expect('groups' in targets && targets.groups.map((group) => group.wired[0].name)).toEqual([name]);
      } else {
        expect(targets).toEqual({ refusal: expect.objectContaining({ decision: 'refused' }) });
      }
    },
  ), { numRuns: 400, seed: 15 });
  // Every kind of spoiled event is built from an aws.cloudwatch alarm event and tried often.
  for (const how of ['none', 'source', 'no-arn', 'bad-arn', 'region', 'account', 'name-mismatch', 'state', 'unwired', 'other-account']) {
    expect(reached[how] ?? 0).toBeGreaterThanOrEqual(400 / 10 / 2);
  }
});

test('arbitrary values are refused', () => {
  fc.assert(fc.property(fc.anything(), (value) => {
    expect(lookUp(parseEvent(value), config)).toEqual({ refusal: expect.objectContaining({ decision: 'refused' }) });
  }), { numRuns: 300 });
});

// The reason of each refusal is what the decision log says; every one is named exactly.
test.each<[string, (event: Record<string, any>) => unknown, string]>([
  ['a string', () => 'event', 'event is not an object'],
  ['null', () => null, 'event is not an object'],
  ['an array', () => [], 'event is not an object'],
  ['the reconcile source with another action', (event) => ({ ...event, source: 'cdk-azi.zonal-shift', action: 'drill!' }), 'event source is not aws.cloudwatch'],
  ['the reconcile action from another source', (event) => ({ ...event, source: 'aws.cloudwatch.x', action: 'reconcile' }), 'event source is not aws.cloudwatch'],
  ['an alarm ARN that is not a string', (event) => ({ ...event, alarmArn: ['arn'] }), 'event has no alarmArn'],
  ['an ARN of another service', (event) => ({ ...event, alarmArn: event.alarmArn.replace(':cloudwatch:', ':sns:') }), 'alarmArn is not a CloudWatch alarm ARN'],
  ['an ARN with text before it', (event) => ({ ...event, alarmArn: ` ${event.alarmArn}` }), 'alarmArn is not a CloudWatch alarm ARN'],
  ['an ARN of another partition prefix', (event) => ({ ...event, alarmArn: event.alarmArn.replace('arn:aws:', 'arn:xaws:') }), 'alarmArn is not a CloudWatch alarm ARN'],
  ['an ARN with an 11-digit account', (event) => ({ ...event, alarmArn: event.alarmArn.replace(`:${ACCOUNT}:`, `:${ACCOUNT.slice(1)}:`) }), 'alarmArn is not a CloudWatch alarm ARN'],
  ['an ARN with a 13-digit account', (event) => ({ ...event, alarmArn: event.alarmArn.replace(`:${ACCOUNT}:`, `:${ACCOUNT}1:`) }), 'alarmArn is not a CloudWatch alarm ARN'],
  ['an ARN with an upper-case Region', (event) => ({ ...event, alarmArn: event.alarmArn.replace(`:${REGION}:`, `:${REGION.toUpperCase()}:`) }), 'alarmArn is not a CloudWatch alarm ARN'],
  ['an ARN without an alarm name', (event) => ({ ...event, alarmArn: event.alarmArn.replace(/alarm:.*$/, 'alarm:') }), 'alarmArn is not a CloudWatch alarm ARN'],
  ['an ARN with a second line', (event) => ({ ...event, alarmArn: `${event.alarmArn}\nx` }), 'alarmArn is not a CloudWatch alarm ARN'],
  ['an ARN of a dashboard', (event) => ({ ...event, alarmArn: event.alarmArn.replace(':alarm:', ':dashboard:') }), 'alarmArn is not a CloudWatch alarm ARN'],
  ['only the Region differs', (event) => ({ ...event, region: 'us-west-2' }), 'event region or accountId does not match alarmArn'],
  ['only the account differs', (event) => ({ ...event, accountId: '222222222222' }), 'event region or accountId does not match alarmArn'],
  ['no alarm data', (event) => ({ ...event, alarmData: undefined }), 'alarmData.alarmName does not match alarmArn'],
  ['alarm data as an array', (event) => ({ ...event, alarmData: [] }), 'alarmData.alarmName does not match alarmArn'],
  ['state as a string', (event) => ({ ...event, alarmData: { ...event.alarmData, state: 'ALARM' } }), 'alarmData.state.value is not an alarm state'],
  ['state value in lower case', (event) => ({ ...event, alarmData: { ...event.alarmData, state: { value: 'alarm' } } }), 'alarmData.state.value is not an alarm state'],
])('%s is malformed, with its reason', (_name, change, reason) => {
  expect(parseEvent(change(alarmEvent(wired[0], 'ALARM')))).toEqual({ kind: 'malformed', reason });
});

test.each<[string, string, string]>([
  ['aws', 'us-east-1', 'us-east-1a-isolated'],
  ['aws-us-gov', 'us-gov-west-1', 'a'],
  ['aws-cn', 'cn-north-1', 'name:with:colons and spaces'],
  ['aws-iso-b', 'us-isob-east-1', 'x'.repeat(255)],
])('an alarm event of partition %s in %s is parsed with every part of its ARN', (partition, region, alarmName) => {
  const alarmArn = `arn:${partition}:cloudwatch:${region}:${ACCOUNT}:alarm:${alarmName}`;
  for (const state of ['ALARM', 'OK', 'INSUFFICIENT_DATA'] as const) {
    const event = { source: 'aws.cloudwatch', alarmArn, accountId: ACCOUNT, region, alarmData: { alarmName, state: { value: state } } };
    expect(parseEvent(event)).toEqual({ kind: 'alarm', alarmName, alarmArn, partition, region, account: ACCOUNT, state });
  }
});

test('the reconcile schedule\'s input, and only it, is a reconcile', () => {
  expect(parseEvent({ source: 'cdk-azi.zonal-shift', action: 'reconcile' })).toEqual({ kind: 'reconcile' });
  expect(parseEvent({ source: 'cdk-azi.zonal-shift', action: 'reconcile', extra: 1 })).toEqual({ kind: 'reconcile' });
  expect(parseEvent({ action: 'reconcile' })).toEqual({ kind: 'malformed', reason: 'event source is not aws.cloudwatch' });
});
