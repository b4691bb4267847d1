import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { AlarmEngine } from '../../lib/gameday/alarms';
import { LocalAws } from '../../lib/gameday/local-aws';
import { ZonalDeploymentModel } from '../../lib/gameday/deployment';
import { readStack } from '../../lib/gameday/assembly';
import { main } from '../../lib/gameday/cli';
import { GamedayInputError } from '../../lib/gameday/errors';
import { MetricStore } from '../../lib/gameday/metrics';
import { BUILT_IN_SCENARIOS, buildScenario, loadScenario } from '../../lib/gameday/scenarios';
import { GamedayResult, clockOf, quiet, runGameday, summarize } from '../../lib/gameday/simulator';
import { TrafficModel } from '../../lib/gameday/traffic';
import { synthReferenceAssembly, writeAssembly, zonalAlarm } from './support';

const STACK = 'CdkAziReference';
let app: string;
const temporary: string[] = [];

beforeAll(() => {
  app = synthReferenceAssembly();
  temporary.push(app);
}, 180_000);

afterAll(() => {
  for (const dir of temporary) {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('reading the reference assembly', () => {
  test('finds the AZs, the load balancer, every alarm and the function the isolated-impact alarms invoke', () => {
    const stack = readStack(app, STACK);
    expect(stack.availabilityZones).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    expect(stack.azIds).toEqual({ 'us-east-1a': 'use1-az1', 'us-east-1b': 'use1-az2', 'us-east-1c': 'use1-az3' });
    expect(stack.loadBalancer.arn).toMatch(/^arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer\/app\/[^/]+\/[0-9a-f]{16}$/);
    const isolated = stack.alarms.find((a) => a.name === 'cdk-azi-reference-us-east-1a-isolated-impact')!;
    expect(isolated.type).toBe('composite');
    expect(isolated.type === 'composite' && isolated.children).toEqual([
      'cdk-azi-reference-us-east-1a-impaired', 'cdk-azi-reference-us-east-1b-impaired', 'cdk-azi-reference-us-east-1c-impaired',
    ]);
    expect(isolated.actions.ALARM).toEqual([stack.functions[0].logicalId]);
    expect(isolated.actions.OK).toEqual([stack.functions[0].logicalId]);
    const availability = stack.alarms.find((a) => a.name === 'cdk-azi-reference-us-east-1a-availability')!;
    expect(availability.type === 'metric' && availability.queries.map((q) => q.kind)).toEqual(['expr', 'stat', 'stat', 'stat']);
    // Per AZ: availability, latency, outlier, probe availability, probe latency; the responder's
    // 3 alarms and the probes' health alarm.
    expect(stack.alarms.filter((a) => a.type === 'metric')).toHaveLength(19);
    expect(stack.alarms.filter((a) => a.type === 'composite')).toHaveLength(7);
  });

  test('gives the function its template environment with deploy-time tokens resolved', () => {
    const stack = readStack(app, STACK);
    expect(stack.functions).toHaveLength(1);
    const [fn] = stack.functions;
    expect(fn.runtime).toBe('nodejs24.x');
    expect(existsSync(join(fn.codePath, 'index.js'))).toBe(true);
    const config = JSON.parse(fn.environment.ZONAL_SHIFT_CONFIG);
    expect(config.loadBalancers).toEqual([stack.loadBalancer.arn]);
    expect(config.zoneIds).toEqual(stack.azIds);
  });

  test('reads the CodeDeploy zonal configuration and its alarms', () => {
    const { deployment } = readStack(app, STACK);
    expect(deployment).toMatchObject({ firstZoneMonitorSeconds: 1080, monitorSeconds: 540, rollbackOnAlarm: true });
    expect(deployment!.alarmNames).toContain('cdk-azi-reference-us-east-1a-availability');
  });

  test('a missing folder, a folder without a manifest and an unknown stack are input errors naming the fix', () => {
    expect(() => readStack(join(app, 'nope'), STACK)).toThrow(/no such directory; run 'npx cdk synth'/);
    const empty = mkdtempSync(join(tmpdir(), 'cdk-azi-gameday-'));
    temporary.push(empty);
    expect(() => readStack(empty, STACK)).toThrow(/no manifest.json/);
    expect(() => readStack(app, 'Nope')).toThrow(new GamedayInputError(`--stack Nope: no such stack in ${app}; it has CdkAziReference`));
  });

  test('a stack without per-AZ alarms is an input error', () => {
    const dir = writeAssembly('Plain', { Bucket: { Type: 'AWS::S3::Bucket' } });
    temporary.push(dir);
    expect(() => readStack(dir, 'Plain')).toThrow(/no cdk-azi parts in it/);
  });
});

describe('built-in scenarios against the reference stack', () => {
  const results = new Map<string, GamedayResult>();

  beforeAll(async () => {
    const stack = readStack(app, STACK);
    for (const name of BUILT_IN_SCENARIOS) {
      results.set(name, await runGameday(stack, loadScenario(name)));
    }
  }, 180_000);

  const first = (result: GamedayResult, kind: string, pattern: RegExp = /./) => result.timeline.find((e) => e.kind === kind && pattern.test(e.text));

  test('az-failure: the probes see it within a minute, the function shifts once, and ends the shift once, after recovery', () => {
    const result = results.get('az-failure')!;
    const onset = first(result, 'onset')!;
    expect(result.verdict.timeToDetect).toBeLessThanOrEqual(60);
    expect(first(result, 'alarm', /us-east-1a-isolated-impact OK -> ALARM/)!.t - onset.t).toBeLessThanOrEqual(60);
    const shift = first(result, 'shift-started')!;
    expect(shift.az).toBe('us-east-1a');
    expect(shift.t - onset.t).toBeLessThanOrEqual(60);
    expect(result.verdict.mitigatedBy).toBe('zonal shift');
    expect(result.verdict.shiftsStarted).toBe(1);
    const ended = result.timeline.filter((e) => e.kind === 'shift-ended');
    expect(ended).toHaveLength(1);
    expect(ended[0].t).toBeGreaterThanOrEqual(first(result, 'recovery')!.t + 300);
  });

  test('bad-deployment: the first AZ goes bad at 10:38, its alarms stop and roll back the deployment, and a shift mitigates first', () => {
    const result = results.get('bad-deployment')!;
    expect(clockOf(result, first(result, 'onset')!.t).slice(0, 5)).toBe('10:38');
    const stopped = first(result, 'deployment', /^deployment stopped on alarm cdk-azi-reference-us-east-1a-/)!;
    const rolledBack = first(result, 'deployment', /^rollback complete/)!;
    expect(first(result, 'deployment', /deploying us-east-1b/)).toBeUndefined();
    expect(result.verdict.deployment).toBe('rolled back');
    expect(result.verdict.mitigatedBy).toBe('zonal shift');
    expect(first(result, 'shift-started')!.t).toBeLessThanOrEqual(stopped.t);
    expect(first(result, 'onset')!.t + result.verdict.timeToMitigate!).toBeLessThan(rolledBack.t);
  });

  test('regional: two impaired AZs page people and never shift', () => {
    const result = results.get('regional')!;
    expect(first(result, 'alarm', /regional-impact OK -> ALARM/)).toBeDefined();
    expect(result.verdict.shiftsStarted).toBe(0);
    expect(result.verdict.wrongActions).toEqual([]);
  });

  test('latency: the latency alarm fires and the availability alarm does not', () => {
    const result = results.get('latency')!;
    expect(first(result, 'alarm', /us-east-1a-latency OK -> ALARM/)).toBeDefined();
    expect(first(result, 'alarm', /availability OK -> ALARM/)).toBeUndefined();
    expect(result.verdict.errorMinutes).toBe(0);
  });

  test('gray-failure: 2 % errors cross the 1 % availability alarm', () => {
    const result = results.get('gray-failure')!;
    expect(first(result, 'alarm', /us-east-1a-availability OK -> ALARM/)).toBeDefined();
    expect(result.verdict.errorMinutes).toBeGreaterThan(0);
  });

  test("probe-failure: the AZ's probes alone shift it away at no cost to customers, and the shift ends once after they recover", () => {
    const result = results.get('probe-failure')!;
    expect(result.probeMetrics).toBe(6);
    expect(first(result, 'alarm', /us-east-1a-probe-availability OK -> ALARM/)).toBeDefined();
    expect(result.verdict.failedRequests).toBe(0);
    expect(result.verdict.shiftsStarted).toBe(1);
    const ended = result.timeline.filter((e) => e.kind === 'shift-ended');
    const recovered = first(result, 'recovery')!;
    expect(ended).toHaveLength(1);
    // Not before the probes have been OK for the 5-minute recovery window.
    expect(ended[0].t).toBeGreaterThanOrEqual(recovered.t + 300);
    expect(result.verdict.wrongActions).toEqual([]);
  });

  test.each(BUILT_IN_SCENARIOS)('%s: the verdict lists exactly the shifts that ended while their AZ was impaired, and flapping', (name) => {
    const result = results.get(name)!;
    // Customer-side impairment as the timeline's onsets and recoveries tell it.
    const impairedAt = (az: string, t: number) => {
      const changes = result.timeline.filter((e) => e.az === az && e.t <= t && ((e.kind === 'onset' && !/probes only/.test(e.text)) || e.kind === 'recovery'));
      return changes.length > 0 && changes[changes.length - 1].kind === 'onset';
    };
    const expected = result.timeline
      .filter((e) => e.kind === 'shift-ended' && impairedAt(e.az!, e.t))
      .map((e) => `shift away from ${e.az} ${/cancelled/.test(e.text) ? 'cancelled' : 'expired'} at ${clockOf(result, e.t)} while ${e.az} was still impaired`);
    expect(result.verdict.wrongActions.filter((w) => / was still impaired$/.test(w))).toEqual(expected);
    const starts = result.timeline.filter((e) => e.kind === 'shift-started').length;
    expect(result.verdict.shiftsStarted).toBe(starts);
    expect(result.verdict.wrongActions.some((w) => /flapped/.test(w))).toBe(starts >= 2);
  });
});

/** A two-AZ stack whose function starts a shift on ALARM and cancels every shift on OK. */
function naiveStack(log: string): string {
  const code = `
exports.handler = async (event) => {
  const base = process.env.AWS_ENDPOINT_URL_ARC_ZONAL_SHIFT;
  require('fs').appendFileSync(process.env.TEST_LOG, JSON.stringify({ now: new Date().toISOString(), event }) + '\\n');
  if (event.reconcile) return { decision: 'nothing-to-do', reason: 'reconcile' };
  if (event.alarmData.state.value === 'ALARM') {
    const r = await fetch(base + '/zonalshifts', { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceIdentifier: process.env.LB_ARN, awayFrom: 'euw1-az1', expiresIn: '30m', comment: 'test' }) });
    return { decision: r.status === 201 ? 'started' : 'refused', reason: String(r.status) };
  }
  const list = await (await fetch(base + '/zonalshifts?status=ACTIVE')).json();
  for (const s of list.items) await fetch(base + '/zonalshifts/' + s.zonalShiftId, { method: 'DELETE' });
  return { decision: 'cancelled', reason: String(list.items.length) };
};`;
  const fnArn = { 'Fn::GetAtt': ['Fn', 'Arn'] };
  return writeAssembly('Naive', {
    Lb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', Properties: {} },
    AlarmA: zonalAlarm('a-faults', 'eu-west-1a'),
    AlarmB: zonalAlarm('b-faults', 'eu-west-1b'),
    ProbeA: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: 'a-probe-faults', Namespace: 'Test/Probes', MetricName: 'Fault', Statistic: 'Average', Period: 10,
        Dimensions: [{ Name: 'AvailabilityZone', Value: 'eu-west-1a' }, { Name: 'LoadBalancer', Value: { 'Fn::GetAtt': ['Lb', 'LoadBalancerFullName'] } }],
        EvaluationPeriods: 3, DatapointsToAlarm: 3, Threshold: 0.5, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'breaching',
      },
    },
    ProbeRateA: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: 'a-probe-fault-rate', Namespace: 'Test/Probes', MetricName: 'FaultRate', Statistic: 'Average', Period: 10,
        Dimensions: [{ Name: 'AvailabilityZone', Value: 'eu-west-1a' }, { Name: 'LoadBalancer', Value: { 'Fn::GetAtt': ['Lb', 'LoadBalancerFullName'] } }],
        EvaluationPeriods: 3, DatapointsToAlarm: 3, Threshold: 50, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'breaching',
      },
    },
    IsolatedA: {
      Type: 'AWS::CloudWatch::CompositeAlarm',
      Properties: {
        AlarmName: 'a-isolated',
        AlarmRule: { 'Fn::Join': ['', ['ALARM("', { 'Fn::GetAtt': ['AlarmA', 'Arn'] }, '") AND NOT ALARM("', { 'Fn::GetAtt': ['AlarmB', 'Arn'] }, '")']] },
        AlarmActions: [fnArn],
        OKActions: [fnArn],
      },
    },
    Fn: {
      Type: 'AWS::Lambda::Function',
      Metadata: { 'aws:asset:path': 'asset.fn' },
      Properties: { Runtime: 'nodejs22.x', Handler: 'index.handler', Environment: { Variables: { LB_ARN: { Ref: 'Lb' }, TEST_LOG: log } } },
    },
    Reconcile: {
      Type: 'AWS::Events::Rule',
      Properties: { ScheduleExpression: 'rate(5 minutes)', Targets: [{ Arn: fnArn, Id: 'Fn', Input: '{"reconcile":true}' }] },
    },
  }, { 'asset.fn': code });
}

describe('a hand-written stack', () => {
  let dir: string;
  let log: string;
  let result: GamedayResult;
  let invocations: Array<{ now: string; event: Record<string, any> }>;

  beforeAll(async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'cdk-azi-gameday-log-'));
    temporary.push(logDir);
    log = join(logDir, 'invocations.jsonl');
    writeFileSync(log, '');
    dir = naiveStack(log);
    temporary.push(dir);
    const scenario = buildScenario({ name: 'down', description: '', duration: '30m', events: [{ az: 0, start: '2m', end: '20m', lbErrorRate: 1 }] }, 'test');
    result = await runGameday(readStack(dir, 'Naive'), scenario);
    invocations = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  }, 60_000);

  test('schedules run the function on their rate with their Input, in simulated time', () => {
    const reconciles = invocations.filter((i) => i.event.reconcile === true);
    expect(reconciles.map((i) => i.now.slice(11, 19))).toEqual(['10:35:00', '10:40:00', '10:45:00', '10:50:00', '10:55:00', '11:00:00']);
  });

  test('alarm actions send the CloudWatch alarm event of the transition', () => {
    const alarm = invocations.find((i) => i.event.source === 'aws.cloudwatch')!;
    expect(alarm.event).toMatchObject({
      alarmArn: 'arn:aws:cloudwatch:eu-west-1:111111111111:alarm:a-isolated',
      accountId: '111111111111',
      region: 'eu-west-1',
      alarmData: { alarmName: 'a-isolated', state: { value: 'ALARM' }, previousState: { value: 'OK' } },
    });
  });

  test('a shift drains the AZ, its ALB alarm reads OK, the naive function cancels and the verdict calls it flapping', () => {
    expect(result.verdict.shiftsStarted).toBeGreaterThanOrEqual(2);
    expect(result.verdict.wrongActions).toEqual(expect.arrayContaining([
      expect.stringMatching(/^shift away from eu-west-1a cancelled at .* while eu-west-1a was still impaired$/),
      expect.stringMatching(/^shift away from eu-west-1a flapped: started \d+ times$/),
    ]));
  });

  test('probes keep measuring the shifted AZ: its 10-second probe alarm stays in ALARM through the failure', () => {
    const probe = result.timeline.filter((e) => e.kind === 'alarm' && e.text.startsWith('a-probe-faults'));
    expect(probe.map((e) => e.text)).toEqual(['a-probe-faults OK -> ALARM', 'a-probe-faults ALARM -> OK']);
    expect(probe[0].t).toBeLessThan(3 * 60);
    expect(probe[1].t).toBeGreaterThanOrEqual(20 * 60);
  });

  test('a probe fault rate is written as a percentage: its 50 % alarm follows the failure like the fault count alarm', () => {
    const times = (name: string) => result.timeline.filter((e) => e.kind === 'alarm' && e.text.startsWith(`${name} `)).map((e) => e.t);
    expect(times('a-probe-fault-rate')).toEqual(times('a-probe-faults'));
  });

  test('the traffic model moves a shifted AZ\'s traffic to the other AZ over the drain time', () => {
    const stack = readStack(dir, 'Naive');
    const scenario = buildScenario({ name: 'x', description: '', drain: '30s', events: [{ az: 0, start: '0m', lbErrorRate: 1 }] }, 'test');
    const model = new TrafficModel(stack, scenario);
    const store = new MetricStore();
    const weights = [0, 10, 20, 30].map((t) => model.step(t, [true, false], store).weights[0]);
    expect(weights.map((w) => Math.round(w * 100) / 100)).toEqual([0.4, 0.25, 0, 0]);
    expect(new AlarmEngine(stack.alarms, 'OK', 0).tick).toBe(10);
  });
});

describe('the local CloudWatch and ARC', () => {
  let now = 0;
  let local: LocalAws;
  let engine: AlarmEngine;
  let stack: ReturnType<typeof readStack>;
  const base = 1_768_471_200;

  beforeAll(async () => {
    stack = readStack(app, STACK);
    engine = new AlarmEngine(stack.alarms, 'OK', 0);
    local = await LocalAws.start(stack, engine, () => now, base);
  });

  afterAll(() => local.close());

  const arc = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${local.endpoint}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: await response.json() as Record<string, any> };
  };

  test('DescribeAlarms answers the SDK with the template definitions and the simulated states', async () => {
    const status = engine.status.get('cdk-azi-reference-us-east-1b-isolated-impact')!;
    Object.assign(status, { value: 'ALARM', transitionedAt: 600, updatedAt: 600 });
    const client = new CloudWatchClient({ region: 'us-east-1', endpoint: local.endpoint, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const out = await client.send(new DescribeAlarmsCommand({
      AlarmNames: ['cdk-azi-reference-us-east-1b-isolated-impact', 'cdk-azi-reference-us-east-1b-availability'],
      AlarmTypes: ['CompositeAlarm', 'MetricAlarm'],
    }));
    expect(out.CompositeAlarms![0]).toMatchObject({ StateValue: 'ALARM', AlarmRule: expect.stringContaining(':alarm:cdk-azi-reference-us-east-1b-impaired') });
    expect(out.CompositeAlarms![0].StateTransitionedTimestamp!.getTime()).toBe((base + 600) * 1000);
    const metric = out.MetricAlarms![0];
    expect(metric.Metrics!.find((m) => m.Id === 'requests_z1')!.MetricStat!.Metric!.Dimensions).toEqual([
      { Name: 'AvailabilityZone', Value: 'us-east-1b' }, { Name: 'LoadBalancer', Value: stack.loadBalancer.fullName },
    ]);
    client.destroy();
  });

  test('one active shift per load balancer; update, managed resource, cancel and list as ARC answers them', async () => {
    const request = { resourceIdentifier: stack.loadBalancer.arn, awayFrom: 'use1-az2', expiresIn: '30m', comment: 'test' };
    const started = await arc('POST', '/zonalshifts', request);
    expect(started).toMatchObject({ status: 201, body: { awayFrom: 'use1-az2', status: 'ACTIVE', startTime: base, expiryTime: base + 1800 } });
    expect(await arc('POST', '/zonalshifts', { ...request, awayFrom: 'use1-az1' })).toMatchObject({ status: 409, body: { reason: 'ZonalShiftAlreadyExists', zonalShiftId: started.body.zonalShiftId } });
    expect((await arc('POST', '/zonalshifts', { ...request, awayFrom: 'use1-az9' })).body.reason).toBe('InvalidAz');
    expect((await arc('POST', '/zonalshifts', { ...request, expiresIn: '73h' })).body.reason).toBe('InvalidExpiresIn');
    now = 600;
    expect((await arc('PATCH', `/zonalshifts/${started.body.zonalShiftId}`, { expiresIn: '1h' })).body.expiryTime).toBe(base + 600 + 3600);
    const managed = await arc('GET', `/managedresources/${encodeURIComponent(stack.loadBalancer.arn)}`);
    expect(managed.body.appliedWeights).toEqual({ 'use1-az1': 1, 'use1-az2': 0, 'use1-az3': 1 });
    expect(managed.body.zonalShifts).toEqual([expect.objectContaining({ zonalShiftId: started.body.zonalShiftId, appliedStatus: 'APPLIED', shiftType: 'ZONAL_SHIFT' })]);
    expect((await arc('DELETE', `/zonalshifts/${started.body.zonalShiftId}`)).body.status).toBe('CANCELED');
    expect((await arc('GET', `/zonalshifts?status=ACTIVE&resourceIdentifier=${encodeURIComponent(stack.loadBalancer.arn)}`)).body.items).toEqual([]);
    expect((await arc('GET', '/managedresources/arn%3Aaws%3Aelasticloadbalancing%3Aus-east-1%3A111111111111%3Aloadbalancer%2Fapp%2Fother%2F1')).status).toBe(404);
  });

  test('a shift expires at its expiry time', async () => {
    const started = await arc('POST', '/zonalshifts', { resourceIdentifier: stack.loadBalancer.arn, awayFrom: 'use1-az1', expiresIn: '5m', comment: 'x' });
    now += 299;
    expect(local.active()?.zonalShiftId).toBe(started.body.zonalShiftId);
    now += 1;
    expect(local.active()).toBeUndefined();
    expect(local.shifts.find((s) => s.zonalShiftId === started.body.zonalShiftId)!.status).toBe('EXPIRED');
  });
});

describe('function results in the timeline', () => {
  test('several decisions are summarized one after the other, with their zones and reasons', () => {
    expect(summarize([{ decision: 'started', availabilityZone: 'a', reason: 'x; y' }, { decision: 'nothing-to-do', reason: 'z' }]))
      .toBe('started a (x; y); nothing-to-do (z)');
    expect(summarize([])).toBe('no decisions');
  });

  test('a scheduled run is quiet only when every decision is nothing-to-do', () => {
    expect(quiet([])).toBe(true);
    expect(quiet([{ decision: 'nothing-to-do', reason: 'left; right' }, { decision: 'nothing-to-do' }])).toBe(true);
    expect(quiet([{ decision: 'nothing-to-do' }, { decision: 'cancelled' }])).toBe(false);
    expect(quiet({ decision: 'started' })).toBe(false);
  });
});

describe('zonal deployments', () => {
  const config = { firstZoneMonitorSeconds: 1080, monitorSeconds: 540, alarmNames: ['a-alarm'], rollbackOnAlarm: true };
  const spec = { start: 60, errorRate: 0.5, zoneSeconds: 120, rollbackSeconds: 300 };

  test('deploys one AZ at a time with the first AZ\'s bake, then the others\'', () => {
    const model = new ZonalDeploymentModel(spec, config, ['a', 'b', 'c']);
    const changes = [];
    for (let t = 0; t <= 3600; t += 10) {
      changes.push(...model.advance(t, () => 'OK').map((c) => `${c.t / 60}m ${c.text}`));
    }
    expect(changes).toEqual([
      '1m deployment started: a first', '3m a deployed; baking 18 min', '21m deploying b', '23m b deployed; baking 9 min',
      '32m deploying c', '34m c deployed; baking 9 min', '43m deployment succeeded in every AZ',
    ]);
    expect(model.outcome).toBe('succeeded');
  });

  test('an alarm of the deployment group stops the deployment and rolls the deployed hosts back', () => {
    const model = new ZonalDeploymentModel(spec, config, ['a', 'b', 'c']);
    for (let t = 0; t <= 120; t += 10) {
      model.advance(t, () => 'OK');
    }
    expect(model.errorRate(0)).toBeCloseTo(0.25);
    expect(model.advance(130, (name) => name === 'a-alarm' ? 'ALARM' : 'OK').map((c) => c.text)).toEqual(['deployment stopped on alarm a-alarm; rolling back']);
    model.advance(280, () => 'OK');
    expect(model.errorRate(0)).toBeCloseTo(0.125);
    expect(model.advance(430, () => 'OK').map((c) => c.text)).toEqual(['rollback complete: every host runs the previous revision']);
    expect(model.outcome).toBe('rolled back');
    expect(model.share(1)).toBe(0);
  });
});

describe('the command', () => {
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join(''), err: err.join('') };
  };

  test('--help lists the options and every built-in scenario', async () => {
    const { code, out } = await run('gameday', '--help');
    expect(code).toBe(0);
    for (const name of [...BUILT_IN_SCENARIOS, '--app', '--stack', '--scenario', '--json', '--chart', '--duration']) {
      expect(out).toContain(name);
    }
  });

  test.each([
    [['gameday', '--app', 'cdk.out'], /--stack is required/],
    [['gameday', '--stack', STACK, '--scenario', 'nope'], /--scenario nope: no such built-in scenario or file; built-ins: az-failure/],
    [['gameday', '--stack', STACK, '--scenario', 'az-failure', '--bogus'], /unknown option '--bogus'/],
    [['gameday', '--stack', STACK, '--scenario', 'az-failure', '--duration', 'soon'], /--duration: 'soon' is not a duration/],
    [['gameday', '--stack', STACK, '--scenario', 'az-failure', '--chart', 'x.png'], /ending in .svg/],
    [['deploy'], /unknown command 'deploy'/],
  ])('%j is one line and exit code 2', async (args, message) => {
    const { code, err } = await run(...args);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err.trim().split('\n')).toHaveLength(1);
  });

  test('a bad --app and an unknown stack are one line and exit code 2', async () => {
    for (const args of [['--app', join(app, 'missing'), '--stack', STACK], ['--app', app, '--stack', 'Nope']]) {
      const { code, err } = await run('gameday', ...args, '--scenario', 'az-failure');
      expect(code).toBe(2);
      expect(err.trim().split('\n')).toHaveLength(1);
    }
  });

  test.each([
    ['{ "name": "x", "events": [] }', /'events' must be a non-empty array/],
    ['{ "name": "x", "events": [{ "az": 0, "start": "5m", "errorRate": 2 }] }', /events\[0\].errorRate: '2' must be a number from 0 to 1/],
    ['{ "name": "x", "events": [{ "az": 7, "start": "5m", "errorRate": 0.1 }] }', /AZ '7' is not in CdkAziReference/],
    ['{ "name": "x", "speed": 1, "events": [] }', /unknown field 'speed'/],
    ['{ "name": ', /not valid JSON/],
  ])('scenario file %s is one line and exit code 2', async (text, message) => {
    const file = join(app, 'scenario.json');
    writeFileSync(file, text);
    const { code, err } = await run('gameday', '--app', app, '--stack', STACK, '--scenario', file);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err.trim().split('\n')).toHaveLength(1);
  });

  test('--json prints the verdict and timeline, --chart writes the SVG dashboard', async () => {
    const chart = join(app, 'chart.svg');
    const { code, out } = await run('gameday', '--app', app, '--stack', STACK, '--scenario', 'bad-deployment', '--duration', '40m', '--json', '--chart', chart);
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json.verdict.mitigatedBy).toBe('zonal shift');
    expect(json.timeline[0]).toMatchObject({ kind: 'deployment', time: '10:38:00' });
    const svg = readFileSync(chart, 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('regional endpoint availability');
    expect(svg).toContain('us-east-1c availability');
    expect(svg).toMatch(/fill="#1f77b4"/);
  });
});
