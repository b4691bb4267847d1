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
  ['30mx', false],
  ['', false],
])('expiresIn %j valid: %s', (value, valid) => {
  expect(isValidExpiresIn(value)).toBe(valid);
});

// Every refusal of the configuration, with its whole message: the message is what an operator
// reads in the function's log when a deploy rendered something the function cannot use.
test.each<[string, (raw: Record<string, any>) => unknown, string]>([
  ['an empty variable', () => '  ', 'is not set'],
  ['null', () => null, 'is not a JSON object'],
  ['an owner that is too short', (raw) => ({ ...raw, owner: 'abc' }), "'owner' must be a short lower-case id"],
  ['an owner that is too long', (raw) => ({ ...raw, owner: 'a'.repeat(17) }), "'owner' must be a short lower-case id"],
  ['an owner with a dash', (raw) => ({ ...raw, owner: 'ab-cd' }), "'owner' must be a short lower-case id"],
  ['an owner that is a number', (raw) => ({ ...raw, owner: 12345 }), "'owner' must be a short lower-case id"],
  ['an expiry that is a number', (raw) => ({ ...raw, expiresIn: 30 }), "'expiresIn' must be an ARC expiresIn of at most 72h ('30m', '6h')"],
  ['a negative recovery window', (raw) => ({ ...raw, recoverySeconds: -1 }), "'recoverySeconds' must be a whole number of seconds"],
  ['a fractional recovery window', (raw) => ({ ...raw, recoverySeconds: 1.5 }), "'recoverySeconds' must be a whole number of seconds"],
  ['a namespace that is not a string', (raw) => ({ ...raw, namespace: 7 }), "'namespace' must be a non-empty string"],
  ['a zero timeout', (raw) => ({ ...raw, timeoutSeconds: 0 }), "'timeoutSeconds' must be a positive whole number"],
  ['a fractional timeout', (raw) => ({ ...raw, timeoutSeconds: 90.5 }), "'timeoutSeconds' must be a positive whole number"],
  ['zone IDs as an array', (raw) => ({ ...raw, zoneIds: ['use1-az6'] }), "'zoneIds' must be an object of AZ name to AZ ID"],
  ['an empty zone ID', (raw) => ({ ...raw, zoneIds: { ...raw.zoneIds, 'us-east-1a': '' } }), "'zoneIds' must be an object of AZ name to AZ ID"],
  ['load balancers that are not strings', (raw) => ({ ...raw, loadBalancers: [1] }), "'loadBalancers' must be an array of load balancer ARNs"],
  ['one load balancer that is not an ARN among ARNs', (raw) => ({ ...raw, loadBalancers: [...raw.loadBalancers, 'web'] }), "'loadBalancers' must be an array of load balancer ARNs"],
  ['load balancers as one string', (raw) => ({ ...raw, loadBalancers: raw.loadBalancers[0] }), "'loadBalancers' must be an array of load balancer ARNs"],
  ['an empty alarm name', (raw) => ({ ...raw, names: [...raw.names, ''] }), "'names' must be an array of alarm names"],
  ['alarms as an object', (raw) => ({ ...raw, alarms: {} }), "'alarms' must be an array"],
  ['a wired alarm that is not an object', (raw) => ({ ...raw, alarms: [raw.alarms[0], 'x'] }), 'every wired alarm must be an object'],
  ['a negative name index', (raw) => ({ ...raw, alarms: [{ ...raw.alarms[0], alarm: -1 }] }), 'alarm name index -1 is out of range'],
  ['a fractional name index', (raw) => ({ ...raw, alarms: [{ ...raw.alarms[0], impaired: [0.5] }] }), 'alarm name index 0.5 is out of range'],
  ['a name index one past the end', (raw) => ({ ...raw, alarms: [{ ...raw.alarms[0], recovery: [raw.names.length] }] }), `alarm name index ${rawConfig().names.length} is out of range`],
  ['impaired alarms that are not an array', (raw) => ({ ...raw, alarms: [{ ...raw.alarms[0], impaired: 0 }] }), "'impaired' of a wired alarm must be an array of name indexes"],
  ['other zones that are not an array', (raw) => ({ ...raw, alarms: [{ ...raw.alarms[0], others: 0 }] }), "'others' of a wired alarm must be an array of name indexes"],
  ['dimension alarms that are not an array', (raw) => ({ ...raw, alarms: [{ ...raw.alarms[0], dims: 0 }] }), "'dims' of a wired alarm must be an array of name indexes"],
  ['recovery alarms that are not an array', (raw) => ({ ...raw, alarms: [{ ...raw.alarms[0], recovery: 0 }] }), "'recovery' of a wired alarm must be an array of name indexes"],
  ['a negative load balancer index', (raw) => ({ ...raw, alarms: [{ ...raw.alarms[0], lb: -1 }] }), 'load balancer index -1 is out of range'],
  ['a load balancer index as text', (raw) => ({ ...raw, alarms: [{ ...raw.alarms[0], lb: '0' }] }), 'load balancer index 0 is out of range'],
  ['a zone that is not a string', (raw) => ({ ...raw, alarms: [{ ...raw.alarms[0], az: 1 }] }), 'zone 1 of a wired alarm is not in zoneIds'],
  ['a zone named like an object property', (raw) => ({ ...raw, alarms: [{ ...raw.alarms[0], az: 'toString' }] }), 'zone toString of a wired alarm is not in zoneIds'],
  ['an alarm wired twice', (raw) => ({ ...raw, alarms: [raw.alarms[0], raw.alarms[0]] }), `alarm ${raw0Name()} is wired twice`],
  ['no impaired alarm', (raw) => ({ ...raw, alarms: [{ ...raw.alarms[0], impaired: [] }] }), `alarm ${raw0Name()} needs its zone's impaired alarm and at least one dimension-carrying alarm`],
  ['an end-on-recovery switch as text', (raw) => ({ ...raw, endOnRecovery: 'yes' }), "'endOnRecovery' must be true or false"],
  ['a timeout the worst case does not fit', (raw) => ({ ...raw, timeoutSeconds: 69 }), "a decision may take 69400 ms, more than the function's timeout of 69 s"],
])('%s is refused with its whole message', (_name, change, message) => {
  const raw = JSON.parse(JSON.stringify(rawConfig())) as Record<string, any>;
  expect(() => parseConfig(env(change(raw)))).toThrow(new Error(`${CONFIG_VARIABLE}: ${message}`));
});

function raw0Name(): string {
  const raw = rawConfig();
  return raw.names[raw.alarms[0].alarm];
}

test('the edges of what is accepted: a zero recovery window, the shortest and longest owner, a timeout the worst case just fits', () => {
  const raw = rawConfig();
  expect(parseConfig(env({ ...raw, recoverySeconds: 0 })).recoveryWindowMs).toBe(0);
  expect(parseConfig(env({ ...raw, owner: 'abcd' })).owner).toBe('abcd');
  expect(parseConfig(env({ ...raw, owner: 'a1'.repeat(8) })).owner).toBe('a1'.repeat(8));
  expect(parseConfig(env({ ...raw, timeoutSeconds: 70 })).groups).toHaveLength(3);
  expect(parseConfig(env({ ...raw, expiresIn: '72h' })).shiftExpiresInMinutes).toBe(4320);
  expect(parseConfig(env({ ...raw, expiresIn: '2h' })).shiftExpiresInMinutes).toBe(120);
  expect(parseConfig(env({ ...raw, dryRun: true, endOnRecovery: false }))).toMatchObject({ dryRun: true, endShiftOnRecovery: false, metricsNamespace: 'CdkAzi/ZonalShift' });
});

test.each<[string, unknown, string[], string | undefined]>([
  ['absent', undefined, [], undefined],
  ['empty', [], [], undefined],
  ['two role ARNs', ['arn:aws:iam::111122223333:role/a', 'arn:aws-cn:iam::111122223333:role/path/b'], ['arn:aws:iam::111122223333:role/a', 'arn:aws-cn:iam::111122223333:role/path/b'], undefined],
  ['a string', 'arn:aws:iam::111122223333:role/a', [], "'drill' is not an array of IAM role ARNs"],
  ['a user ARN among roles', ['arn:aws:iam::111122223333:role/a', 'arn:aws:iam::111122223333:user/u'], ['arn:aws:iam::111122223333:role/a'],
    '\'drill\' names 1 value(s) that are not IAM role ARNs, left out: "arn:aws:iam::111122223333:user/u"'],
  ['a role ARN with a short account', ['arn:aws:iam::1111:role/a', 7], [], '\'drill\' names 2 value(s) that are not IAM role ARNs, left out: "arn:aws:iam::1111:role/a"'],
  ['a role ARN with text before it', ['x arn:aws:iam::111122223333:role/a'], [], '\'drill\' names 1 value(s) that are not IAM role ARNs, left out: "x arn:aws:iam::111122223333:role/a"'],
  ['a role ARN inside an array', [['arn:aws:iam::111122223333:role/a']], [], '\'drill\' names 1 value(s) that are not IAM role ARNs, left out: ["arn:aws:iam::111122223333:role/a"]'],
  ['a long bad value', ['y'.repeat(300)], [], `'drill' names 1 value(s) that are not IAM role ARNs, left out: "${'y'.repeat(119)}`],
])('drill roles %s: kept roles and the problem, never a refusal of the configuration', (_name, drill, roles, problem) => {
  const config = parseConfig(env({ ...rawConfig(), drill }));
  expect(config.drillRoles).toEqual(roles);
  expect(config.drillProblem).toBe(problem);
  expect('drillProblem' in config).toBe(problem !== undefined);
  expect(config.groups).toHaveLength(3);
});

test('every other wired zone of the same load balancer counts as another zone; zones of another load balancer do not', () => {
  const raw = rawConfig();
  const lb2 = 'arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/other/0123456789abcdef';
  const names = [...raw.names, 'lb2-a-isolated', 'lb2-a-impaired', 'lb2-a-5xx'];
  const at = (name: string) => names.indexOf(name);
  const config = parseConfig(env({
    ...raw,
    loadBalancers: [...raw.loadBalancers, lb2],
    names,
    alarms: [
      ...raw.alarms.map((alarm) => ({ ...alarm, others: [] })),
      { alarm: at('lb2-a-isolated'), lb: 1, az: 'us-east-1a', impaired: [at('lb2-a-impaired')], others: [], dims: [at('lb2-a-5xx')], recovery: [] },
    ],
  }));
  expect(config.groups.map((group) => [group.loadBalancerArn === lb2, group.availabilityZone, group.otherImpairedAlarms])).toEqual([
    [false, 'us-east-1a', ['us-east-1b-impaired', 'us-east-1c-impaired']],
    [false, 'us-east-1b', ['us-east-1a-impaired', 'us-east-1c-impaired']],
    [false, 'us-east-1c', ['us-east-1a-impaired', 'us-east-1b-impaired']],
    [true, 'us-east-1a', []],
  ]);
  expect(config.groups[3]).toMatchObject({ availabilityZoneId: 'use1-az6', alarmNames: ['lb2-a-isolated', 'lb2-a-impaired', 'lb2-a-5xx'], recoveryAlarms: [] });
});
