import { execFileSync } from 'node:child_process';
import { promises as dns } from 'node:dns';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSecureContext } from 'node:tls';
import { CloudWatchClient, PutMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { parseConfig, parseStatusCodes, zonalName } from '../../lambda/zonal-probe/config';
import { ProbeDeps, handler, runInvocation } from '../../lambda/zonal-probe/index';
import { Resolver, runCycle } from '../../lambda/zonal-probe/probe';
import { FakeMetricsServer } from './support/fake-metrics-server';
import { DNS_NAME, LB_DIMENSION, env } from './support/fixtures';
import { ZoneServers } from './support/zone-servers';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function delayed(resolve: Resolver, ms: number): Resolver {
  return async (hostname, port) => {
    await sleep(ms);
    return resolve(hostname, port);
  };
}

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

/** Sets environment variables; the function returned puts back what was there before. */
function setEnv(values: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = value;
      }
    }
  };
}

function deps(servers: ZoneServers, metrics: CloudWatchClient, logs: string[] = []): ProbeDeps {
  return {
    resolve: servers.resolver(DNS_NAME),
    metrics,
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: (line) => logs.push(line),
  };
}

describe('one cycle against one local server per AZ', () => {
  let servers: ZoneServers;
  beforeAll(async () => {
    servers = await ZoneServers.start({
      'us-east-1a': 'ok', 'us-east-1b': 'unavailable', 'us-east-1c': 'hang', 'us-east-1d': 'reset', 'us-east-1f': 'refused', 'us-east-1g': 'truncated',
    });
  });
  afterAll(() => servers.close());

  test('200 is a success; 503, a hang past the timeout, a reset, a body that breaks off, a refused connection and an unknown name are faults', async () => {
    const config = parseConfig(env({
      AVAILABILITY_ZONES: JSON.stringify(['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1e', 'us-east-1f', 'us-east-1g']),
    }));
    const started = Date.now();
    const results = await runCycle(config, servers.resolver(DNS_NAME));
    const elapsed = Date.now() - started;
    const byZone = Object.fromEntries(results.map((result) => [result.availabilityZone, result]));
    expect(byZone['us-east-1a']).toMatchObject({ outcome: 'ok', status: 200 });
    expect(byZone['us-east-1a'].latencySeconds).toBeGreaterThan(0);
    expect(byZone['us-east-1b']).toMatchObject({ outcome: 'status', status: 503 });
    expect(byZone['us-east-1c']).toEqual({ availabilityZone: 'us-east-1c', outcome: 'timeout', detail: 'no response within 300 ms' });
    expect(byZone['us-east-1d']).toEqual({ availabilityZone: 'us-east-1d', outcome: 'connection', detail: 'ECONNRESET' });
    expect(byZone['us-east-1e']).toEqual({ availabilityZone: 'us-east-1e', outcome: 'dns', detail: 'ENOTFOUND' });
    expect(byZone['us-east-1f']).toEqual({ availabilityZone: 'us-east-1f', outcome: 'connection', detail: 'ECONNREFUSED' });
    expect(byZone['us-east-1g']).toEqual({ availabilityZone: 'us-east-1g', outcome: 'connection', detail: 'ECONNRESET' });
    // The AZs are probed at once: the cycle lasts one timeout, not one per AZ.
    expect(elapsed).toBeLessThan(2 * config.timeoutMs);
  });

  test('the zonal name is resolved; the request is a GET of the path with the regional name as Host, the probe\'s User-Agent and Connection: close', async () => {
    const config = parseConfig(env({ AVAILABILITY_ZONES: JSON.stringify(['us-east-1a']) }));
    const seen: string[] = [];
    const resolve = servers.resolver(DNS_NAME);
    await runCycle(config, (hostname, port) => {
      seen.push(hostname);
      return resolve(hostname, port);
    });
    expect(seen).toEqual([`us-east-1a.${DNS_NAME}`]);
    expect(servers.requests['us-east-1a'].at(-1)).toEqual({
      method: 'GET', url: '/health', headers: { 'host': DNS_NAME, 'user-agent': 'cdk-azi-zonal-probe', 'connection': 'close' },
    });
  });

  test('a given host name is sent as the Host header', async () => {
    const config = parseConfig(env({ AVAILABILITY_ZONES: JSON.stringify(['us-east-1a']), HOST_HEADER: 'Shop.Example.com' }));
    await runCycle(config, servers.resolver(DNS_NAME));
    expect(servers.requests['us-east-1a'].at(-1)?.headers.host).toBe('shop.example.com');
  });

  test('an unexpected status that is not 5xx is a fault too (a wrong path reads as a fault everywhere)', async () => {
    const config = parseConfig(env({ AVAILABILITY_ZONES: JSON.stringify(['us-east-1a']), EXPECTED_STATUS_CODES: '204' }));
    const [result] = await runCycle(config, servers.resolver(DNS_NAME));
    expect(result).toMatchObject({ outcome: 'status', status: 200 });
  });

  test('a status in any of the expected ranges, the end of a range included, is a success', async () => {
    const config = parseConfig(env({ AVAILABILITY_ZONES: JSON.stringify(['us-east-1a']), EXPECTED_STATUS_CODES: '204,100-200' }));
    const [result] = await runCycle(config, servers.resolver(DNS_NAME));
    expect(result).toMatchObject({ outcome: 'ok', status: 200 });
  });

  test('the latency is in seconds and includes the resolution of the zonal name', async () => {
    const config = parseConfig(env({ AVAILABILITY_ZONES: JSON.stringify(['us-east-1a']) }));
    const started = performance.now();
    const [result] = await runCycle(config, delayed(servers.resolver(DNS_NAME), 50));
    const elapsedSeconds = (performance.now() - started) / 1000;
    expect(result.outcome).toBe('ok');
    expect(result.latencySeconds).toBeGreaterThanOrEqual(0.045);
    expect(result.latencySeconds).toBeLessThanOrEqual(elapsedSeconds);
  });

  test('no timer outlives a request that got its response', async () => {
    const config = parseConfig(env({ AVAILABILITY_ZONES: JSON.stringify(['us-east-1a', 'us-east-1b']) }));
    const before = activeTimers();
    const results = await runCycle(config, servers.resolver(DNS_NAME));
    expect(results.map((result) => result.outcome)).toEqual(['ok', 'status']);
    expect(activeTimers()).toBe(before);
  });

  test('a zonal name resolved after the timeout is not requested any more', async () => {
    const config = parseConfig(env({ AVAILABILITY_ZONES: JSON.stringify(['us-east-1a']) }));
    const received = servers.requests['us-east-1a'].length;
    const [result] = await runCycle(config, delayed(servers.resolver(DNS_NAME), config.timeoutMs + 100));
    expect(result).toEqual({ availabilityZone: 'us-east-1a', outcome: 'timeout', detail: 'no response within 300 ms' });
    await sleep(300);
    expect(servers.requests['us-east-1a']).toHaveLength(received);
  });

  test('a fault on the probe side (its resolver fails) is a fault in every AZ of the same cycle', async () => {
    const config = parseConfig(env({ AVAILABILITY_ZONES: JSON.stringify(['us-east-1a', 'us-east-1b']), REQUESTS_PER_CYCLE: '2' }));
    const results = await runCycle(config, async () => {
      throw Object.assign(new Error('resolver down'), { code: 'EAI_AGAIN' });
    });
    expect(results).toHaveLength(4);
    expect(results.every((result) => result.outcome === 'dns' && result.detail === 'EAI_AGAIN')).toBe(true);
  });
});

describe('the cycles of an invocation, on a clock that moves when it sleeps', () => {
  const T0 = Date.parse('2030-01-01T00:00:00.000Z');
  let servers: ZoneServers;
  beforeAll(async () => {
    servers = await ZoneServers.start({ 'us-east-1a': 'ok', 'us-east-1b': 'unavailable' });
  });
  afterAll(() => servers.close());

  function clocked(resolve: Resolver) {
    const clock = { now: T0 };
    const recorded = { sent: [] as PutMetricDataCommandInput[], logs: [] as string[], sleeps: [] as number[] };
    const probeDeps: ProbeDeps = {
      resolve,
      metrics: { send: async (command) => recorded.sent.push(command.input) },
      now: () => clock.now,
      sleep: async (ms) => {
        recorded.sleeps.push(ms);
        clock.now += ms;
      },
      log: (line) => recorded.logs.push(line),
    };
    return { clock, recorded, probeDeps };
  }

  test('the first cycle starts at once, the next at their interval from the start; after a late cycle the next starts at once', async () => {
    const config = parseConfig(env({ AVAILABILITY_ZONES: JSON.stringify(['us-east-1a']), INTERVAL_MS: '400', RUN_FOR_MS: '1200' }));
    const durations = [150, 500, 100];
    const resolve = servers.resolver(DNS_NAME);
    const { clock, recorded, probeDeps } = clocked((hostname, port) => {
      clock.now += durations.shift()!;
      return resolve(hostname, port);
    });
    const summary = await runInvocation(config, probeDeps);
    expect(summary).toEqual({ cycles: 3, datapoints: 9, publishFailures: 0, faults: { 'us-east-1a': 0 } });
    expect(recorded.sleeps).toEqual([250]);
    expect(recorded.sent.map((input) => input.MetricData?.[0].Timestamp)).toEqual([new Date(T0), new Date(T0 + 400), new Date(T0 + 900)]);
    expect(recorded.logs).toEqual([]);
  });

  test('a cycle with faults logs one warning with every request of the cycle by AZ, latency in milliseconds', async () => {
    const config = parseConfig(env({ AVAILABILITY_ZONES: JSON.stringify(['us-east-1a', 'us-east-1b', 'us-east-1e']), REQUESTS_PER_CYCLE: '2' }));
    const { recorded, probeDeps } = clocked(delayed(servers.resolver(DNS_NAME), 5));
    const summary = await runInvocation(config, probeDeps);
    expect(summary).toEqual({ cycles: 1, datapoints: 6, publishFailures: 0, faults: { 'us-east-1a': 0, 'us-east-1b': 2, 'us-east-1e': 2 } });
    const published = (az: string) => recorded.sent[0].MetricData!.find((datum) =>
      datum.MetricName === 'Latency' && datum.Dimensions?.[1].Value === az)!.Values!.map((seconds) => Math.round(seconds * 1000));
    expect(recorded.logs).toEqual([JSON.stringify({
      level: 'warn',
      message: 'probe faults',
      cycleStart: '2030-01-01T00:00:00.000Z',
      results: {
        'us-east-1a': published('us-east-1a').map((ms) => ({ outcome: 'ok', status: 200, ms })),
        'us-east-1b': published('us-east-1b').map((ms) => ({ outcome: 'status', status: 503, ms })),
        'us-east-1e': [{ outcome: 'dns', detail: 'ENOTFOUND' }, { outcome: 'dns', detail: 'ENOTFOUND' }],
      },
    })]);
    expect(published('us-east-1a').concat(published('us-east-1b')).every((ms) => ms >= 4)).toBe(true);
  });
});

describe('HTTPS', () => {
  let dir: string;
  let server: https.Server;
  const serverNames: Array<string | false> = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'probe-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'),
      '-out', join(dir, 'cert.pem'), '-subj', '/CN=shop.example.com', '-days', '1'], { stdio: 'ignore' });
    const credentials = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
    // The server name arrives in the ClientHello, before the client judges the certificate.
    server = https.createServer({
      ...credentials,
      SNICallback: (servername, callback) => {
        serverNames.push(servername);
        callback(null, createSecureContext(credentials));
      },
    }, (_req, res) => {
      res.writeHead(200);
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('the TLS server name is the host name, not the zonal name, and the certificate is verified', async () => {
    const config = parseConfig(env({ PROTOCOL: 'https', HOST_HEADER: 'shop.example.com', AVAILABILITY_ZONES: JSON.stringify(['us-east-1a']) }));
    const port = (server.address() as AddressInfo).port;
    const [result] = await runCycle(config, async (hostname) => {
      expect(hostname).toBe(`us-east-1a.${DNS_NAME}`);
      return { address: '127.0.0.1', port };
    });
    // The server saw SNI for the certificate's name; the self-signed certificate is not trusted,
    // so the probe reads a fault instead of accepting any certificate.
    expect(serverNames.at(-1)).toBe('shop.example.com');
    expect(result).toMatchObject({ outcome: 'connection', detail: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });
});

describe('an invocation publishes to a local CloudWatch endpoint over HTTP', () => {
  let servers: ZoneServers;
  let cloudwatch: FakeMetricsServer;
  let restoreEnv: () => void;
  beforeAll(async () => {
    servers = await ZoneServers.start({ 'us-east-1a': 'ok', 'us-east-1b': 'unavailable' });
    cloudwatch = await FakeMetricsServer.start();
    restoreEnv = setEnv({
      AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token',
      AWS_ENDPOINT_URL_CLOUDWATCH: cloudwatch.endpoint,
    });
  });
  afterAll(async () => {
    restoreEnv();
    await servers.close();
    await cloudwatch.close();
  });
  beforeEach(() => {
    cloudwatch.requests.length = 0;
  });

  test('each cycle is one PutMetricData with per-AZ fault rate and latency at one-second resolution', async () => {
    const config = parseConfig(env({ REQUESTS_PER_CYCLE: '3', INTERVAL_MS: '350', RUN_FOR_MS: '1000' }));
    // The client finds the endpoint the way the SDK does in Lambda: AWS_ENDPOINT_URL_CLOUDWATCH.
    const summary = await runInvocation(config, deps(servers, new CloudWatchClient({})));

    expect(summary).toMatchObject({ cycles: 3, publishFailures: 0, faults: { 'us-east-1a': 0, 'us-east-1b': 9 } });
    expect(cloudwatch.requests).toHaveLength(3);
    for (const request of cloudwatch.requests) {
      expect(request.body.Namespace).toBe('CdkAzi/Probes');
      const fault = (az: string) => request.body.MetricData.find((datum) =>
        datum.MetricName === 'FaultRate' && datum.Dimensions?.some((d) => d.Name === 'AvailabilityZone' && d.Value === az));
      expect(fault('us-east-1a')).toMatchObject({
        Dimensions: [{ Name: 'LoadBalancer', Value: LB_DIMENSION }, { Name: 'AvailabilityZone', Value: 'us-east-1a' }],
        Values: [0], Counts: [3], Unit: 'Percent', StorageResolution: 1,
      });
      expect(fault('us-east-1b')).toMatchObject({ Values: [100], Counts: [3], StorageResolution: 1 });
      const latency = request.body.MetricData.filter((datum) => datum.MetricName === 'Latency');
      // A 503 is a response too: both AZs report latency.
      expect(latency.map((datum) => datum.Values?.length)).toEqual([3, 3]);
      expect(latency.every((datum) => datum.StorageResolution === 1 && datum.Unit === 'Seconds')).toBe(true);
      expect(request.body.MetricData.filter((datum) => datum.MetricName === 'Cycles')).toEqual([
        expect.objectContaining({ Dimensions: [{ Name: 'LoadBalancer', Value: LB_DIMENSION }], Value: 1 }),
      ]);
    }
    // Cycles start one interval apart and each datapoint carries its cycle's start.
    const stamps = cloudwatch.requests.map((request) => request.body.MetricData[0].Timestamp as number);
    expect(stamps[1] - stamps[0]).toBeGreaterThanOrEqual(0.3);
    expect(stamps[2] - stamps[1]).toBeGreaterThanOrEqual(0.3);
    expect(summary.datapoints).toBe(3 * 5);
  });

  test('a failed PutMetricData is logged as an error and the next cycle still publishes; cycles without faults log nothing else', async () => {
    const config = parseConfig(env({ AVAILABILITY_ZONES: JSON.stringify(['us-east-1a']), INTERVAL_MS: '350', RUN_FOR_MS: '700' }));
    cloudwatch.faults.push(500);
    const logs: string[] = [];
    const summary = await runInvocation(config, deps(servers, new CloudWatchClient({ maxAttempts: 1 }), logs));
    expect(summary).toEqual({ cycles: 2, datapoints: 3, publishFailures: 1, faults: { 'us-east-1a': 0 } });
    expect(cloudwatch.requests).toHaveLength(1);
    expect(logs).toEqual([
      JSON.stringify({ level: 'error', message: 'PutMetricData failed', error: 'InternalServiceFault', detail: 'injected fault' }),
    ]);
  });

  test('the handler reads its configuration once, resolves with the system resolver, publishes with the SDK and logs a summary', async () => {
    const restoreProbeEnv = setEnv(env({
      AVAILABILITY_ZONES: JSON.stringify(['us-east-1a']), PORT: String(servers.port('us-east-1a')),
      TIMEOUT_MS: '450', INTERVAL_MS: '500', RUN_FOR_MS: '1000',
    }));
    const resolve = servers.resolver(DNS_NAME);
    const lookup = jest.spyOn(dns, 'lookup').mockImplementation((async (hostname: string) =>
      ({ address: (await resolve(hostname, 0)).address, family: 4 })) as typeof dns.lookup);
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await handler();
      process.env.METRICS_NAMESPACE = 'Changed';
      await handler();
      const done = JSON.stringify({ level: 'info', message: 'invocation done', cycles: 2, datapoints: 6, publishFailures: 0, faults: { 'us-east-1a': 0 } });
      expect(stdout.mock.calls).toEqual([[`${done}\n`], [`${done}\n`]]);
      expect(lookup.mock.calls.map(([hostname]) => hostname)).toEqual(Array(4).fill(`us-east-1a.${DNS_NAME}`));
      expect(cloudwatch.requests.map((request) => request.body.Namespace)).toEqual(Array(4).fill('CdkAzi/Probes'));
    } finally {
      stdout.mockRestore();
      lookup.mockRestore();
      restoreProbeEnv();
    }
  });
});

describe('configuration', () => {
  test('zonal names strip dualstack and put the AZ name first', () => {
    expect(zonalName('us-east-1a', 'DualStack.Shop-1.us-east-1.elb.amazonaws.com.')).toBe('us-east-1a.shop-1.us-east-1.elb.amazonaws.com');
  });

  test('status code lists and ranges', () => {
    expect(parseStatusCodes('200,301-302')).toEqual([{ from: 200, to: 200 }, { from: 301, to: 302 }]);
    expect(() => parseStatusCodes('2xx')).toThrow(/2xx/);
    expect(() => parseStatusCodes('300-200')).toThrow(/300-200/);
  });

  test.each([
    ['LOAD_BALANCER_DNS_NAME', '', /LOAD_BALANCER_DNS_NAME is not set/],
    ['AVAILABILITY_ZONES', '["us-east-1a", 3]', /AVAILABILITY_ZONES/],
    ['PROTOCOL', 'ftp', /PROTOCOL/],
    ['PROBE_PATH', 'health', /PROBE_PATH/],
    ['TIMEOUT_MS', '400', /TIMEOUT_MS \(400\) must be shorter than INTERVAL_MS/],
    ['REQUESTS_PER_CYCLE', '0', /REQUESTS_PER_CYCLE/],
  ])('a bad %s is refused', (name, value, message) => {
    expect(() => parseConfig(env({ [name]: value }))).toThrow(message);
  });
});
