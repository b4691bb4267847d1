// Every rule of the zonal-shift decision, over real HTTP against the local ARC and CloudWatch.
import { LB_ARN, RECONCILE, alarmEvent, ourComment, rawConfig, zoneNames } from './support/fixtures';
import { World, WorldOptions } from './support/world';

const A = 'us-east-1a';
const A_ID = 'use1-az6';
const B_ID = 'use1-az1';
const ISOLATED_A = zoneNames(A).isolated;

let world: World;

async function start(options: WorldOptions = {}): Promise<World> {
  world = await World.start(options);
  return world;
}

afterEach(() => world?.close());

/** Our shift, started two hours ago: before the recovery alarms last changed state (an hour ago in the world). */
function seedOurs(expiresInSeconds = 1800) {
  const now = Math.floor(world.nowMs / 1000);
  return world.arc.seed({ resourceIdentifier: LB_ARN, awayFrom: A_ID, comment: ourComment(A), startTime: now - 7200, expiryTime: now + expiresInSeconds });
}

describe('1. autoshifts are visible (GetManagedResource, never ListZonalShifts)', () => {
  test('an autoshift away from another zone stops a shift, without any write', async () => {
    await start({ impaired: [A] });
    world.arc.seedAutoshift({ resourceIdentifier: LB_ARN, awayFrom: B_ID });
    const decision = await world.decide(alarmEvent(ISOLATED_A, 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/autoshift.*use1-az1.*regional/) });
    expect(world.arc.writes()).toHaveLength(0);
    expect(world.arc.calls('ListZonalShifts')).toHaveLength(0);
  });

  test('an autoshift away from the same zone is superseded by our customer shift', async () => {
    await start({ impaired: [A] });
    world.arc.seedAutoshift({ resourceIdentifier: LB_ARN, awayFrom: A_ID });
    const decision = await world.decide(alarmEvent(ISOLATED_A, 'ALARM'));
    expect(decision).toMatchObject({ decision: 'started', supersedes: [{ shiftType: 'AUTOSHIFT', awayFrom: A_ID }] });
  });
});

describe('2. only the wired alarms drive the function', () => {
  test.each([
    ["the zone's impaired composite", zoneNames(A).impaired],
    ['a raw per-zone metric alarm', zoneNames(A).errors],
    ["anyone's alarm with the same dimensions", 'someone-elses-alarm'],
  ])('%s is refused before any AWS call', async (_name, alarmName) => {
    await start({ impaired: [A] });
    const decision = await world.decide(alarmEvent(alarmName, 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/not one of the isolated-impact alarms wired/) });
    expect(world.calls).toEqual([]);
    expect(world.arc.shifts).toHaveLength(0);
  });

  test('a wired alarm name from another account is refused', async () => {
    await start({ impaired: [A] });
    const decision = await world.decide(alarmEvent(ISOLATED_A, 'ALARM', { account: '222222222222' }));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/222222222222/) });
    expect(world.calls).toEqual([]);
  });

  test('dimensions that disagree with the configured zone are refused', async () => {
    await start({ impaired: [A] });
    const errors = world.cloudwatch.metricAlarms.find((alarm) => alarm.AlarmName === zoneNames(A).errors)!;
    errors.Dimensions = [{ Name: 'LoadBalancer', Value: 'app/web/0123456789abcdef' }, { Name: 'AvailabilityZone', Value: 'us-east-1b' }];
    const decision = await world.decide(alarmEvent(ISOLATED_A, 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/measures us-east-1b, not the configured us-east-1a/) });
    expect(world.arc.writes()).toHaveLength(0);
  });

  test('dimensions that name another load balancer are refused', async () => {
    await start({ impaired: [A] });
    const rate = world.cloudwatch.metricAlarms.find((alarm) => alarm.AlarmName === zoneNames(A).rate)!;
    rate.Metrics![0].MetricStat!.Metric!.Dimensions![0].Value = 'app/other/fedcba9876543210';
    const decision = await world.decide(alarmEvent(ISOLATED_A, 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/load balancer app\/other/) });
  });

  test("an outlier alarm in the impaired composite, reading every zone, does not count as a dimension mismatch", async () => {
    await start({ impaired: [A] });
    expect(await world.decide(alarmEvent(ISOLATED_A, 'ALARM'))).toMatchObject({ decision: 'started' });
  });

  test('a configured alarm that no longer exists is a refusal', async () => {
    await start({ impaired: [A] });
    world.cloudwatch.metricAlarms.splice(world.cloudwatch.metricAlarms.findIndex((alarm) => alarm.AlarmName === zoneNames(A).probe), 1);
    expect(await world.decide(alarmEvent(ISOLATED_A, 'ALARM'))).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/does not know us-east-1a-probe/) });
  });
});

describe('3. ownership is the exact comment', () => {
  test("a person's shift whose comment merely starts with cdk-azi: is never cancelled", async () => {
    await start();
    const persons = world.arc.seed({ resourceIdentifier: LB_ARN, awayFrom: A_ID, comment: 'cdk-azi: alarm us-east-1a-isolated' });
    const decision = await world.decide(alarmEvent(ISOLATED_A, 'OK'));
    expect(decision).toMatchObject({ decision: 'nothing-to-do' });
    expect(world.arc.writes()).toHaveLength(0);
    expect(persons.status).toBe('ACTIVE');
  });

  test('a shift of another responder (another owner id) is not ours', async () => {
    await start({ impaired: [A] });
    world.arc.seed({ resourceIdentifier: LB_ARN, awayFrom: A_ID, comment: ourComment(A, 'ffffffffff'), expiryTime: Math.floor(world.nowMs / 1000) + 60 });
    expect(await world.decide(alarmEvent(ISOLATED_A, 'ALARM'))).toMatchObject({ decision: 'nothing-to-do', reason: expect.stringMatching(/did not start/) });
    expect(world.arc.writes()).toHaveLength(0);
  });

  test('two wired alarms of one zone share one shift, ended only when both are OK', async () => {
    const second = `${A}-isolated-latency`;
    await start({ extraWired: [{ name: second, az: A }] });
    world.cloudwatch.compositeAlarms.push({ ...world.cloudwatch.compositeAlarms.find((alarm) => alarm.AlarmName === ISOLATED_A)!, AlarmName: second, StateValue: 'ALARM' });
    const ours = seedOurs();
    expect(await world.decide(alarmEvent(ISOLATED_A, 'OK'))).toMatchObject({ decision: 'refused' });
    expect(ours.status).toBe('ACTIVE');
    world.cloudwatch.setState(second, 'OK', new Date(world.nowMs));
    expect(await world.decide(alarmEvent(second, 'OK'))).toMatchObject({ decision: 'cancelled', zonalShiftId: ours.zonalShiftId });
  });
});

describe('4. state is re-read right before each write', () => {
  test('a second zone impaired between the event and the write: no start', async () => {
    await start({ impaired: [A] });
    world.arc.onRequest = (operation) => {
      if (operation === 'GetManagedResource') {
        // Zone b's impaired alarm fires; zone a's isolated alarm has not caught up yet.
        world.cloudwatch.setState(zoneNames('us-east-1b').impaired, 'ALARM', new Date(world.nowMs));
      }
    };
    const decision = await world.decide(alarmEvent(ISOLATED_A, 'ALARM'));
    expect(world.state(ISOLATED_A)).toBe('ALARM');
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/other zones are impaired too \(us-east-1b-impaired\).*regional/) });
    expect(world.arc.writes()).toHaveLength(0);
  });

  test('an OK event after the zone went back into ALARM does not cancel', async () => {
    await start({ impaired: [A] });
    const ours = seedOurs(600);
    const decision = await world.decide(alarmEvent(ISOLATED_A, 'OK'));
    expect(decision).toMatchObject({ decision: 'extended', zonalShiftId: ours.zonalShiftId });
    expect(world.arc.calls('CancelZonalShift')).toHaveLength(0);
  });

  test('alarm states are read after the shifts, just before the write', async () => {
    await start({ impaired: [A] });
    await world.decide(alarmEvent(ISOLATED_A, 'ALARM'));
    expect(world.calls).toEqual(['GetManagedResource', 'DescribeAlarms', 'StartZonalShift']);
  });

  test("the isolated alarm's rule is evaluated on the fresh states of its children", async () => {
    await start({ impaired: [A] });
    // The composite still says ALARM, but its child no longer does.
    world.cloudwatch.setState(zoneNames(A).impaired, 'OK', new Date(world.nowMs));
    expect(await world.decide(alarmEvent(ISOLATED_A, 'ALARM'))).toMatchObject({ decision: 'refused' });
    expect(world.arc.writes()).toHaveLength(0);
  });
});

describe('5. ALARM and OK events resolve the zone the same way', () => {
  test.each(['ALARM', 'OK', 'INSUFFICIENT_DATA'] as const)('a %s event for an isolated zone starts the shift', async (state) => {
    await start({ impaired: [A] });
    expect(await world.decide(alarmEvent(ISOLATED_A, state))).toMatchObject({ decision: 'started', availabilityZoneId: A_ID });
  });

  test.each(['ALARM', 'OK'] as const)('a %s event for a recovered zone ends our shift', async (state) => {
    await start();
    const ours = seedOurs();
    expect(await world.decide(alarmEvent(ISOLATED_A, state))).toMatchObject({ decision: 'cancelled', zonalShiftId: ours.zonalShiftId });
  });
});

describe('6. an extension never shortens', () => {
  test('our shift that a person extended to 72 hours is left as it is', async () => {
    await start({ impaired: [A] });
    const ours = seedOurs(72 * 3600);
    const expiry = ours.expiryTime;
    expect(await world.decide(alarmEvent(ISOLATED_A, 'ALARM'))).toMatchObject({ decision: 'nothing-to-do' });
    expect(world.arc.calls('UpdateZonalShift')).toHaveLength(0);
    expect(ours.expiryTime).toBe(expiry);
  });

  test('our shift with less than half its expiry left is extended to now + expiry', async () => {
    await start({ impaired: [A] });
    const ours = seedOurs(600);
    expect(await world.decide(alarmEvent(ISOLATED_A, 'ALARM'))).toMatchObject({ decision: 'extended' });
    expect(world.arc.calls('UpdateZonalShift')[0].json).toEqual({ expiresIn: '30m' });
    expect(ours.expiryTime).toBe(Math.floor(world.nowMs / 1000) + 1800);
  });
});

describe('7. FIS experiments, practice runs and people', () => {
  test('an FIS experiment shift away from another zone is refused and logged', async () => {
    await start({ impaired: [A] });
    const fis = world.arc.seed({ resourceIdentifier: LB_ARN, awayFrom: B_ID, shiftType: 'FIS_EXPERIMENT', comment: 'fis' });
    expect(await world.decide(alarmEvent(ISOLATED_A, 'ALARM'))).toMatchObject({ decision: 'refused', zonalShiftId: fis.zonalShiftId, reason: expect.stringMatching(/FIS experiment/) });
    expect(world.arc.writes()).toHaveLength(0);
    expect(world.decisions()).toEqual([expect.objectContaining({ decision: 'refused', Decision: 'refused' })]);
  });

  test('an FIS experiment away from the same zone is superseded', async () => {
    await start({ impaired: [A] });
    const fis = world.arc.seed({ resourceIdentifier: LB_ARN, awayFrom: A_ID, shiftType: 'FIS_EXPERIMENT', comment: 'fis' });
    expect(await world.decide(alarmEvent(ISOLATED_A, 'ALARM'))).toMatchObject({ decision: 'started', supersedes: [{ zonalShiftId: fis.zonalShiftId, shiftType: 'FIS_EXPERIMENT' }] });
  });

  test('a practice run away from another zone is superseded (ARC interrupts it)', async () => {
    await start({ impaired: [A] });
    const practice = world.arc.seed({ resourceIdentifier: LB_ARN, awayFrom: B_ID, shiftType: 'PRACTICE_RUN', comment: 'practice', practiceRunOutcome: 'PENDING' });
    expect(await world.decide(alarmEvent(ISOLATED_A, 'ALARM'))).toMatchObject({ decision: 'started', supersedes: [{ zonalShiftId: practice.zonalShiftId, shiftType: 'PRACTICE_RUN' }] });
    expect(practice).toMatchObject({ status: 'CANCELED', practiceRunOutcome: 'INTERRUPTED' });
  });

  test("a person's shift away from another zone is refused; away from this zone it is left alone", async () => {
    await start({ impaired: [A] });
    const persons = world.arc.seed({ resourceIdentifier: LB_ARN, awayFrom: B_ID });
    expect(await world.decide(alarmEvent(ISOLATED_A, 'ALARM'))).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/away from use1-az1/) });
    persons.awayFrom = A_ID;
    expect(await world.decide(alarmEvent(ISOLATED_A, 'ALARM'))).toMatchObject({ decision: 'nothing-to-do' });
    expect(world.arc.writes()).toHaveLength(0);
  });

  test('a practice run is never cancelled on recovery, whatever its comment', async () => {
    await start();
    world.arc.seed({ resourceIdentifier: LB_ARN, awayFrom: A_ID, shiftType: 'PRACTICE_RUN', comment: ourComment(A) });
    expect(await world.decide(alarmEvent(ISOLATED_A, 'OK'))).toMatchObject({ decision: 'nothing-to-do' });
    expect(world.arc.writes()).toHaveLength(0);
  });
});

describe('8. the reconcile schedule', () => {
  test('decides every wired zone and starts the shift a lost event should have started', async () => {
    await start({ impaired: [A] });
    const decisions = await world.invoke(RECONCILE);
    expect(decisions.map((decision) => [decision.availabilityZone, decision.decision])).toEqual([
      [A, 'started'], ['us-east-1b', 'nothing-to-do'], ['us-east-1c', 'nothing-to-do'],
    ]);
    expect(decisions.every((decision) => decision.trigger === 'reconcile')).toBe(true);
  });

  test('starts again when our shift expired while the zone is still impaired', async () => {
    await start({ impaired: [A] });
    await world.invoke(RECONCILE);
    world.advance(31 * 60_000);
    expect(world.arc.activeShifts()).toHaveLength(0);
    const [first] = await world.invoke(RECONCILE);
    expect(first).toMatchObject({ decision: 'started' });
  });

  test('a decision for another zone is deferred when too little time is left', async () => {
    await start({ impaired: [A] });
    const decisions = await world.invoke(RECONCILE, { remainingMs: () => 1000 });
    expect(decisions.map((decision) => decision.decision)).toEqual(['started', 'nothing-to-do', 'nothing-to-do']);
    expect(decisions[1].reason).toMatch(/next reconcile/);
  });

  test('a forged reconcile event can only do what a reconcile does', async () => {
    await start();
    const persons = world.arc.seed({ resourceIdentifier: LB_ARN, awayFrom: A_ID });
    const decisions = await world.invoke({ ...RECONCILE, detail: 'cancel everything' });
    expect(decisions.every((decision) => decision.decision === 'nothing-to-do')).toBe(true);
    expect(persons.status).toBe('ACTIVE');
  });
});

describe('9. at most 3 AWS calls on the incident path', () => {
  test.each([
    ['start', () => undefined, ['GetManagedResource', 'DescribeAlarms', 'StartZonalShift']],
    ['extend', () => seedOurs(600), ['GetManagedResource', 'DescribeAlarms', 'UpdateZonalShift']],
    ['nothing to do', () => seedOurs(1800), ['GetManagedResource', 'DescribeAlarms']],
  ])('%s', async (_name, setup, expected) => {
    await start({ impaired: [A] });
    setup();
    world.resetCalls();
    await world.decide(alarmEvent(ISOLATED_A, 'ALARM'));
    expect(world.calls).toEqual(expected);
    expect(world.cloudwatch.describeAlarmsCalls).toBe(1);
    expect((world.cloudwatch.requests[0].body.AlarmNames as string[]).length).toBe(world.config.groups[0].alarmNames.length);
  });

  test('cancel', async () => {
    await start();
    seedOurs();
    await world.decide(alarmEvent(ISOLATED_A, 'OK'));
    expect(world.calls).toEqual(['GetManagedResource', 'DescribeAlarms', 'CancelZonalShift']);
  });
});

describe('recovery a drain cannot fake', () => {
  test('load-balancer alarms OK while the probe is ALARM: the shift stays', async () => {
    await start({ impaired: [A], probesInImpaired: false });
    const ours = seedOurs();
    world.setZone(A, { alb: 'OK' });
    expect(world.state(ISOLATED_A)).toBe('OK');
    expect(await world.decide(alarmEvent(ISOLATED_A, 'OK'))).toMatchObject({ decision: 'nothing-to-do', reason: expect.stringMatching(/recovery alarm us-east-1a-probe is ALARM/) });
    expect(ours.status).toBe('ACTIVE');
  });

  test('the probe must have been OK for the whole recovery window', async () => {
    await start({ impaired: [A] });
    const ours = seedOurs();
    world.setZone(A, { alb: 'OK', probe: 'OK' });
    world.advance(4 * 60_000 + 59_000);
    expect(await world.decide(alarmEvent(ISOLATED_A, 'OK'))).toMatchObject({ decision: 'nothing-to-do', reason: expect.stringMatching(/OK for 299 s of the 300 s/) });
    world.advance(1000);
    const [zoneA] = await world.invoke(RECONCILE);
    expect(zoneA).toMatchObject({ availabilityZone: A, decision: 'cancelled', zonalShiftId: ours.zonalShiftId, reason: expect.stringMatching(/recovery alarms have been OK for the 300 s recovery window/) });
  });

  test('probes that never saw the impairment cannot end the shift: a drained zone is not a recovered zone', async () => {
    // The zone failed on load-balancer metrics only (a gray failure below the probes' threshold):
    // the probes were OK before the shift started and still are, the load-balancer alarms went
    // quiet when the traffic left. Nothing that still measures the zone has recovered.
    await start();
    const now = Math.floor(world.nowMs / 1000);
    const ours = world.arc.seed({ resourceIdentifier: LB_ARN, awayFrom: A_ID, comment: ourComment(A), startTime: now - 600, expiryTime: now + 3600 });
    world.advance(30 * 60_000);
    expect(await world.decide(alarmEvent(ISOLATED_A, 'OK'))).toMatchObject({
      decision: 'nothing-to-do',
      zonalShiftId: ours.zonalShiftId,
      reason: expect.stringMatching(/no recovery alarm has come back to OK since the shift started/),
    });
    const [zoneA] = await world.invoke(RECONCILE);
    expect(zoneA).toMatchObject({ availabilityZone: A, decision: 'nothing-to-do' });
    expect(world.arc.writes()).toHaveLength(0);
  });

  test('the window counts from the last transition, not the last update', async () => {
    await start();
    const ours = seedOurs();
    const probe = world.cloudwatch.metricAlarms.find((alarm) => alarm.AlarmName === zoneNames(A).probe)!;
    probe.StateUpdatedTimestamp = new Date(world.nowMs - 1000);
    expect(await world.decide(alarmEvent(ISOLATED_A, 'OK'))).toMatchObject({ decision: 'cancelled', zonalShiftId: ours.zonalShiftId });
  });

  test('without StateTransitionedTimestamp the last update counts', async () => {
    await start();
    seedOurs();
    const probe = world.cloudwatch.metricAlarms.find((alarm) => alarm.AlarmName === zoneNames(A).probe)!;
    delete probe.StateTransitionedTimestamp;
    probe.StateUpdatedTimestamp = new Date(world.nowMs - 60_000);
    expect(await world.decide(alarmEvent(ISOLATED_A, 'OK'))).toMatchObject({ decision: 'nothing-to-do', reason: expect.stringMatching(/OK for 60 s/) });
  });

  test('without recovery alarms the function never ends its shift', async () => {
    await start({ withRecovery: false });
    const ours = seedOurs();
    expect(await world.decide(alarmEvent(ISOLATED_A, 'OK'))).toMatchObject({ decision: 'nothing-to-do', reason: expect.stringMatching(/^the zone looks clear, but no recovery alarm measures it while shifted.*ends by expiry or by a person/) });
    expect(ours.status).toBe('ACTIVE');
  });

  test('with end-on-recovery off the function never ends its shift', async () => {
    await start({ endOnRecovery: false });
    seedOurs();
    expect(await world.decide(alarmEvent(ISOLATED_A, 'OK'))).toMatchObject({ decision: 'nothing-to-do', reason: expect.stringMatching(/ending shifts on recovery is off/) });
  });

  test('a recovery alarm OK since an unknown time does not end the shift', async () => {
    await start();
    const ours = seedOurs();
    const probe = world.cloudwatch.metricAlarms.find((alarm) => alarm.AlarmName === zoneNames(A).probe)!;
    delete probe.StateTransitionedTimestamp;
    delete probe.StateUpdatedTimestamp;
    expect(await world.decide(alarmEvent(ISOLATED_A, 'OK'))).toMatchObject({ decision: 'nothing-to-do', reason: expect.stringMatching(/recovery alarm us-east-1a-probe is OK since an unknown time/) });
    expect(ours.status).toBe('ACTIVE');
  });

  test('our shift without a start time is never ended on recovery', async () => {
    await start();
    const ours = seedOurs();
    ours.startTime = undefined as unknown as number;
    expect(await world.decide(alarmEvent(ISOLATED_A, 'OK'))).toMatchObject({ decision: 'nothing-to-do', reason: expect.stringMatching(/our shift has no start time/) });
    expect(ours.status).toBe('ACTIVE');
  });

  test('a recovery alarm that came back to OK in the second the shift started did not see it fail', async () => {
    await start();
    // Every alarm of the world last changed state an hour ago; our shift starts in that second.
    const now = Math.floor(world.nowMs / 1000);
    const ours = world.arc.seed({ resourceIdentifier: LB_ARN, awayFrom: A_ID, comment: ourComment(A), startTime: now - 3600, expiryTime: now + 1800 });
    expect(await world.decide(alarmEvent(ISOLATED_A, 'OK'))).toMatchObject({ decision: 'nothing-to-do', reason: expect.stringMatching(/no recovery alarm has come back to OK since the shift started/) });
    expect(ours.status).toBe('ACTIVE');
  });

  test('one recovery alarm that came back after the shift started is enough; one OK all along does not block', async () => {
    const config = rawConfig();
    const errors = config.names.indexOf(zoneNames(A).errors);
    config.alarms[0] = { ...config.alarms[0], recovery: [...config.alarms[0].recovery, errors] };
    await start({ config });
    const ours = seedOurs();
    const alarm = world.cloudwatch.metricAlarms.find((candidate) => candidate.AlarmName === zoneNames(A).errors)!;
    alarm.StateTransitionedTimestamp = new Date(world.nowMs - 3 * 3600_000);
    expect(await world.decide(alarmEvent(ISOLATED_A, 'OK'))).toMatchObject({ decision: 'cancelled', zonalShiftId: ours.zonalShiftId });
  });

  test('a clear zone without a shift of ours is nothing to do, and the log says so', async () => {
    await start();
    expect(await world.decide(alarmEvent(ISOLATED_A, 'OK'))).toMatchObject({ decision: 'nothing-to-do', reason: expect.stringMatching(/no shift of ours/) });
  });
});

describe('writes that lose a race', () => {
  test('a 409 on start makes the handler read and decide again', async () => {
    await start({ impaired: [A] });
    world.arc.faults.push({ status: 409, type: 'ConflictException', reason: 'SimultaneousZonalShiftsConflict', operation: 'StartZonalShift' });
    expect(await world.decide(alarmEvent(ISOLATED_A, 'ALARM'))).toMatchObject({ decision: 'started' });
    expect(world.calls).toEqual(['GetManagedResource', 'DescribeAlarms', 'StartZonalShift', 'GetManagedResource', 'DescribeAlarms', 'StartZonalShift']);
  });

  test('cancelling a shift that expired meanwhile (409 ZonalShiftStatusNotActive) is nothing to do', async () => {
    await start();
    const ours = seedOurs();
    world.arc.onRequest = (operation) => {
      if (operation === 'CancelZonalShift') {
        ours.status = 'EXPIRED';
      }
    };
    expect(await world.decide(alarmEvent(ISOLATED_A, 'OK'))).toMatchObject({ decision: 'nothing-to-do', reason: 'our zonal shift ended before we cancelled it' });
  });

  test('extending a shift that ended meanwhile (409 ZonalShiftStatusNotActive) starts a new one', async () => {
    await start({ impaired: [A] });
    const ours = seedOurs(600);
    world.arc.onRequest = (operation) => {
      if (operation === 'UpdateZonalShift') {
        ours.status = 'CANCELED';
      }
    };
    expect(await world.decide(alarmEvent(ISOLATED_A, 'ALARM'))).toMatchObject({ decision: 'started' });
    expect(world.arc.activeShifts()).toHaveLength(1);
  });

  test('a race lost twice is a refusal, not an endless retry', async () => {
    await start({ impaired: [A] });
    for (let i = 0; i < 2; i++) {
      world.arc.faults.push({ status: 409, type: 'ConflictException', reason: 'ZonalShiftAlreadyExists', operation: 'StartZonalShift' });
    }
    expect(await world.decide(alarmEvent(ISOLATED_A, 'ALARM'))).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/kept changing/) });
  });
});

describe('configuration', () => {
  test('dry run reads but never writes', async () => {
    await start({ impaired: [A], dryRun: true });
    expect(await world.decide(alarmEvent(ISOLATED_A, 'ALARM'))).toMatchObject({ decision: 'dry-run', wouldHave: 'started' });
    expect(world.arc.writes()).toHaveLength(0);
  });

  test('a configuration whose worst case does not fit the timeout is rejected', () => {
    const { parseConfig } = jest.requireActual('../../lambda/zonal-shift/config');
    expect(() => parseConfig({ ZONAL_SHIFT_CONFIG: JSON.stringify({ ...rawConfig(), timeoutSeconds: 60 }) })).toThrow(/more than the function's timeout of 60 s/);
  });
});

describe('what an invocation logs and how AWS errors end it', () => {
  test('each decision is one EMF line: metric Decisions (Count, 1) by Decision, stamped with the decision time', async () => {
    await start({ impaired: [A] });
    await world.decide(alarmEvent(ISOLATED_A, 'ALARM'));
    expect(world.lines).toHaveLength(1);
    const record = JSON.parse(world.lines[0]);
    expect(record._aws).toEqual({
      Timestamp: world.nowMs,
      CloudWatchMetrics: [{ Namespace: 'CdkAzi/ZonalShift', Dimensions: [['Decision']], Metrics: [{ Name: 'Decisions', Unit: 'Count' }] }],
    });
    expect(record).toMatchObject({ Decision: 'started', Decisions: 1, decision: 'started', trigger: ISOLATED_A, availabilityZone: A });
  });

  test('a throttling error type from ARC is retried whatever its status', async () => {
    await start({ impaired: [A] });
    world.arc.faults.push({ status: 400, type: 'ThrottlingException', operation: 'StartZonalShift' });
    expect(await world.decide(alarmEvent(ISOLATED_A, 'ALARM'))).toMatchObject({ decision: 'started' });
    expect(world.arc.calls('StartZonalShift')).toHaveLength(2);
  });

  test('a refused ARC call names status, type and message, and a reason only when ARC gave one', async () => {
    await start({ impaired: [A] });
    world.arc.faults.push({ status: 403, type: 'AccessDeniedException', operation: 'StartZonalShift' });
    expect(await world.decide(alarmEvent(ISOLATED_A, 'ALARM'))).toMatchObject({
      decision: 'refused',
      reason: 'AWS error: 403 AccessDeniedException: injected AccessDeniedException',
    });
    expect(world.arc.calls('StartZonalShift')).toHaveLength(1);
  });

  test('cancelling our shift that ARC no longer knows (404) is nothing to do', async () => {
    await start();
    seedOurs();
    world.arc.faults.push({ status: 404, type: 'ResourceNotFoundException', operation: 'CancelZonalShift' });
    expect(await world.decide(alarmEvent(ISOLATED_A, 'OK'))).toMatchObject({ decision: 'nothing-to-do', reason: 'our zonal shift ended before we cancelled it' });
    expect(world.arc.calls('CancelZonalShift')).toHaveLength(1);
  });

  test('extending our shift that ARC no longer knows (404) reads again and starts a new one', async () => {
    await start({ impaired: [A] });
    const ours = seedOurs(600);
    world.arc.faults.push({ status: 404, type: 'ResourceNotFoundException', operation: 'UpdateZonalShift' });
    world.arc.onRequest = (operation) => {
      if (operation === 'UpdateZonalShift') {
        ours.status = 'CANCELED';
      }
    };
    expect(await world.decide(alarmEvent(ISOLATED_A, 'ALARM'))).toMatchObject({ decision: 'started' });
    expect(world.arc.calls('UpdateZonalShift')).toHaveLength(1);
  });

  test('a CloudWatch server error is left to Lambda retry: thrown, logged as ERROR, no decision line', async () => {
    await start({ impaired: [A] });
    world.cloudwatch.faults.push({ status: 500, code: 'InternalFailure' });
    await expect(world.invoke(alarmEvent(ISOLATED_A, 'ALARM'))).rejects.toMatchObject({ name: 'InternalFailure' });
    expect(world.lines.map((line) => JSON.parse(line))).toEqual([expect.objectContaining({ level: 'ERROR', trigger: ISOLATED_A, availabilityZone: A })]);
    expect(world.arc.writes()).toHaveLength(0);
  });

  test('a refused CloudWatch call names status, error name and message', async () => {
    await start({ impaired: [A] });
    world.cloudwatch.faults.push({ status: 403, code: 'AccessDenied' });
    expect(await world.decide(alarmEvent(ISOLATED_A, 'ALARM'))).toMatchObject({ decision: 'refused', reason: 'AWS error: 403 AccessDenied: injected AccessDenied' });
  });

  test('a 429 from ARC is retried whatever its error type', async () => {
    await start({ impaired: [A] });
    world.arc.faults.push({ status: 429, type: 'LimitExceededException', operation: 'StartZonalShift' });
    expect(await world.decide(alarmEvent(ISOLATED_A, 'ALARM'))).toMatchObject({ decision: 'started' });
    expect(world.arc.calls('StartZonalShift')).toHaveLength(2);
  });

  test('ARC server errors that outlast the retries reach Lambda as an ArcError, so its error report names the type', async () => {
    await start({ impaired: [A] });
    for (let i = 0; i < 3; i++) {
      world.arc.faults.push({ status: 503, type: 'ServiceUnavailableException', operation: 'GetManagedResource' });
    }
    await expect(world.invoke(alarmEvent(ISOLATED_A, 'ALARM'))).rejects.toMatchObject({ name: 'ArcError', status: 503 });
    expect(world.arc.calls('GetManagedResource')).toHaveLength(3);
  });

  test.each([
    ['a 429 whatever its error code', 429, 'LimitExceeded'],
    ['a 3xx (no usable answer, not an error of the request)', 302, 'Found'],
  ])('a CloudWatch answer that is %s is left to Lambda retry', async (_name, status, code) => {
    await start({ impaired: [A] });
    world.cloudwatch.faults.push({ status, code });
    await expect(world.invoke(alarmEvent(ISOLATED_A, 'ALARM'))).rejects.toMatchObject({ $metadata: { httpStatusCode: status } });
    expect(world.decisions()).toEqual([]);
  });

  test('a CloudWatch 400 that is not throttling is a refusal, not a retry', async () => {
    await start({ impaired: [A] });
    world.cloudwatch.faults.push({ status: 400, code: 'InvalidParameterCombination' });
    expect(await world.decide(alarmEvent(ISOLATED_A, 'ALARM'))).toMatchObject({
      decision: 'refused',
      reason: expect.stringMatching(/^AWS error: 400 InvalidParameterCombination(Exception)?: injected InvalidParameterCombination$/),
    });
  });

  test('CloudWatch unreachable is left to Lambda retry, logged without an HTTP status', async () => {
    await start({ impaired: [A] });
    await world.cloudwatch.close();
    const error = await world.invoke(alarmEvent(ISOLATED_A, 'ALARM')).then(() => undefined, (err: Error) => err);
    expect(error).toBeInstanceOf(Error);
    expect(world.lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ level: 'ERROR', error: `${error!.name}: ${error!.message}` }),
    ]);
  });
});
