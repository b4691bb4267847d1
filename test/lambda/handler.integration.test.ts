import http = require('node:http');
import https = require('node:https');
import { FakeArcServer } from './support/fake-arc-server';
import { FakeCloudWatchServer } from './support/fake-cloudwatch-server';
import { LB_ARN, LB_DIM, alarmEvent, compositeAlarm, detectionTree, localHandlerEnvironment, metricAlarm } from './support/fixtures';

type Handler = (event: unknown) => Promise<{ decision: string; reason: string; zonalShiftId?: string }>;

const ENV_KEYS = [
  'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE', 'AWS_EC2_METADATA_DISABLED', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_CLOUDWATCH',
  'AWS_ENDPOINT_URL_ARC_ZONAL_SHIFT', 'MANAGED_LOAD_BALANCER_ARNS', 'AZ_ID_MAP', 'SHIFT_EXPIRES_IN',
  'END_SHIFT_ON_RECOVERY', 'DRY_RUN', 'METRICS_NAMESPACE', 'AWS_MAX_ATTEMPTS',
];
const saved: Record<string, string | undefined> = {};

let arc: FakeArcServer;
let cloudwatch: FakeCloudWatchServer;
let logLines: string[];

/** A fresh copy of the real handler module, as in a new Lambda container. */
function loadHandler(env: Record<string, string | undefined> = {}): Handler {
  Object.assign(process.env, localHandlerEnvironment(arc, cloudwatch));
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) {
      delete process.env[key];
    } else {
      process.env[key] = value;
    }
  }
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    handler = require('../../lambda/zonal-shift/index').handler;
  });
  return handler!;
}

function decisions(): Array<Record<string, unknown>> {
  return logLines.map((line) => JSON.parse(line)).filter((record) => record.decision);
}

beforeAll(() => {
  for (const key of ENV_KEYS) {
    saved[key] = process.env[key];
    delete process.env[key];
  }
});

afterAll(() => {
  for (const key of ENV_KEYS) {
    if (saved[key] === undefined) {
      delete process.env[key];
    } else {
      process.env[key] = saved[key];
    }
  }
});

beforeEach(async () => {
  arc = await FakeArcServer.start();
  cloudwatch = await FakeCloudWatchServer.start();
  const tree = detectionTree(['us-east-1a']);
  cloudwatch.setAlarms(tree.metric, tree.composite);
  logLines = [];
  // Every endpoint in these tests is plain HTTP on 127.0.0.1: an HTTPS request would mean an
  // endpoint override was ignored, so fail it instead of letting it leave the machine.
  jest.spyOn(https, 'request').mockImplementation(() => {
    throw new Error('HTTPS request attempted: an endpoint override was ignored');
  });
  // Plain HTTP (credential endpoints, instance metadata) may only reach the local fakes.
  const realHttpRequest = http.request;
  jest.spyOn(http, 'request').mockImplementation(((...args: unknown[]) => {
    const target = args[0] as string | URL | http.RequestOptions;
    const host = typeof target === 'string' || target instanceof URL
      ? new URL(String(target)).hostname
      : target.hostname ?? target.host;
    if (host !== '127.0.0.1') {
      throw new Error(`HTTP request to ${String(host)} attempted: tests may only reach 127.0.0.1`);
    }
    return (realHttpRequest as (...a: unknown[]) => http.ClientRequest)(...args);
  }) as typeof http.request);
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    logLines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
});

afterEach(async () => {
  jest.restoreAllMocks();
  for (const key of ENV_KEYS) {
    delete process.env[key];
  }
  await Promise.all([arc.close(), cloudwatch.close()]);
});

describe('the real handler over HTTP', () => {
  test('an isolated-impact alarm starts one signed zonal shift', async () => {
    const decision = await loadHandler()(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision.decision).toBe('started');
    expect(arc.activeShifts()).toEqual([expect.objectContaining({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', comment: 'cdk-azi: alarm us-east-1a-isolated' })]);
    expect(arc.requests.map((request) => [request.method, request.path])).toEqual([['GET', '/zonalshifts'], ['POST', '/zonalshifts']]);
    expect(arc.requests[1].json).toEqual({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', expiresIn: '30m', comment: 'cdk-azi: alarm us-east-1a-isolated' });
  });

  test('every ARC request carries a valid SigV4 signature for arc-zonal-shift in the region', async () => {
    await loadHandler()(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(arc.requests).toHaveLength(2);
    for (const request of arc.requests) {
      const auth = String(request.headers.authorization);
      expect(auth).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDFAKEARC\/\d{8}\/us-east-1\/arc-zonal-shift\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/);
      expect(auth).toMatch(/SignedHeaders=([a-z0-9-]+;)*host;([a-z0-9-]+;)*x-amz-date/);
      expect(request.signatureValid).toBe(true);
    }
  });

  test('DescribeAlarms goes to the CloudWatch endpoint override as AWS JSON 1.0', async () => {
    await loadHandler()(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(cloudwatch.requests.length).toBe(3);
    for (const request of cloudwatch.requests) {
      expect(request).toMatchObject({ method: 'POST', path: '/', target: 'GraniteServiceVersion20100801.DescribeAlarms' });
      expect(request.headers['content-type']).toBe('application/x-amz-json-1.0');
      expect(String(request.headers.authorization)).toMatch(/\/us-east-1\/monitoring\/aws4_request/);
    }
    expect(cloudwatch.requests[0].body).toMatchObject({ AlarmNames: ['us-east-1a-isolated'], AlarmTypes: ['CompositeAlarm', 'MetricAlarm'] });
  });

  test('AWS_ENDPOINT_URL reaches CloudWatch while the ARC-specific override wins for ARC', async () => {
    const decision = await loadHandler({ AWS_ENDPOINT_URL_CLOUDWATCH: undefined, AWS_ENDPOINT_URL: cloudwatch.endpoint })(
      alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision.decision).toBe('started');
    expect(cloudwatch.requests.length).toBeGreaterThan(0);
    expect(arc.requests.length).toBe(2);
  });

  test('one decision line per event, in EMF', async () => {
    await loadHandler()(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decisions()).toEqual([expect.objectContaining({
      decision: 'started',
      Decision: 'started',
      Decisions: 1,
      _aws: expect.objectContaining({ CloudWatchMetrics: [expect.objectContaining({ Namespace: 'CdkAzi/ZonalShift', Dimensions: [['Decision']] })] }),
    })]);
  });

  test('the same event delivered twice yields one shift, extended the second time', async () => {
    const handler = loadHandler();
    const event = alarmEvent('us-east-1a-isolated', 'ALARM');
    const first = await handler(event);
    const second = await handler(event);
    expect([first.decision, second.decision]).toEqual(['started', 'extended']);
    expect(arc.shifts).toHaveLength(1);
    expect(arc.requests.map((request) => request.method)).toEqual(['GET', 'POST', 'GET', 'PATCH']);
  });

  test('a 409 ConflictException makes the handler re-read and decide again', async () => {
    arc.faults.push({ status: 409, type: 'ConflictException', reason: 'SimultaneousZonalShiftsConflict', method: 'POST' });
    const decision = await loadHandler()(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision.decision).toBe('started');
    expect(arc.requests.map((request) => request.method)).toEqual(['GET', 'POST', 'GET', 'POST']);
  });

  test('a 429 is retried inside the invocation', async () => {
    arc.faults.push({ status: 429, type: 'ThrottlingException', method: 'POST' });
    const decision = await loadHandler()(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision.decision).toBe('started');
    expect(arc.requests.filter((request) => request.method === 'POST')).toHaveLength(2);
  });

  test('persistent 500s are thrown so Lambda retries the event', async () => {
    for (let i = 0; i < 4; i++) {
      arc.faults.push({ status: 500, type: 'InternalServerException', method: 'GET' });
    }
    await expect(loadHandler()(alarmEvent('us-east-1a-isolated', 'ALARM'))).rejects.toMatchObject({ status: 500 });
    expect(arc.requests).toHaveLength(4);
    expect(arc.shifts).toHaveLength(0);
  });

  test('a 400 ValidationException is refused without a throw', async () => {
    arc.faults.push({ status: 400, type: 'ValidationException', reason: 'InvalidAz', method: 'POST' });
    const decision = await loadHandler()(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/400 ValidationException \(InvalidAz\)/) });
    expect(arc.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
  });

  test('recovery cancels our shift with a DELETE', async () => {
    const ours = arc.seed({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', comment: 'cdk-azi: alarm us-east-1a-isolated' });
    const tree = detectionTree([]);
    cloudwatch.setAlarms(tree.metric, tree.composite);
    const decision = await loadHandler()(alarmEvent('us-east-1a-isolated', 'OK'));
    expect(decision).toMatchObject({ decision: 'cancelled', zonalShiftId: ours.zonalShiftId });
    expect(arc.requests[1]).toMatchObject({ method: 'DELETE', path: `/zonalshifts/${ours.zonalShiftId}`, signatureValid: true });
  });

  test("recovery leaves a person's shift alone", async () => {
    arc.seed({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', comment: 'operator drain' });
    const tree = detectionTree([]);
    cloudwatch.setAlarms(tree.metric, tree.composite);
    const decision = await loadHandler()(alarmEvent('us-east-1a-isolated', 'OK'));
    expect(decision.decision).toBe('nothing-to-do');
    expect(arc.writes()).toHaveLength(0);
  });

  test('DRY_RUN reads but never writes to ARC', async () => {
    const decision = await loadHandler({ DRY_RUN: 'true' })(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision.decision).toBe('dry-run');
    expect(arc.writes()).toHaveLength(0);
  });

  test('a broken configuration is a refusal on every call, without a throw or an AWS call', async () => {
    const handler = loadHandler({ AZ_ID_MAP: undefined });
    const first = await handler(alarmEvent('us-east-1a-isolated', 'ALARM'));
    const second = await handler(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect([first, second]).toEqual([
      expect.objectContaining({ decision: 'refused', reason: 'invalid configuration: AZ_ID_MAP is not set' }),
      expect.objectContaining({ decision: 'refused' }),
    ]);
    expect(arc.requests).toHaveLength(0);
    expect(cloudwatch.requests).toHaveLength(0);
  });

  test('an unusable ARC endpoint override is a refusal, not a throw', async () => {
    const handler = loadHandler({ AWS_ENDPOINT_URL_ARC_ZONAL_SHIFT: 'not a url' });
    const decision = await handler(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/^invalid configuration: cannot build the AWS clients/) });
    expect(arc.requests).toHaveLength(0);
    expect(cloudwatch.requests).toHaveLength(0);
  });

  test('a malformed event is refused without any AWS call', async () => {
    const decision = await loadHandler()({ source: 'aws.cloudwatch', detail: {} });
    expect(decision.decision).toBe('refused');
    expect(arc.requests).toHaveLength(0);
    expect(cloudwatch.requests).toHaveLength(0);
  });

  test('CloudWatch access denied is a refusal', async () => {
    cloudwatch.faults.push({ status: 403, code: 'AccessDenied' });
    const decision = await loadHandler()(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/403/) });
    expect(arc.requests).toHaveLength(0);
  });

  test('persistent CloudWatch throttling is thrown after the SDK retries', async () => {
    for (let i = 0; i < 3; i++) {
      cloudwatch.faults.push({ status: 400, code: 'Throttling' });
    }
    await expect(loadHandler({ AWS_MAX_ATTEMPTS: '3' })(alarmEvent('us-east-1a-isolated', 'ALARM'))).rejects.toThrow();
    expect(cloudwatch.requests).toHaveLength(3);
    expect(arc.requests).toHaveLength(0);
  });

  test('children are described in batches of at most 100 names, following NextToken', async () => {
    const children = Array.from({ length: 150 }, (_, i) => metricAlarm(`child-${i}`, { az: 'us-east-1b', lb: LB_DIM, state: 'ALARM' }));
    const rule = children.map((child) => `ALARM("${child.AlarmArn}")`).join(' OR ');
    cloudwatch.setAlarms(children, [compositeAlarm('wide', rule, 'ALARM')]);
    cloudwatch.pageSize = 40;
    const decision = await loadHandler()(alarmEvent('wide', 'ALARM'));
    expect(decision).toMatchObject({ decision: 'started' });
    const batches = cloudwatch.requests.map((request) => [(request.body.AlarmNames as string[]).length, request.body.NextToken ?? null]);
    expect(batches).toEqual([[1, null], [100, null], [100, '40'], [100, '80'], [50, null], [50, '40']]);
  });

  test('a practice run away from the impaired AZ is superseded by our customer shift', async () => {
    const practice = arc.seed({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', shiftType: 'PRACTICE_RUN', comment: 'practice run', practiceRunOutcome: 'PENDING' });
    const decision = await loadHandler()(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision.decision).toBe('started');
    expect(arc.activeShifts()).toEqual([expect.objectContaining({ awayFrom: 'use1-az6', shiftType: 'ZONAL_SHIFT', comment: 'cdk-azi: alarm us-east-1a-isolated' })]);
    expect(practice).toMatchObject({ status: 'CANCELED', practiceRunOutcome: 'INTERRUPTED' });
    expect(decisions()).toEqual([expect.objectContaining({ decision: 'started', supersedes: [{ zonalShiftId: practice.zonalShiftId, shiftType: 'PRACTICE_RUN' }] })]);
  });

  test('an autoshift away from another AZ is refused without any write', async () => {
    arc.seed({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az1', shiftType: 'ZONAL_AUTOSHIFT', comment: '' });
    const decision = await loadHandler()(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/autoshift.*use1-az1.*regional/) });
    expect(arc.writes()).toHaveLength(0);
  });

  test('recovery never cancels a practice run, even one whose comment carries our marker', async () => {
    arc.seed({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', shiftType: 'PRACTICE_RUN', comment: 'cdk-azi: alarm us-east-1a-isolated' });
    const tree = detectionTree([]);
    cloudwatch.setAlarms(tree.metric, tree.composite);
    const decision = await loadHandler()(alarmEvent('us-east-1a-isolated', 'OK'));
    expect(decision).toMatchObject({ decision: 'nothing-to-do', reason: expect.stringMatching(/PRACTICE_RUN/) });
    expect(arc.writes()).toHaveLength(0);
  });

  test('ListZonalShifts pages are followed before deciding', async () => {
    const paged = await FakeArcServer.start({ pageSize: 1 });
    paged.seed({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', comment: 'operator' });
    paged.seed({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az1', comment: 'operator' });
    try {
      const decision = await loadHandler({ AWS_ENDPOINT_URL_ARC_ZONAL_SHIFT: paged.endpoint, AWS_ACCESS_KEY_ID: paged.accessKeyId })(
        alarmEvent('us-east-1a-isolated', 'ALARM'));
      expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/use1-az1/) });
      expect(paged.requests.map((request) => request.query.nextToken ?? null)).toEqual([null, '1']);
    } finally {
      await paged.close();
    }
  });
});
