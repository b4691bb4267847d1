import { ARC_RETRY, CLOUDWATCH_RETRY, MAX_ROUNDS, worstCallMs, worstDecisionMs } from '../../lambda/zonal-shift/budget';
import { CONFIG_VARIABLE, isValidExpiresIn, parseConfig, shiftComment } from '../../lambda/zonal-shift/config';
import { LB_ARN, OWNER, rawConfig } from './support/fixtures';

const env = (config: unknown) => ({ [CONFIG_VARIABLE]: typeof config === 'string' ? config : JSON.stringify(config) });

test('a complete configuration is parsed into one group per load balancer and zone', () => {
  const config = parseConfig(env(rawConfig({ extraWired: [{ name: 'us-east-1a-isolated-latency', az: 'us-east-1a' }] })));
  expect(config).toMatchObject({ owner: OWNER, shiftExpiresIn: '30m', shiftExpiresInMinutes: 30, endShiftOnRecovery: true, recoveryWindowMs: 300_000, dryRun: false });
  expect(config.groups.map((group) => [group.availabilityZone, group.availabilityZoneId, group.wired.length])).toEqual([
    ['us-east-1a', 'use1-az6', 2], ['us-east-1b', 'use1-az1', 1], ['us-east-1c', 'use1-az2', 1],
  ]);
  const [a] = config.groups;
  expect(a).toMatchObject({
    loadBalancerArn: LB_ARN,
    comment: `cdk-azi:${OWNER} isolated impact in us-east-1a`,
    impairedAlarms: ['us-east-1a-impaired'],
    otherImpairedAlarms: ['us-east-1b-impaired', 'us-east-1c-impaired'],
    dimensionAlarms: ['us-east-1a-5xx', 'us-east-1a-5xx-rate'],
    recoveryAlarms: ['us-east-1a-probe'],
  });
  expect(a.alarmNames).toHaveLength(8);
  expect(new Set(a.alarmNames).size).toBe(8);
});

test.each<[string, (raw: Record<string, any>) => unknown, RegExp]>([
  ['not set', () => undefined, /ZONAL_SHIFT_CONFIG: is not set/],
  ['not JSON', () => '{owner', /is not valid JSON/],
  ['an array', () => [], /is not a JSON object/],
  ['an owner with capitals', (raw) => ({ ...raw, owner: 'ABC' }), /'owner' must be/],
  ['expiry in seconds', (raw) => ({ ...raw, expiresIn: '30s' }), /'expiresIn' must be/],
  ['expiry over 72h', (raw) => ({ ...raw, expiresIn: '73h' }), /'expiresIn' must be/],
  ['a string boolean', (raw) => ({ ...raw, dryRun: 'true' }), /'dryRun' must be true or false/],
  ['an empty namespace', (raw) => ({ ...raw, namespace: '' }), /'namespace'/],
  ['a load balancer that is not an ARN', (raw) => ({ ...raw, loadBalancers: ['web'] }), /'loadBalancers'/],
  ['a name index out of range', (raw) => ({ ...raw, alarms: [{ ...raw.alarms[0], dims: [99] }] }), /index 99 is out of range/],
  ['a zone without an ID', (raw) => ({ ...raw, alarms: [{ ...raw.alarms[0], az: 'us-east-1z' }] }), /us-east-1z of a wired alarm is not in zoneIds/],
  ['a load balancer index out of range', (raw) => ({ ...raw, alarms: [{ ...raw.alarms[0], lb: 1 }] }), /load balancer index 1/],
  ['an alarm wired twice', (raw) => ({ ...raw, alarms: [raw.alarms[0], raw.alarms[0]] }), /wired twice/],
  ['no dimension alarms', (raw) => ({ ...raw, alarms: [{ ...raw.alarms[0], dims: [] }] }), /at least one dimension-carrying alarm/],
  ['a timeout the worst case does not fit', (raw) => ({ ...raw, timeoutSeconds: 60 }), /more than the function's timeout/],
])('%s is rejected naming the field', (_name, change, message) => {
  const raw = JSON.parse(JSON.stringify(rawConfig())) as Record<string, any>;
  const value = change(raw);
  expect(() => parseConfig(value === undefined ? {} : env(value))).toThrow(message);
});

test('the worst case of one decision fits the 90 s timeout: 2 rounds of read, read, write, all retries timing out', () => {
  expect(worstCallMs(ARC_RETRY)).toBe(3 * 3000 + 200 + 400);
  expect(worstCallMs(CLOUDWATCH_RETRY)).toBe(3 * 3000 + 500 + 1000);
  expect(MAX_ROUNDS).toBe(2);
  expect(worstDecisionMs()).toBe(2 * (2 * 9600 + 10500) + 10_000);
  expect(worstDecisionMs()).toBeLessThanOrEqual(90_000);
});

test('the comment is exact and fits ARC', () => {
  expect(shiftComment('a1b2c3d4e5', 'us-east-1a')).toBe('cdk-azi:a1b2c3d4e5 isolated impact in us-east-1a');
  expect(shiftComment('a1b2c3d4e5', 'x'.repeat(200))).toHaveLength(128);
});

test.each([
  ['1m', true],
  ['72h', true],
  ['4320m', true],
  ['4321m', false],
  ['0m', false],
  ['01h', false],
  ['1d', false],
  ['', false],
])('expiresIn %j valid: %s', (value, valid) => {
  expect(isValidExpiresIn(value)).toBe(valid);
});
