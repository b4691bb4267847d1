import { isValidExpiresIn, parseConfig } from '../../lambda/zonal-shift/config';

const GOOD = {
  MANAGED_LOAD_BALANCER_ARNS: '["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/web/1"]',
  AZ_ID_MAP: '{"us-east-1a":"use1-az6"}',
  SHIFT_EXPIRES_IN: '30m',
  END_SHIFT_ON_RECOVERY: 'true',
  DRY_RUN: 'false',
  METRICS_NAMESPACE: 'CdkAzi/ZonalShift',
};

test('a complete environment is parsed', () => {
  expect(parseConfig(GOOD)).toEqual({
    managedLoadBalancerArns: ['arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/web/1'],
    azIdMap: { 'us-east-1a': 'use1-az6' },
    shiftExpiresIn: '30m',
    endShiftOnRecovery: true,
    dryRun: false,
    metricsNamespace: 'CdkAzi/ZonalShift',
  });
});

test('optional variables have safe defaults', () => {
  const config = parseConfig({ MANAGED_LOAD_BALANCER_ARNS: GOOD.MANAGED_LOAD_BALANCER_ARNS, AZ_ID_MAP: GOOD.AZ_ID_MAP });
  expect(config).toMatchObject({ shiftExpiresIn: '60m', endShiftOnRecovery: false, dryRun: false, metricsNamespace: 'CdkAzi/ZonalShift' });
});

test.each<[string, Record<string, string | undefined>, RegExp]>([
  ['missing load balancers', { MANAGED_LOAD_BALANCER_ARNS: undefined }, /MANAGED_LOAD_BALANCER_ARNS is not set/],
  ['load balancers not JSON', { MANAGED_LOAD_BALANCER_ARNS: '[arn' }, /MANAGED_LOAD_BALANCER_ARNS is not valid JSON/],
  ['load balancers not an array', { MANAGED_LOAD_BALANCER_ARNS: '"arn:aws:x"' }, /MANAGED_LOAD_BALANCER_ARNS must be a JSON array/],
  ['missing AZ map', { AZ_ID_MAP: '' }, /AZ_ID_MAP is not set/],
  ['AZ map an array', { AZ_ID_MAP: '["use1-az6"]' }, /AZ_ID_MAP must be a JSON object/],
  ['AZ map with a number', { AZ_ID_MAP: '{"us-east-1a":6}' }, /AZ_ID_MAP must be a JSON object/],
  ['expiry in seconds', { SHIFT_EXPIRES_IN: '30s' }, /SHIFT_EXPIRES_IN .* got '30s'/],
  ['expiry over 72h', { SHIFT_EXPIRES_IN: '73h' }, /SHIFT_EXPIRES_IN/],
  ['boolean spelled Yes', { DRY_RUN: 'Yes' }, /DRY_RUN must be 'true' or 'false'/],
  ['empty namespace', { METRICS_NAMESPACE: ' ' }, /METRICS_NAMESPACE/],
])('%s is rejected naming the variable', (_name, override, message) => {
  expect(() => parseConfig({ ...GOOD, ...override })).toThrow(message);
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
