import http = require('node:http');
import https = require('node:https');
import { partitionOf } from '../../lambda/zonal-shift/index';
import { HandlerConfig } from '../../lambda/zonal-shift/types';
import { FakeArcServer } from './support/fake-arc-server';
import { FakeCloudWatchServer } from './support/fake-cloudwatch-server';
import { LB_ARN, RECONCILE, alarmEvent, detectionTree, localHandlerEnvironment, ourComment } from './support/fixtures';

type Handler = (event: unknown, context?: { getRemainingTimeInMillis(): number }) => Promise<Array<{ decision: string; reason: string; zonalShiftId?: string }>>;

const ENV_KEYS = [
  'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE', 'AWS_EC2_METADATA_DISABLED', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_CLOUDWATCH',
  'AWS_ENDPOINT_URL_ARC_ZONAL_SHIFT', 'ZONAL_SHIFT_CONFIG', 'AWS_MAX_ATTEMPTS',
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
  setTree(['us-east-1a']);
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
  test('an isolated-impact alarm starts one signed zonal shift with our exact comment', async () => {
    const [decision] = await loadHandler()(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision.decision).toBe('started');
    expect(arc.activeShifts()).toEqual([expect.objectContaining({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', comment: ourComment('us-east-1a') })]);
    expect(arc.requests.map((request) => request.operation)).toEqual(['GetManagedResource', 'StartZonalShift']);
    expect(arc.requests[1].json).toEqual({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', expiresIn: '30m', comment: ourComment('us-east-1a') });
  });

  test('every ARC request carries a SigV4 signature that the canonical request of the AWS documentation verifies', async () => {
    await loadHandler()(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(arc.requests).toHaveLength(2);
    for (const request of arc.requests) {
      expect(String(request.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDFAKEARC\/\d{8}\/us-east-1\/arc-zonal-shift\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/);
      expect(request.signatureValid).toBe(true);
    }
    expect(arc.requests[0].rawPath).toBe(`/managedresources/${encodeURIComponent(LB_ARN)}`);
  });

  test('one DescribeAlarms call to the CloudWatch endpoint override, naming every alarm the decision reads', async () => {
    await loadHandler()(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(cloudwatch.requests).toHaveLength(1);
    const [request] = cloudwatch.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/', target: 'GraniteServiceVersion20100801.DescribeAlarms' });
    expect(request.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(String(request.headers.authorization)).toMatch(/\/us-east-1\/monitoring\/aws4_request/);
    expect(request.body).toMatchObject({ AlarmTypes: ['CompositeAlarm', 'MetricAlarm'] });
    expect([...(request.body.AlarmNames as string[])].sort()).toEqual([
      'us-east-1a-5xx', 'us-east-1a-5xx-rate', 'us-east-1a-impaired', 'us-east-1a-isolated', 'us-east-1a-probe', 'us-east-1b-impaired', 'us-east-1c-impaired',
    ]);
  });

  test('AWS_ENDPOINT_URL reaches CloudWatch while the ARC-specific override wins for ARC', async () => {
    const [decision] = await loadHandler({ AWS_ENDPOINT_URL_CLOUDWATCH: undefined, AWS_ENDPOINT_URL: cloudwatch.endpoint })(
      alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision.decision).toBe('started');
    expect(cloudwatch.requests).toHaveLength(1);
    expect(arc.requests).toHaveLength(2);
  });

  test('one decision line per alarm event, in EMF', async () => {
    await loadHandler()(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decisions()).toEqual([expect.objectContaining({
      decision: 'started',
      Decision: 'started',
      Decisions: 1,
      trigger: 'us-east-1a-isolated',
      _aws: expect.objectContaining({ CloudWatchMetrics: [expect.objectContaining({ Namespace: 'CdkAzi/ZonalShift', Dimensions: [['Decision']] })] }),
    })]);
  });

  test('the reconcile input decides every wired zone, one line each', async () => {
    const result = await loadHandler()(RECONCILE);
    expect(result.map((decision) => decision.decision)).toEqual(['started', 'nothing-to-do', 'nothing-to-do']);
    expect(decisions()).toHaveLength(3);
  });

  test('the same event delivered twice yields one shift, left as it is the second time', async () => {
    const handler = loadHandler();
    const event = alarmEvent('us-east-1a-isolated', 'ALARM');
    const [first] = await handler(event);
    const [second] = await handler(event);
    expect([first.decision, second.decision]).toEqual(['started', 'nothing-to-do']);
    expect(arc.shifts).toHaveLength(1);
  });

  test('a 429 is retried inside the invocation', async () => {
    arc.faults.push({ status: 429, type: 'ThrottlingException', operation: 'StartZonalShift' });
    const [decision] = await loadHandler()(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision.decision).toBe('started');
    expect(arc.calls('StartZonalShift')).toHaveLength(2);
  });

  test('persistent 500s are thrown after 3 attempts so Lambda retries the event', async () => {
    for (let i = 0; i < 3; i++) {
      arc.faults.push({ status: 500, type: 'InternalServerException', operation: 'GetManagedResource' });
    }
    await expect(loadHandler()(alarmEvent('us-east-1a-isolated', 'ALARM'))).rejects.toMatchObject({ status: 500 });
    expect(arc.requests).toHaveLength(3);
    expect(arc.shifts).toHaveLength(0);
    expect(logLines.map((line) => JSON.parse(line))).toEqual([expect.objectContaining({ level: 'ERROR', message: expect.stringMatching(/Lambda retry/) })]);
  });

  test('a 400 ValidationException is refused without a throw', async () => {
    arc.faults.push({ status: 400, type: 'ValidationException', reason: 'InvalidAz', operation: 'StartZonalShift' });
    const [decision] = await loadHandler()(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/400 ValidationException \(InvalidAz\)/) });
    expect(arc.calls('StartZonalShift')).toHaveLength(1);
  });

  test('a load balancer zonal shift does not manage (404) is refused', async () => {
    arc.faults.push({ status: 404, type: 'ResourceNotFoundException', operation: 'GetManagedResource' });
    const [decision] = await loadHandler()(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/404 ResourceNotFoundException/) });
  });

  test('recovery cancels our shift with a DELETE', async () => {
    // The shift started two hours ago; the probes came back to OK an hour ago.
    const ours = arc.seed({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', comment: ourComment('us-east-1a'), startTime: Math.floor(Date.now() / 1000) - 7200 });
    setTree([]);
    const [decision] = await loadHandler()(alarmEvent('us-east-1a-isolated', 'OK'));
    expect(decision).toMatchObject({ decision: 'cancelled', zonalShiftId: ours.zonalShiftId });
    expect(arc.requests[1]).toMatchObject({ operation: 'CancelZonalShift', path: `/zonalshifts/${ours.zonalShiftId}`, signatureValid: true });
  });

  test('a broken configuration is a refusal on every call, without a throw or an AWS call', async () => {
    const handler = loadHandler({ ZONAL_SHIFT_CONFIG: undefined });
    const first = await handler(alarmEvent('us-east-1a-isolated', 'ALARM'));
    const second = await handler(RECONCILE);
    expect([...first, ...second]).toEqual([
      expect.objectContaining({ decision: 'refused', reason: 'invalid configuration: ZONAL_SHIFT_CONFIG: is not set' }),
      expect.objectContaining({ decision: 'refused' }),
    ]);
    expect(arc.requests).toHaveLength(0);
    expect(cloudwatch.requests).toHaveLength(0);
  });

  test('the refusal of a broken configuration counts in the configured namespace, or the default one', async () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await loadHandler({ ZONAL_SHIFT_CONFIG: undefined })(RECONCILE);
      await loadHandler({ ZONAL_SHIFT_CONFIG: '{"namespace":"Team/Shifts","owner":"NOT VALID"}' })(RECONCILE);
    } finally {
      spy.mockRestore();
    }
    const namespaces = written.map((line) => JSON.parse(line)._aws.CloudWatchMetrics[0].Namespace);
    expect(namespaces).toEqual(['CdkAzi/ZonalShift', 'Team/Shifts']);
  });

  test('an unusable ARC endpoint override is a refusal, not a throw', async () => {
    const [decision] = await loadHandler({ AWS_ENDPOINT_URL_ARC_ZONAL_SHIFT: 'not a url' })(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/^invalid configuration: /) });
    expect(arc.requests).toHaveLength(0);
    expect(cloudwatch.requests).toHaveLength(0);
  });

  test('a malformed event is refused without any AWS call', async () => {
    const [decision] = await loadHandler()({ source: 'aws.cloudwatch', detail: {} });
    expect(decision.decision).toBe('refused');
    expect(arc.requests).toHaveLength(0);
    expect(cloudwatch.requests).toHaveLength(0);
  });

  test('CloudWatch access denied is a refusal', async () => {
    cloudwatch.faults.push({ status: 403, code: 'AccessDenied' });
    const [decision] = await loadHandler()(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/403/) });
    expect(arc.writes()).toHaveLength(0);
  });

  test('persistent CloudWatch throttling is thrown after the SDK retries, with no write', async () => {
    for (let i = 0; i < 3; i++) {
      cloudwatch.faults.push({ status: 400, code: 'Throttling' });
    }
    await expect(loadHandler()(alarmEvent('us-east-1a-isolated', 'ALARM'))).rejects.toThrow();
    expect(cloudwatch.requests).toHaveLength(3);
    expect(arc.writes()).toHaveLength(0);
  });

  test('the configuration is read once per container', async () => {
    const handler = loadHandler();
    const [first] = await handler(alarmEvent('us-east-1a-isolated', 'ALARM'));
    process.env.ZONAL_SHIFT_CONFIG = '{"not": "a configuration"}';
    const [second] = await handler(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect([first.decision, second.decision]).toEqual(['started', 'nothing-to-do']);
    expect(arc.requests.map((request) => request.operation)).toEqual(['GetManagedResource', 'StartZonalShift', 'GetManagedResource']);
  });

  test('a drill event is a drill, told the invoked function without its alias', async () => {
    const drill = loadHandler() as unknown as (event: unknown, context: object) => Promise<Record<string, unknown>>;
    const report = await drill({ source: 'cdk-azi.zonal-shift', action: 'drill' }, {
      getRemainingTimeInMillis: () => 60_000,
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:111111111111:function:Responder:live',
    });
    expect(report).toMatchObject({
      drill: true,
      ready: false,
      functionArn: 'arn:aws:lambda:us-east-1:111111111111:function:Responder',
      refused: expect.stringMatching(/^no drill roles are configured/),
    });
    expect(arc.requests).toHaveLength(0);
  });

  test('the invocation\'s remaining time reaches the decision: zones past it are left to the next reconcile', async () => {
    const result = await loadHandler()(RECONCILE, { getRemainingTimeInMillis: () => 1_000 });
    expect(result.map((decision) => [decision.decision, decision.reason])).toEqual([
      ['started', expect.any(String)],
      ['nothing-to-do', 'not enough time left in this invocation; the next reconcile decides this zone'],
      ['nothing-to-do', 'not enough time left in this invocation; the next reconcile decides this zone'],
    ]);
  });

  test('without AWS_REGION the clients sign for us-east-1', async () => {
    const [decision] = await loadHandler({ AWS_REGION: undefined })(alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision.decision).toBe('started');
    expect(arc.requests.every((request) => request.signatureValid)).toBe(true);
  });

  test('a configuration without wired alarms decides nothing, and is not refused', async () => {
    const config = { ...JSON.parse(localHandlerEnvironment(arc, cloudwatch).ZONAL_SHIFT_CONFIG), alarms: [] };
    const result = await loadHandler({ ZONAL_SHIFT_CONFIG: JSON.stringify(config) })(RECONCILE);
    expect(result).toEqual([]);
    expect(arc.requests).toHaveLength(0);
  });

  test.each([
    ['arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/a/1', 'aws'],
    ['arn:aws-cn:elasticloadbalancing:cn-north-1:111111111111:loadbalancer/app/a/1', 'aws-cn'],
    ['arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:111111111111:loadbalancer/app/a/1', 'aws-us-gov'],
    ['arn::elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/a/1', 'aws'],
  ])('the partition is read from the load balancer ARN %s', (loadBalancerArn, partition) => {
    expect(partitionOf({ groups: [{ loadBalancerArn }] } as unknown as HandlerConfig)).toBe(partition);
  });

  test('the clients talk to the function\'s Region whatever Region the event names', async () => {
    const [decision] = await loadHandler()(alarmEvent('us-east-1a-isolated', 'ALARM', { region: 'eu-west-1' }));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/eu-west-1/) });
    expect(arc.requests).toHaveLength(0);
  });
});

function setTree(impaired: string[]): void {
  const tree = detectionTree(impaired);
  const old = new Date(Date.now() - 3600_000);
  for (const alarm of [...tree.metric, ...tree.composite]) {
    alarm.StateTransitionedTimestamp = old;
  }
  cloudwatch.setAlarms(tree.metric, tree.composite);
}
