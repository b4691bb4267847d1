/**
 * The drill path of the zonal-shift function over HTTP: the real clients against the local ARC,
 * CloudWatch and STS fakes, the identity proof made as `cdk-azi drill` makes it and checked by the
 * fake STS with its own SigV4 implementation.
 */
import { identityProof } from '../../cli/drill/index';
import { ARC_RETRY, CLOUDWATCH_RETRY, INVOCATION_MARGIN_MS, worstCallMs } from '../../lambda/zonal-shift/budget';
import { IdentityVerifier, StsIdentityVerifier } from '../../lambda/zonal-shift/caller-identity';
import { parseConfig } from '../../lambda/zonal-shift/config';
import { DrillDeps, DrillOptions, DrillReport, DrillZone, runDrill } from '../../lambda/zonal-shift/drill';
import { ACCOUNT, AZS, AZ_ID_MAP, FUNCTION_ARN, LB_ARN, LB_DIM, quoted, rawConfig, zoneNames } from './support/fixtures';
import { FakeStsServer } from './support/fake-sts-server';
import { World, WorldOptions } from './support/world';

const DRILL_ROLE = `arn:aws:iam::${ACCOUNT}:role/ops/Reference-DrillRole-XyZ789`;
const DRILLER = { accessKeyId: 'AKIADRILLER', secretAccessKey: 'driller-secret', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Reference-DrillRole-XyZ789/alice` };
const STRANGER = { accessKeyId: 'AKIASTRANGER', secretAccessKey: 'stranger-secret', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/bob` };
const AUDIT_ROLE = `arn:aws:iam::${ACCOUNT}:role/Audit`;
const WRITES = ['StartZonalShift', 'UpdateZonalShift', 'CancelZonalShift'];

let sts: FakeStsServer;
const worlds: World[] = [];

beforeAll(async () => {
  sts = await FakeStsServer.start();
  sts.identities.push(DRILLER, STRANGER);
});
afterAll(() => sts.close());
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((world) => world.close()));
});

async function world(options: WorldOptions & { drill?: string[] } = {}): Promise<World> {
  const created = await World.start({ config: { ...rawConfig(options), drill: options.drill ?? [DRILL_ROLE] }, ...options });
  worlds.push(created);
  // The function's clock is the proof signer's: the function checks a proof's age.
  created.nowMs = Date.now();
  return created;
}

async function drillEvent(who: { accessKeyId: string; secretAccessKey: string }, boundTo = FUNCTION_ARN) {
  return { source: 'cdk-azi.zonal-shift', action: 'drill', identity: { query: await identityProof(who, boundTo, 'us-east-1', 'aws', { CDK_AZI_DRILL_STS_ENDPOINT: sts.endpoint }) } };
}

function drill(w: World, event: unknown, options: DrillOptions = {}, identity: IdentityVerifier = new StsIdentityVerifier(sts.endpoint)): Promise<DrillReport> {
  const deps: DrillDeps = { ...w.deps, identity };
  return runDrill(event, w.config, deps, { functionArn: FUNCTION_ARN, ...options });
}

function logged(w: World): Array<Record<string, unknown>> {
  return w.lines.map((line) => JSON.parse(line));
}

/** The line a drill logs for each zone of its report, at the given levels. */
function zoneLines(w: World, report: DrillReport, levels: string[]): Array<Record<string, unknown>> {
  return report.zones.map((zone, i) => ({ timestamp: new Date(w.nowMs).toISOString(), level: levels[i], message: 'drill', drill: true, caller: DRILLER.arn, ...zone }));
}

function zoneOf(report: DrillReport, az: string): DrillZone {
  return report.zones.find((candidate) => candidate.availabilityZone === az)!;
}

function arcWrites(w: World): string[] {
  return w.arc.requests.map((request) => request.operation).filter((operation) => WRITES.includes(operation));
}

describe('a drill by an allowed role', () => {
  test('reads every zone, finds every alarm and AZ ID, decides nothing to do, and logs one line per zone without a decision metric', async () => {
    const w = await world();
    const report = await drill(w, await drillEvent(DRILLER));

    expect(report.refused).toBeUndefined();
    expect(report.caller).toBe(DRILLER.arn);
    expect(report.ready).toBe(true);
    expect(report.zones.map((zone) => [zone.availabilityZone, zone.availabilityZoneId, zone.decision])).toEqual(AZS.map((az) => [az, AZ_ID_MAP[az], 'nothing']));
    for (const zone of report.zones) {
      expect(zone.problems).toEqual([]);
      expect(zone.alarms.every((alarm) => alarm.state === 'OK')).toBe(true);
      expect(zone.alarms.find((alarm) => alarm.role === 'recovery')?.name).toBe(zoneNames(zone.availabilityZone).probe);
    }
    expect(logged(w)).toEqual(zoneLines(w, report, ['INFO', 'INFO', 'INFO']));
    // The proof was sent with this function's ARN in the binding header.
    expect(sts.requests.at(-1)!.headers['x-cdk-azi-drill']).toBe(FUNCTION_ARN);
    // One GetManagedResource for the load balancer, one DescribeAlarms per zone, and no write.
    expect(w.calls.filter((call) => call === 'GetManagedResource')).toHaveLength(1);
    expect(w.calls.filter((call) => call === 'DescribeAlarms')).toHaveLength(AZS.length);
    expect(arcWrites(w)).toEqual([]);
  });

  test('an isolated impairment: the drill says it would start a shift, and starts none', async () => {
    const w = await world();
    w.setZone('us-east-1b', { alb: 'ALARM', probe: 'ALARM' });
    const report = await drill(w, await drillEvent(DRILLER));

    const b = report.zones.find((zone) => zone.availabilityZone === 'us-east-1b')!;
    expect(b.decision).toBe('start');
    expect(b.reason).toContain('isolated impact in us-east-1b');
    expect(b.alarms.find((alarm) => alarm.role === 'isolated-impact')!.state).toBe('ALARM');
    expect(report.zones.filter((zone) => zone !== b).map((zone) => zone.decision)).toEqual(['nothing', 'nothing']);
    expect(report.ready).toBe(true);
    expect(arcWrites(w)).toEqual([]);
    expect(w.arc.requests.filter((request) => request.method !== 'GET')).toEqual([]);
  });

  test('our shift past half its expiry: the drill says extend, and extends nothing', async () => {
    const w = await world();
    w.nowMs = Date.now() - 20 * 60_000;
    w.setZone('us-east-1a', { alb: 'ALARM', probe: 'ALARM' });
    await w.invoke({ source: 'cdk-azi.zonal-shift', action: 'reconcile' });
    expect(arcWrites(w)).toEqual(['StartZonalShift']);
    w.advance(20 * 60_000);
    w.resetCalls();
    const before = w.arc.requests.length;
    const report = await drill(w, await drillEvent(DRILLER));

    const a = report.zones.find((zone) => zone.availabilityZone === 'us-east-1a')!;
    expect(a.decision).toBe('extend');
    expect(a.shifts).toEqual([expect.objectContaining({ kind: 'ours', awayFrom: AZ_ID_MAP['us-east-1a'] })]);
    expect(w.arc.requests.slice(before).map((request) => request.operation)).toEqual(['GetManagedResource']);
  });

  test('an AccessDenied on GetManagedResource is a problem of every zone of that load balancer, and nothing is decided', async () => {
    const w = await world();
    w.arc.faults.push({ status: 403, type: 'AccessDeniedException', operation: 'GetManagedResource' });
    const report = await drill(w, await drillEvent(DRILLER));

    expect(report.ready).toBe(false);
    for (const zone of report.zones) {
      expect(zone).toMatchObject({
        shifts: [],
        decision: 'unknown',
        reason: 'the reads failed, so nothing can be decided',
        problems: [`arc-zonal-shift:GetManagedResource on ${LB_ARN}: 403 AccessDeniedException: injected AccessDeniedException`],
      });
    }
    expect(arcWrites(w)).toEqual([]);
  });

  test('an AccessDenied on one DescribeAlarms is that zone\'s problem only', async () => {
    const w = await world();
    w.cloudwatch.faults.push({ status: 403, code: 'AccessDenied' });
    const report = await drill(w, await drillEvent(DRILLER));

    const [first, ...rest] = report.zones;
    expect(first.decision).toBe('unknown');
    expect(first.problems).toHaveLength(1);
    expect(first.problems[0]).toMatch(/^cloudwatch:DescribeAlarms: 403 AccessDenied/);
    expect(first.alarms.every((alarm) => alarm.state === 'UNREAD')).toBe(true);
    expect(rest.every((zone) => zone.problems.length === 0 && zone.decision === 'nothing')).toBe(true);
    expect(report.ready).toBe(false);
  });

  test('a deleted alarm is named, with the role it plays for the zone', async () => {
    const w = await world();
    const probe = zoneNames('us-east-1c').probe;
    w.cloudwatch.metricAlarms.splice(w.cloudwatch.metricAlarms.findIndex((alarm) => alarm.AlarmName === probe), 1);
    const report = await drill(w, await drillEvent(DRILLER));

    const c = report.zones.find((zone) => zone.availabilityZone === 'us-east-1c')!;
    expect(c.problems).toEqual([`alarm ${probe} (recovery) does not exist`]);
    expect(c.alarms.find((alarm) => alarm.name === probe)!.state).toBe('MISSING');
    expect(c.decision).toBe('refuse');
    expect(report.zones.filter((zone) => zone !== c).every((zone) => zone.problems.length === 0)).toBe(true);
  });

  test('an AZ ID that ARC does not know for the load balancer is a problem', async () => {
    const w = await world({ arc: { zoneIds: ['use1-az6', 'use1-az1', 'use1-az4'] } });
    const report = await drill(w, await drillEvent(DRILLER));

    const c = report.zones.find((zone) => zone.availabilityZone === 'us-east-1c')!;
    expect(c.problems).toEqual(['ARC does not list use1-az2 (us-east-1c) among the load balancer\'s zones (use1-az1, use1-az4, use1-az6); a shift away from it would be refused']);
    expect(report.ready).toBe(false);
  });

  test('a zone whose ID is not an AZ ID is a problem', async () => {
    const raw = rawConfig();
    const w = await world({ config: { ...raw, zoneIds: { ...raw.zoneIds, 'us-east-1a': 'us-east-1a' }, drill: [DRILL_ROLE] } });
    const report = await drill(w, await drillEvent(DRILLER));

    expect(zoneOf(report, 'us-east-1a').problems).toEqual(['no AZ ID for us-east-1a (the deploy-time lookup gave "us-east-1a"); ARC takes the ID']);
  });

  test('a load balancer for which ARC lists no zone is no problem of its zones', async () => {
    const w = await world({ arc: { zoneIds: [] } });
    const report = await drill(w, await drillEvent(DRILLER));

    expect(report.zones.map((zone) => zone.problems)).toEqual([[], [], []]);
    expect(report.ready).toBe(true);
  });

  test.each([
    [10, []],
    [12, ['and 2 more alarms do not exist']],
  ])('%i alarms that do not exist: ten are named, the rest counted', async (count, rest) => {
    const deleted = Array.from({ length: count }, (_, i) => `us-east-1a-deleted-${i + 1}`);
    const w = await world({ extraWired: deleted.map((name) => ({ name, az: 'us-east-1a' })) });
    const report = await drill(w, await drillEvent(DRILLER));

    const a = zoneOf(report, 'us-east-1a');
    expect(a.problems).toEqual([...deleted.slice(0, 10).map((name) => `alarm ${name} (isolated-impact) does not exist`), ...rest]);
    expect(a.decision).toBe('refuse');
  });

  test('a zone not drilled for lack of time is reported, and the zones before it are drilled', async () => {
    const w = await world();
    const zoneBudgetMs = worstCallMs(ARC_RETRY) + worstCallMs(CLOUDWATCH_RETRY) + INVOCATION_MARGIN_MS;
    const left = [zoneBudgetMs, zoneBudgetMs, zoneBudgetMs - 1];
    const report = await drill(w, await drillEvent(DRILLER), { remainingMs: () => left.shift()! });

    expect(report.zones.map((zone) => zone.decision)).toEqual(['nothing', 'nothing', 'unknown']);
    expect(report.zones[2]).toEqual({
      loadBalancerArn: LB_ARN,
      availabilityZone: 'us-east-1c',
      availabilityZoneId: 'use1-az2',
      alarms: [],
      shifts: [],
      decision: 'unknown',
      reason: 'not drilled',
      problems: ['the invocation ran out of time before this zone was drilled (too many zones for one drill; wire fewer per responder)'],
    });
    expect(report.ready).toBe(false);
    expect(w.calls).toEqual(['GetManagedResource', 'DescribeAlarms', 'DescribeAlarms']);
    expect(logged(w)).toEqual(zoneLines(w, report, ['INFO', 'INFO', 'WARN']));
  });

  test('a qualified invocation (alias) binds the proof to the unqualified function', async () => {
    const w = await world();
    const report = await drill(w, await drillEvent(DRILLER), { functionArn: `${FUNCTION_ARN}:live` });
    expect(report.refused).toBeUndefined();
    expect(report.functionArn).toBe(FUNCTION_ARN);
  });
});

describe('a drill the function refuses reads nothing', () => {
  async function refused(w: World, event: unknown, options: DrillOptions = {}, identity?: IdentityVerifier): Promise<string> {
    const stsBefore = sts.requests.length;
    w.lines.splice(0);
    const report = await drill(w, event, options, identity);
    expect(report).toEqual({ drill: true, ready: false, refused: report.refused, functionArn: report.functionArn, dryRun: false, problems: [], zones: [] });
    expect(w.calls).toEqual([]);
    expect(logged(w)).toEqual([{ timestamp: new Date(w.nowMs).toISOString(), level: 'WARN', message: 'drill refused', drill: true, reason: report.refused }]);
    return `${report.refused} [sts calls: ${sts.requests.length - stsBefore}]`;
  }

  test('without drill roles', async () => {
    const w = await world({ drill: [] });
    expect(await refused(w, await drillEvent(DRILLER))).toMatch(/^no drill roles are configured.*\[sts calls: 0\]$/);
  });

  test('from a role that is not a drill role', async () => {
    const w = await world();
    expect(await refused(w, await drillEvent(STRANGER))).toBe(`${STRANGER.arn} is not one of the drill roles (${DRILL_ROLE}) [sts calls: 1]`);
  });

  test('from a role that is none of several drill roles, which the refusal names', async () => {
    const w = await world({ drill: [DRILL_ROLE, AUDIT_ROLE] });
    expect(await refused(w, await drillEvent(STRANGER))).toBe(`${STRANGER.arn} is not one of the drill roles (${DRILL_ROLE}, ${AUDIT_ROLE}) [sts calls: 1]`);
  });

  test('a proof made for another function does not verify', async () => {
    const w = await world();
    const other = FUNCTION_ARN.replace('AbCdEf123456', 'Other1');
    expect(await refused(w, await drillEvent(DRILLER, other))).toMatch(/^STS refused the identity proof: SignatureDoesNotMatch/);
  });

  test('a proof older than its 60 s (and a minute of clock skew) is refused, though STS would still take it', async () => {
    const w = await world();
    const event = await drillEvent(DRILLER);
    w.advance(121_000);
    expect(await refused(w, event)).toMatch(/^the identity proof was signed 12[12] s ago, more than its 60 s \(plus 60 s of clock skew\); run the drill again \[sts calls: 0\]$/);
    // STS itself takes a presigned request for 15 minutes, whatever X-Amz-Expires says.
    const stale = new URLSearchParams(event.identity.query);
    const answer = await fetch(`${sts.endpoint}/?${stale}`, { headers: { 'x-cdk-azi-drill': FUNCTION_ARN } });
    expect(answer.status).toBe(200);
  });

  test('a proof dated in the future is refused', async () => {
    const w = await world();
    const event = await drillEvent(DRILLER);
    w.advance(-10 * 60_000);
    expect(await refused(w, event)).toMatch(/^the identity proof is dated \d{8}T\d{6}Z, (59\d|60\d) s in the future \(more than 60 s of clock skew\); check the caller's clock \[sts calls: 0\]$/);
  });

  test('a proof that is not a presigned GetCallerIdentity is never sent', async () => {
    const w = await world();
    const event = await drillEvent(DRILLER);
    const assumeRole = { ...event, identity: { query: { ...event.identity.query, Action: 'AssumeRole' } } };
    expect(await refused(w, assumeRole)).toBe('the identity proof must be a presigned sts:GetCallerIdentity request (Version 2011-06-15) [sts calls: 0]');
    const extra = { ...event, identity: { query: { ...event.identity.query, RoleArn: DRILL_ROLE } } };
    expect(await refused(w, extra)).toBe('the identity proof has an unexpected parameter "RoleArn" [sts calls: 0]');
    const long = { ...event, identity: { query: { ...event.identity.query, 'X-Amz-Expires': '3600' } } };
    expect(await refused(w, long)).toMatch(/^the identity proof must expire within 300 s/);
  });

  test('without a proof, or without the function ARN', async () => {
    const w = await world();
    const noProof = 'the drill has no identity proof (identity.query); run it with `npx cdk-azi drill` [sts calls: 0]';
    expect(await refused(w, { source: 'cdk-azi.zonal-shift', action: 'drill' })).toBe(noProof);
    expect(await refused(w, { source: 'cdk-azi.zonal-shift', action: 'drill', identity: null })).toBe(noProof);
    expect(await refused(w, await drillEvent(DRILLER), { functionArn: 'not-an-arn' })).toBe("the invocation does not name the function's ARN, so the identity proof cannot be checked [sts calls: 0]");
  });

  test('when checking the proof fails unexpectedly, with the error', async () => {
    const w = await world();
    const failing: IdentityVerifier = { callerIdentity: async () => { throw new TypeError('socket hang up'); } };
    expect(await refused(w, await drillEvent(DRILLER), {}, failing)).toBe('the identity proof could not be checked: TypeError: socket hang up [sts calls: 0]');
  });
});

describe('drill roles in the configuration', () => {
  test('are kept; a bad entry is left out and reported, and never stops the incident path', async () => {
    const raw = rawConfig();
    expect(parseConfig({ ZONAL_SHIFT_CONFIG: JSON.stringify(raw) }).drillRoles).toEqual([]);
    const good = parseConfig({ ZONAL_SHIFT_CONFIG: JSON.stringify({ ...raw, drill: [DRILL_ROLE] }) });
    expect(good.drillRoles).toEqual([DRILL_ROLE]);
    expect(good.drillProblem).toBeUndefined();
    const user = `arn:aws:iam::${ACCOUNT}:user/alice`;
    expect(parseConfig({ ZONAL_SHIFT_CONFIG: JSON.stringify({ ...raw, drill: [user, DRILL_ROLE] }) })).toMatchObject({
      drillRoles: [DRILL_ROLE],
      drillProblem: `'drill' names 1 value(s) that are not IAM role ARNs, left out: "${user}"`,
    });

    const w = await world({ drill: [user, DRILL_ROLE] });
    w.setZone('us-east-1a', { alb: 'ALARM', probe: 'ALARM' });
    const decisions = await w.invoke({ source: 'cdk-azi.zonal-shift', action: 'reconcile' });
    expect(decisions.map((decision) => decision.decision)).toEqual(['started', 'nothing-to-do', 'nothing-to-do']);
    const report = await drill(w, await drillEvent(DRILLER));
    expect(report.problems).toEqual([`'drill' names 1 value(s) that are not IAM role ARNs, left out: "${user}"`]);
    expect(report.ready).toBe(false);
  });

  test('no usable role: every drill is refused with the reason', async () => {
    const w = await world({ drill: 'everyone' as unknown as string[] });
    expect((await drill(w, await drillEvent(DRILLER))).refused).toBe("no usable drill roles: 'drill' is not an array of IAM role ARNs");
  });
});

test('a function that answers for no zone is not ready', async () => {
  const w = await world();
  const report = await runDrill(await drillEvent(DRILLER), { ...w.config, groups: [] }, { ...w.deps, identity: new StsIdentityVerifier(sts.endpoint) }, { functionArn: FUNCTION_ARN });
  expect(report.zones).toEqual([]);
  expect(report.problems).toEqual(['the function answers for no zone: no isolated-impact alarm is wired with its options (respondTo(alarm, options) or respondToZonalAlarms)']);
  expect(report.ready).toBe(false);
});

describe('an isolated-impact alarm that would not invoke the function', () => {
  test.each([
    ['actions disabled', { ActionsEnabled: false }, 'has its actions disabled (ActionsEnabled false)'],
    ['another function on ALARM', { AlarmActions: [FUNCTION_ARN.replace('AbCdEf123456', 'Other1')] }, 'does not invoke this function on ALARM'],
    ['no ALARM action', { AlarmActions: [] }, 'does not invoke this function on ALARM'],
  ])('%s', async (_name, change, message) => {
    const w = await world();
    const isolated = zoneNames('us-east-1b').isolated;
    Object.assign(w.cloudwatch.compositeAlarms.find((alarm) => alarm.AlarmName === isolated)!, change);
    const report = await drill(w, await drillEvent(DRILLER));
    const b = report.zones.find((zone) => zone.availabilityZone === 'us-east-1b')!;
    expect(b.problems).toEqual([`alarm ${isolated} ${message}: only the reconcile schedule would act, up to a reconcile interval later`]);
    expect(report.zones.filter((zone) => zone !== b).every((zone) => zone.problems.length === 0)).toBe(true);
  });

  test('an alias of the function on ALARM is the function', async () => {
    const w = await world();
    const isolated = zoneNames('us-east-1b').isolated;
    Object.assign(w.cloudwatch.compositeAlarms.find((alarm) => alarm.AlarmName === isolated)!, { AlarmActions: [`${FUNCTION_ARN}:live`] });
    expect((await drill(w, await drillEvent(DRILLER))).ready).toBe(true);
  });
});

describe('an alarm the incident path would misread is a problem of its zone', () => {
  async function problems(change: (w: World) => void): Promise<string[][]> {
    const w = await world();
    change(w);
    const report = await drill(w, await drillEvent(DRILLER));
    return report.zones.map((zone) => zone.problems);
  }

  test('a dimension alarm that measures another zone', async () => {
    const errors = zoneNames('us-east-1b').errors;
    expect(await problems((w) => {
      w.cloudwatch.metricAlarms.find((alarm) => alarm.AlarmName === errors)!.Dimensions = [
        { Name: 'LoadBalancer', Value: LB_DIM },
        { Name: 'AvailabilityZone', Value: 'us-east-1c' },
      ];
    })).toEqual([[], [`alarm ${errors} measures us-east-1c, not the configured us-east-1b`], []]);
  });

  test('an isolated-impact rule that reads an alarm the configuration does not list', async () => {
    const { isolated, impaired } = zoneNames('us-east-1b');
    expect(await problems((w) => {
      w.cloudwatch.compositeAlarms.find((alarm) => alarm.AlarmName === isolated)!.AlarmRule = `${quoted(impaired)} AND ${quoted('stray')}`;
    })).toEqual([[], [`the rule of ${isolated} references alarms the configuration does not list: stray`], []]);
  });
});
