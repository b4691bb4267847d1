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
