// Findings of a hostile review of the zonal-shift function, each reproduced over real HTTP
// against the local ARC and CloudWatch fakes (127.0.0.1 only).
import { LB_ARN, alarmArn, alarmEvent, ourComment, quoted, rawConfig, zoneNames } from './support/fixtures';
import { World, WorldOptions } from './support/world';

const A = 'us-east-1a';
const A_ID = 'use1-az6';
const ISOLATED_A = zoneNames(A).isolated;

let world: World;

async function start(options: WorldOptions = {}): Promise<World> {
  world = await World.start(options);
  return world;
}

afterEach(() => world?.close());

function seedOurs(expiresInSeconds = 1800) {
  return world.arc.seed({ resourceIdentifier: LB_ARN, awayFrom: A_ID, comment: ourComment(A), expiryTime: Math.floor(world.nowMs / 1000) + expiresInSeconds });
}

describe('recovery: the fresh states must not show the zone failing', () => {
  // The impaired composite lags its children (or combines them M-of-N): a dimension-carrying
  // alarm of the shifted zone reads ALARM while the composites still read OK. The zone still
  // fails the traffic that reaches it; ending the shift now sends every client back into it.
  test('a dimension alarm in ALARM keeps the shift even when the composites and probes read OK', async () => {
    await start();
    const ours = seedOurs();
    world.cloudwatch.setState(zoneNames(A).errors, 'ALARM', new Date(world.nowMs));
    expect(world.state(zoneNames(A).impaired)).toBe('OK');
    const decision = await world.decide(alarmEvent(ISOLATED_A, 'OK'));
    expect(decision).toMatchObject({ decision: 'nothing-to-do', reason: expect.stringMatching(/us-east-1a-5xx ALARM/) });
    expect(ours.status).toBe('ACTIVE');
    expect(world.arc.writes()).toHaveLength(0);
  });
});

describe('foreign events', () => {
  // The allow-list compares account and Region with the load balancer's ARN, not the partition.
  test('a wired alarm name from another partition is refused before any AWS call', async () => {
    await start({ impaired: [A] });
    const event = alarmEvent(ISOLATED_A, 'ALARM');
    event.alarmArn = alarmArn(ISOLATED_A, 'us-east-1', '111111111111', 'aws-cn');
    const decision = await world.decide(event);
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/aws-cn/) });
    expect(world.calls).toEqual([]);
  });
});

describe('time budget', () => {
  // budget.ts assumes CloudWatch backs off at most 500 ms then 1000 ms. The SDK's retry strategy
  // backs off from a 1 s throttling base and adds up to 5 s per retry when the answer carries
  // Retry-After, so one DescribeAlarms can take ~13 s more than the budget that parseConfig
  // checks against the 90 s timeout (and that a reconcile uses to defer zones).
  test('a throttled DescribeAlarms with Retry-After stays within the CloudWatch backoff budget', async () => {
    const { CLOUDWATCH_RETRY, worstCallMs } = await import('../../lambda/zonal-shift/budget');
    const { CloudWatchAlarmReader, cloudWatchClient } = await import('../../lambda/zonal-shift/cloudwatch-reader');
    await start({ impaired: [A] });
    const throttled = { status: 400, code: 'Throttling', headers: { 'retry-after': '30' } };
    world.cloudwatch.faults.push(throttled, throttled);
    const reader = new CloudWatchAlarmReader(cloudWatchClient({
      region: 'us-east-1',
      endpoint: world.cloudwatch.endpoint,
      credentials: { accessKeyId: world.arc.accessKeyId, secretAccessKey: world.arc.secretAccessKey },
    }));
    const began = Date.now();
    const alarms = await reader.describeAlarms([ISOLATED_A]);
    const elapsed = Date.now() - began;
    expect(alarms.map((alarm) => alarm.name)).toEqual([ISOLATED_A]);
    expect(world.cloudwatch.describeAlarmsCalls).toBe(3);
    const backoffBudget = worstCallMs(CLOUDWATCH_RETRY) - CLOUDWATCH_RETRY.attempts * CLOUDWATCH_RETRY.timeoutMs;
    expect(elapsed).toBeLessThan(backoffBudget + 1000);
  }, 30_000);
});

describe('reads that cannot be read', () => {
  // A 2xx answer whose body is not ARC's JSON (a proxy's page, a truncated body) was read as
  // "no shifts, no autoshifts": the function then started a shift that overrode AWS's autoshift
  // away from another zone (DESIGN invariant 2).
  test('a GetManagedResource answer that is not JSON is not read as "no shifts"', async () => {
    await start({ impaired: [A] });
    world.arc.seedAutoshift({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az1' });
    world.arc.faults.push({ status: 200, type: 'none', operation: 'GetManagedResource', rawBody: '<html>maintenance</html>' });
    const decision = await world.decide(alarmEvent(ISOLATED_A, 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/autoshift/) });
    expect(world.arc.writes()).toHaveLength(0);
  });

  test('a GetManagedResource answer about another resource is not read as this one', async () => {
    await start({ impaired: [A] });
    world.arc.seedAutoshift({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az1' });
    world.arc.faults.push({ status: 200, type: 'none', operation: 'GetManagedResource', rawBody: JSON.stringify({ arn: `${LB_ARN}0`, zonalShifts: [], autoshifts: [], appliedWeights: {} }) });
    const decision = await world.decide(alarmEvent(ISOLATED_A, 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/autoshift/) });
    expect(world.arc.writes()).toHaveLength(0);
  });
});

describe('ARC per-attempt timeout', () => {
  // The budget counts 3 s per ARC attempt, but the client's timeout was the socket's idle
  // timeout: an answer that trickles in (a byte every half second) never timed out, so one
  // attempt could outlast the whole 90 s function timeout.
  test('an answer that trickles in is cut at the per-attempt timeout', async () => {
    const http = await import('node:http');
    const { ArcZonalShiftClient } = await import('../../lambda/zonal-shift/arc-client');
    const timers: NodeJS.Timeout[] = [];
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(' ');
      for (let i = 1; i <= 16; i++) {
        timers.push(setTimeout(() => res.write(' '), i * 500));
      }
      timers.push(setTimeout(() => res.end('{}'), 8500));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const client = new ArcZonalShiftClient({
        region: 'us-east-1',
        endpoint: `http://127.0.0.1:${port}`,
        credentials: async () => ({ accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }),
        timeoutMs: 1000,
      });
      const began = Date.now();
      await expect(client.cancelZonalShift('abc')).rejects.toMatchObject({ errorType: 'RequestTimeout' });
      expect(Date.now() - began).toBeLessThan(2500);
    } finally {
      timers.forEach(clearTimeout);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 20_000);
});

describe('every wired zone counts as "another zone"', () => {
  // The function knows each wired zone's impaired alarm, but the "other zones" check read only
  // the list given for the alarm. A wiring that forgot a zone there (and in its own composite
  // rule) started a shift while that zone was impaired too: impact in two zones (invariant 1).
  test('the impaired alarm of another wired zone of the same load balancer stops a start', async () => {
    const config = rawConfig();
    const bImpaired = config.names.indexOf(zoneNames('us-east-1b').impaired);
    const aWiring = config.alarms.find((alarm) => config.names[alarm.alarm] === ISOLATED_A)!;
    const config2 = { ...config, alarms: config.alarms.map((alarm) => (alarm === aWiring ? { ...alarm, others: alarm.others.filter((index) => index !== bImpaired) } : alarm)) };
    await start({ impaired: [A], config: config2 });
    const isolated = world.cloudwatch.compositeAlarms.find((alarm) => alarm.AlarmName === ISOLATED_A)!;
    isolated.AlarmRule = `(${quoted(zoneNames(A).impaired)} AND (NOT ${quoted(zoneNames('us-east-1c').impaired)}))`;
    world.cloudwatch.setState(zoneNames('us-east-1b').impaired, 'ALARM', new Date(world.nowMs));
    const decision = await world.decide(alarmEvent(ISOLATED_A, 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/us-east-1b-impaired/) });
    expect(world.arc.writes()).toHaveLength(0);
  });
});

describe('CloudWatch call deadline', () => {
  // The SDK's requestTimeout is the socket's idle timeout: an answer that trickles in never hits
  // it, so one DescribeAlarms could outlast the decision budget and the function's timeout.
  test('by default, one DescribeAlarms call is given the worst case of the CloudWatch retry policy', async () => {
    const { CLOUDWATCH_RETRY, worstCallMs } = await import('../../lambda/zonal-shift/budget');
    const { CloudWatchAlarmReader, cloudWatchClient } = await import('../../lambda/zonal-shift/cloudwatch-reader');
    const reader = new CloudWatchAlarmReader(cloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } }));
    expect(reader.deadlineMs).toBe(worstCallMs(CLOUDWATCH_RETRY));
    expect(reader.deadlineMs).toBe(10_500);
  });

  // The same cut with a deadline of 1.5 s instead of 10.5 s, so the test does not wait out the
  // real budget: a byte every 200 ms keeps the socket busy well past the deadline.
  test('a DescribeAlarms answer that trickles in is cut at the deadline of one call', async () => {
    const http = await import('node:http');
    const { CloudWatchAlarmReader, cloudWatchClient } = await import('../../lambda/zonal-shift/cloudwatch-reader');
    const timers: NodeJS.Timeout[] = [];
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.write(' ');
      for (let i = 1; i <= 40; i++) {
        timers.push(setTimeout(() => res.write(' '), i * 200));
      }
      timers.push(setTimeout(() => res.end('{"MetricAlarms":[],"CompositeAlarms":[]}'), 8_200));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const deadlineMs = 1500;
      const reader = new CloudWatchAlarmReader(cloudWatchClient({
        region: 'us-east-1',
        endpoint: `http://127.0.0.1:${port}`,
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      }), deadlineMs);
      const began = Date.now();
      await expect(reader.describeAlarms(['x'])).rejects.toBeDefined();
      const took = Date.now() - began;
      expect(took).toBeGreaterThanOrEqual(deadlineMs - 50);
      expect(took).toBeLessThan(deadlineMs + 1500);
    } finally {
      timers.forEach(clearTimeout);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 20_000);
});
