import { parseConfig, parseStatusCodes, regionalName } from '../../lambda/zonal-probe/config';
import { DNS_NAME, LB_DIMENSION, env } from './support/fixtures';

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${text} is valid JSON`);
}

describe('parseConfig', () => {
  test('every value is read with surrounding blanks removed; a given host name is lower-cased', () => {
    const padded = Object.fromEntries(Object.entries(env({ HOST_HEADER: 'Shop.Example.com' })).map(([name, value]) => [name, ` ${value}\t`]));
    expect(parseConfig(padded)).toEqual({
      dnsName: DNS_NAME,
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      loadBalancerDimension: LB_DIMENSION,
      protocol: 'http',
      port: 80,
      path: '/health',
      hostHeader: 'shop.example.com',
      expectedStatus: [{ from: 200, to: 299 }],
      timeoutMs: 300,
      intervalMs: 400,
      requestsPerCycle: 1,
      runForMs: 400,
      namespace: 'CdkAzi/Probes',
      faultRateMetric: 'FaultRate',
      latencyMetric: 'Latency',
      cyclesMetric: 'Cycles',
    });
  });

  test('a blank HOST_HEADER is no host name: the Host header is the regional name', () => {
    expect(parseConfig(env({ HOST_HEADER: '  ' })).hostHeader).toBe(DNS_NAME);
  });

  test('the highest port is accepted', () => {
    expect(parseConfig(env({ PORT: '65535' })).port).toBe(65535);
  });

  test.each([
    ['LOAD_BALANCER_DNS_NAME', '   ', 'LOAD_BALANCER_DNS_NAME is not set'],
    ['AVAILABILITY_ZONES', 'us-east-1a', `AVAILABILITY_ZONES must be a JSON array of AZ names: ${jsonError('us-east-1a')}`],
    ['AVAILABILITY_ZONES', '[]', 'AVAILABILITY_ZONES must be a non-empty JSON array of AZ names such as "us-east-1a"'],
    ['AVAILABILITY_ZONES', '["Us-east-1a"]', 'AVAILABILITY_ZONES must be a non-empty JSON array of AZ names such as "us-east-1a"'],
    ['AVAILABILITY_ZONES', '["us-east-1A"]', 'AVAILABILITY_ZONES must be a non-empty JSON array of AZ names such as "us-east-1a"'],
    ['PORT', '65536', 'PORT must be at most 65535, got 65536'],
  ])('%s %j is refused', (name, value, message) => {
    expect(() => parseConfig(env({ [name]: value }))).toThrow(new Error(message));
  });
});

describe('parseStatusCodes', () => {
  test('blanks around codes, dashes and commas are allowed', () => {
    expect(parseStatusCodes(' 200 , 301 - 302 ')).toEqual([{ from: 200, to: 200 }, { from: 301, to: 302 }]);
  });

  test('the whole range of HTTP status codes is accepted', () => {
    expect(parseStatusCodes('100-599')).toEqual([{ from: 100, to: 599 }]);
  });

  test.each(['1200', '2000', '200-2990'])('%j is not a status code', (raw) => {
    expect(() => parseStatusCodes(raw)).toThrow(new Error(`EXPECTED_STATUS_CODES entry '${raw}' is not a status code or a range such as 200-299`));
  });

  test.each(['099', '600', '500-600', '300-200'])('%j is not a range of HTTP status codes', (raw) => {
    expect(() => parseStatusCodes(raw)).toThrow(new Error(`EXPECTED_STATUS_CODES entry '${raw}' is not a range of HTTP status codes`));
  });
});

test('the regional name ignores blanks, a trailing dot, case and the dualstack prefix', () => {
  expect(regionalName(` DualStack.${DNS_NAME.toUpperCase()}. `)).toBe(DNS_NAME);
});
