import { COMMENT_MARKER, ShiftRole, handleAlarmEvent, isOwnShift, parseAlarmEvent, shiftComment, shiftRole } from '../../lambda/zonal-shift/decide';
import { ArcError } from '../../lambda/zonal-shift/errors';
import { HandlerConfig } from '../../lambda/zonal-shift/types';
import { FakeWorld, fakeWorld, testConfig } from './support/fakes';
import {
  ACCOUNT, AZ_ID_MAP, LB_ARN, LB_DIM, OTHER_LB_DIM, alarmArn, alarmEvent, compositeAlarm, detectionTree, mathAlarm, metricAlarm,
} from './support/fixtures';

const FAST = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };

function worldWith(impaired: string[]): FakeWorld {
  const tree = detectionTree(impaired);
  return fakeWorld(tree.metric, tree.composite);
}

function run(world: FakeWorld, event: unknown, config: Partial<HandlerConfig> = {}) {
  return handleAlarmEvent(event, testConfig(config), world.deps, FAST);
}

const ourShift = (awayFrom: string) => ({ resourceIdentifier: LB_ARN, awayFrom, comment: `${COMMENT_MARKER} alarm x` });
const personsShift = (awayFrom: string) => ({ resourceIdentifier: LB_ARN, awayFrom, comment: 'draining for maintenance' });
/** A shift ARC or AWS started; the comment carries our marker to prove the type, not the comment, decides. */
const serviceShift = (shiftType: string, awayFrom: string) => ({ resourceIdentifier: LB_ARN, awayFrom, shiftType, comment: `${COMMENT_MARKER} alarm x` });
const ops = (world: FakeWorld) => world.shifts.calls.map((call) => call.op);

describe('malformed or foreign events', () => {
  const valid = alarmEvent('us-east-1a-isolated', 'ALARM');
  const data = valid.alarmData as Record<string, unknown>;
  test.each<[string, unknown]>([
    ['null', null],
    ['a string', 'ALARM'],
    ['an array', [valid]],
    ['another source', { ...valid, source: 'aws.events' }],
    ['no alarmArn', { ...valid, alarmArn: undefined }],
    ['an SNS ARN', { ...valid, alarmArn: 'arn:aws:sns:us-east-1:111111111111:topic' }],
    ['a region that differs from the ARN', { ...valid, region: 'eu-west-1' }],
    ['an account that differs from the ARN', { ...valid, accountId: '222222222222' }],
    ['an alarm name that differs from the ARN', { ...valid, alarmData: { ...data, alarmName: 'other' } }],
    ['no alarmData', { ...valid, alarmData: undefined }],
    ['an unknown state', { ...valid, alarmData: { ...data, state: { value: 'BROKEN' } } }],
    ['no state', { ...valid, alarmData: { ...data, state: undefined } }],
  ])('%s is refused without any AWS call', async (_name, event) => {
    const world = worldWith(['us-east-1a']);
    const decision = await run(world, event);
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/^not a CloudWatch alarm event/) });
    expect(world.alarms.calls).toHaveLength(0);
    expect(world.shifts.calls).toHaveLength(0);
  });

  test('a transition to INSUFFICIENT_DATA is nothing to do', async () => {
    const world = worldWith(['us-east-1a']);
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'INSUFFICIENT_DATA'));
    expect(decision.decision).toBe('nothing-to-do');
    expect(world.shifts.calls).toHaveLength(0);
  });

  test('parseAlarmEvent takes partition, region and account from the ARN', () => {
    const event = { ...alarmEvent('x', 'ALARM'), alarmArn: alarmArn('x', 'cn-north-1', ACCOUNT, 'aws-cn'), region: 'cn-north-1' };
    expect(parseAlarmEvent(event)).toMatchObject({ partition: 'aws-cn', region: 'cn-north-1', account: ACCOUNT, alarmName: 'x' });
  });
});

describe('transition to ALARM', () => {
  test('an isolated-impact composite starts a shift away from the AZ ID', async () => {
    const world = worldWith(['us-east-1a']);
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision).toMatchObject({
      decision: 'started',
      loadBalancerArn: LB_ARN,
      availabilityZone: 'us-east-1a',
      availabilityZoneId: 'use1-az6',
      zonalShiftId: 'shift-1',
    });
    expect(world.shifts.calls.find((call) => call.op === 'start')?.args[0]).toEqual({
      resourceIdentifier: LB_ARN,
      awayFrom: 'use1-az6',
      expiresIn: '60m',
      comment: `${COMMENT_MARKER} alarm us-east-1a-isolated`,
    });
  });

  test('reads the alarm tree with one DescribeAlarms round per level', async () => {
    const world = worldWith(['us-east-1a']);
    await run(world, alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(world.alarms.calls).toEqual([
      ['us-east-1a-isolated'],
      ['us-east-1a-impaired'],
      ['us-east-1a-5xx', 'us-east-1a-5xx-rate'],
    ]);
  });

  test('a metric alarm starts a shift from its own dimensions', async () => {
    const world = fakeWorld([metricAlarm('m', { az: 'us-east-1b', lb: LB_DIM, state: 'ALARM' })]);
    const decision = await run(world, alarmEvent('m', 'ALARM', { composite: false }));
    expect(decision).toMatchObject({ decision: 'started', availabilityZoneId: 'use1-az1' });
  });

  test('a metric math alarm starts a shift from its MetricStat dimensions', async () => {
    const world = fakeWorld([mathAlarm('rate', { az: 'us-east-1c', lb: LB_DIM, state: 'ALARM' })]);
    const decision = await run(world, alarmEvent('rate', 'ALARM', { composite: false }));
    expect(decision).toMatchObject({ decision: 'started', availabilityZoneId: 'use1-az2' });
  });

  test('only children currently in ALARM are followed', async () => {
    const world = fakeWorld(
      [metricAlarm('a', { az: 'us-east-1a', lb: LB_DIM, state: 'OK' }), metricAlarm('b', { az: 'us-east-1b', lb: LB_DIM, state: 'ALARM' })],
      [compositeAlarm('any', 'ALARM(a) OR ALARM(b)', 'ALARM')],
    );
    const decision = await run(world, alarmEvent('any', 'ALARM'));
    expect(decision).toMatchObject({ decision: 'started', availabilityZone: 'us-east-1b' });
  });

  test('negated children are not followed even when in ALARM', async () => {
    const world = fakeWorld(
      [metricAlarm('a', { az: 'us-east-1a', lb: LB_DIM, state: 'ALARM' }), metricAlarm('b', { az: 'us-east-1b', lb: LB_DIM, state: 'ALARM' })],
      [compositeAlarm('weird', 'ALARM(a) AND NOT ALARM(b)', 'ALARM')],
    );
    const decision = await run(world, alarmEvent('weird', 'ALARM'));
    expect(decision).toMatchObject({ decision: 'started', availabilityZone: 'us-east-1a' });
  });

  test('an alarm no longer in ALARM is nothing to do', async () => {
    const world = worldWith([]);
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision).toMatchObject({ decision: 'nothing-to-do', reason: expect.stringMatching(/now OK/) });
    expect(world.shifts.calls).toHaveLength(0);
  });

  test('an alarm DescribeAlarms does not know is refused', async () => {
    const world = worldWith(['us-east-1a']);
    const decision = await run(world, alarmEvent('deleted', 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/does not know/) });
    expect(world.shifts.calls).toHaveLength(0);
  });

  test.each<[string, ReturnType<typeof metricAlarm>[], RegExp]>([
    ['no load balancer', [metricAlarm('a', { az: 'us-east-1a', state: 'ALARM' })], /exactly one LoadBalancer dimension, found 0/],
    ['two load balancers', [
      metricAlarm('a', { az: 'us-east-1a', lb: LB_DIM, state: 'ALARM' }),
      metricAlarm('b', { az: 'us-east-1a', lb: OTHER_LB_DIM, state: 'ALARM' }),
    ], /exactly one LoadBalancer dimension, found 2/],
    ['no AZ', [metricAlarm('a', { lb: LB_DIM, state: 'ALARM' })], /exactly one AvailabilityZone dimension, found 0/],
    ['two AZs', [
      metricAlarm('a', { az: 'us-east-1a', lb: LB_DIM, state: 'ALARM' }),
      metricAlarm('b', { az: 'us-east-1b', lb: LB_DIM, state: 'ALARM' }),
    ], /exactly one AvailabilityZone dimension, found 2/],
    ['a load balancer this function does not manage', [metricAlarm('a', { az: 'us-east-1a', lb: OTHER_LB_DIM, state: 'ALARM' })], /not one this function manages/],
    ['an AZ missing from the AZ ID map', [metricAlarm('a', { az: 'us-east-1d', lb: LB_DIM, state: 'ALARM' })], /us-east-1d is not in the AZ ID map/],
    ['an inherited property name as AZ', [metricAlarm('a', { az: 'constructor', lb: LB_DIM, state: 'ALARM' })], /not in the AZ ID map/],
  ])('children with %s are refused', async (_name, metric, reason) => {
    const world = fakeWorld(metric, [compositeAlarm('c', 'ALARM(a) OR ALARM(b)', 'ALARM')]);
    const decision = await run(world, alarmEvent('c', 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(reason) });
    expect(world.shifts.count('start')).toBe(0);
  });

  test('a composite with an unreadable rule is refused', async () => {
    const world = fakeWorld([], [compositeAlarm('c', 'ALARM(a', 'ALARM')]);
    const decision = await run(world, alarmEvent('c', 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/cannot be read: Invalid alarm rule at position/) });
  });

  test('a composite that references itself is refused without looping', async () => {
    const world = fakeWorld([], [compositeAlarm('c', 'ALARM(c)', 'ALARM')]);
    const decision = await run(world, alarmEvent('c', 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/found 0/) });
  });

  test('an event from another account points at a load balancer not managed here', async () => {
    const world = worldWith(['us-east-1a']);
    const event = { ...alarmEvent('us-east-1a-isolated', 'ALARM'), accountId: '222222222222', alarmArn: alarmArn('us-east-1a-isolated', 'us-east-1', '222222222222') };
    const decision = await run(world, event);
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/not one this function manages/) });
  });

  test('our active shift away from the same AZ is extended, not started again', async () => {
    const world = worldWith(['us-east-1a']);
    const existing = world.shifts.seed(ourShift('use1-az6'));
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'ALARM'), { shiftExpiresIn: '2h' });
    expect(decision).toMatchObject({ decision: 'extended', zonalShiftId: existing.zonalShiftId });
    expect(world.shifts.calls.find((call) => call.op === 'update')?.args).toEqual([existing.zonalShiftId, { expiresIn: '2h', comment: existing.comment }]);
    expect(world.shifts.count('start')).toBe(0);
  });

  test("a person's shift away from the same AZ is left alone", async () => {
    const world = worldWith(['us-east-1a']);
    world.shifts.seed(personsShift('use1-az6'));
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision).toMatchObject({ decision: 'nothing-to-do', reason: expect.stringMatching(/did not start/) });
    expect(world.shifts.calls.map((call) => call.op)).toEqual(['list']);
  });

  test.each([ourShift('use1-az1'), personsShift('use1-az1')])('an active shift away from another AZ is refused (%j)', async (shift) => {
    const world = worldWith(['us-east-1a']);
    world.shifts.seed(shift);
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/regional/) });
    expect(world.shifts.calls.map((call) => call.op)).toEqual(['list']);
  });

  test('dry run decides a start but writes nothing', async () => {
    const world = worldWith(['us-east-1a']);
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'ALARM'), { dryRun: true });
    expect(decision).toMatchObject({ decision: 'dry-run', wouldHave: 'started', availabilityZoneId: 'use1-az6' });
    expect(world.shifts.calls.map((call) => call.op)).toEqual(['list']);
  });

  test('dry run decides an extension but writes nothing', async () => {
    const world = worldWith(['us-east-1a']);
    world.shifts.seed(ourShift('use1-az6'));
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'ALARM'), { dryRun: true });
    expect(decision).toMatchObject({ decision: 'dry-run', wouldHave: 'extended' });
    expect(world.shifts.calls.map((call) => call.op)).toEqual(['list']);
  });

  test('a 409 from a race re-reads and extends our shift that won', async () => {
    const world = worldWith(['us-east-1a']);
    world.shifts.beforeStart = () => {
      world.shifts.beforeStart = undefined;
      world.shifts.seed(ourShift('use1-az6'));
    };
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision.decision).toBe('extended');
    expect(world.shifts.calls.map((call) => call.op)).toEqual(['list', 'start', 'list', 'update']);
    expect(world.shifts.active()).toHaveLength(1);
  });

  test('a 409 from a race with a person re-reads and leaves their shift alone', async () => {
    const world = worldWith(['us-east-1a']);
    world.shifts.beforeStart = () => {
      world.shifts.beforeStart = undefined;
      world.shifts.seed(personsShift('use1-az6'));
    };
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision.decision).toBe('nothing-to-do');
    expect(world.shifts.calls.map((call) => call.op)).toEqual(['list', 'start', 'list']);
  });

  test('a 404 on extend (the shift just expired) re-reads and starts a new shift', async () => {
    const world = worldWith(['us-east-1a']);
    const old = world.shifts.seed(ourShift('use1-az6'));
    world.shifts.failures.update = [new ArcError({ status: 404, errorType: 'ResourceNotFoundException', message: 'gone' })];
    const original = world.shifts.updateZonalShift.bind(world.shifts);
    world.shifts.updateZonalShift = async (id, update) => {
      (world.shifts.shifts.find((shift) => shift.zonalShiftId === old.zonalShiftId) as { status: string }).status = 'EXPIRED';
      return original(id, update);
    };
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision.decision).toBe('started');
  });

  test('conflicts that never settle are refused after a few rounds', async () => {
    const world = worldWith(['us-east-1a']);
    const conflict = () => new ArcError({ status: 409, errorType: 'ConflictException', message: 'busy', reason: 'SimultaneousZonalShiftsConflict' });
    world.shifts.failures.start = [conflict(), conflict(), conflict(), conflict()];
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/kept changing/) });
    expect(world.shifts.count('start')).toBe(3);
  });

  test('throttling is retried with exponential backoff and jitter', async () => {
    const world = worldWith(['us-east-1a']);
    const throttle = () => new ArcError({ status: 429, errorType: 'ThrottlingException', message: 'slow down' });
    world.shifts.failures.start = [throttle(), throttle()];
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision.decision).toBe('started');
    expect(world.runtime.sleeps).toEqual([50, 100]);
  });

  test('server errors that persist are thrown after bounded attempts, with no decision line', async () => {
    const world = worldWith(['us-east-1a']);
    const boom = () => new ArcError({ status: 500, errorType: 'InternalServerException', message: 'boom' });
    world.shifts.failures.list = [boom(), boom(), boom(), boom(), boom()];
    await expect(run(world, alarmEvent('us-east-1a-isolated', 'ALARM'))).rejects.toThrow(/boom/);
    expect(world.shifts.count('list')).toBe(4);
    expect(world.runtime.sleeps).toEqual([50, 100, 200]);
    expect(world.logger.records().map((record) => record.decision)).toEqual([undefined]);
  });

  test('a network error is retried', async () => {
    const world = worldWith(['us-east-1a']);
    world.shifts.failures.start = [new ArcError({ status: 0, errorType: 'RequestTimeout', message: 'timeout' })];
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision.decision).toBe('started');
  });

  test.each([
    [400, 'ValidationException', 'InvalidResourceIdentifier'],
    [403, 'AccessDeniedException', undefined],
    [404, 'ResourceNotFoundException', undefined],
  ])('a %s %s is refused without retry or throw', async (status, errorType, reason) => {
    const world = worldWith(['us-east-1a']);
    world.shifts.failures.start = [new ArcError({ status, errorType, message: 'no', reason })];
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringContaining(`${status} ${errorType}`) });
    expect(world.shifts.count('start')).toBe(1);
    expect(world.runtime.sleeps).toEqual([]);
  });

  test('CloudWatch throttling is thrown for Lambda to retry', async () => {
    const world = worldWith(['us-east-1a']);
    world.alarms.failWith = Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    await expect(run(world, alarmEvent('us-east-1a-isolated', 'ALARM'))).rejects.toThrow(/Rate exceeded/);
  });

  test('CloudWatch access denied is refused', async () => {
    const world = worldWith(['us-east-1a']);
    world.alarms.failWith = Object.assign(new Error('not authorized'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'ALARM'));
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/403 AccessDenied/) });
  });

  test('the same event delivered twice yields one shift', async () => {
    const world = worldWith(['us-east-1a']);
    const event = alarmEvent('us-east-1a-isolated', 'ALARM');
    const first = await run(world, event);
    const second = await run(world, event);
    expect([first.decision, second.decision]).toEqual(['started', 'extended']);
    expect(world.shifts.shifts).toHaveLength(1);
  });
});

describe('transition to OK', () => {
  test('ending shifts on recovery off: nothing to do, nothing read', async () => {
    const world = worldWith([]);
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'OK'), { endShiftOnRecovery: false });
    expect(decision).toMatchObject({ decision: 'nothing-to-do', reason: expect.stringMatching(/off/) });
    expect(world.alarms.calls).toHaveLength(0);
  });

  test('our shift is cancelled once the AZ has recovered', async () => {
    const world = worldWith([]);
    const shift = world.shifts.seed(ourShift('use1-az6'));
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'OK'));
    expect(decision).toMatchObject({ decision: 'cancelled', zonalShiftId: shift.zonalShiftId, availabilityZoneId: 'use1-az6' });
    expect(world.shifts.active()).toHaveLength(0);
  });

  test('the shift stays when the isolated alarm went OK because a second AZ became impaired', async () => {
    const world = worldWith(['us-east-1a', 'us-east-1b']);
    world.shifts.seed(ourShift('use1-az6'));
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'OK'));
    expect(decision).toMatchObject({ decision: 'nothing-to-do', reason: expect.stringMatching(/not cleared.*us-east-1a-impaired/) });
    expect(world.shifts.count('cancel')).toBe(0);
  });

  test("a person's shift is never cancelled", async () => {
    const world = worldWith([]);
    world.shifts.seed(personsShift('use1-az6'));
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'OK'));
    expect(decision).toMatchObject({ decision: 'nothing-to-do', reason: expect.stringMatching(/not started by this automation/) });
    expect(world.shifts.count('cancel')).toBe(0);
  });

  test('our shift away from another AZ is not cancelled', async () => {
    const world = worldWith([]);
    world.shifts.seed(ourShift('use1-az1'));
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'OK'));
    expect(decision).toMatchObject({ decision: 'nothing-to-do', reason: 'no active zonal shift away from this AZ' });
    expect(world.shifts.count('cancel')).toBe(0);
  });

  test('an alarm back in ALARM is nothing to do', async () => {
    const world = worldWith(['us-east-1a']);
    world.shifts.seed(ourShift('use1-az6'));
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'OK'));
    expect(decision).toMatchObject({ decision: 'nothing-to-do', reason: expect.stringMatching(/now ALARM/) });
    expect(world.shifts.calls).toHaveLength(0);
  });

  test('dry run decides the cancel but writes nothing', async () => {
    const world = worldWith([]);
    world.shifts.seed(ourShift('use1-az6'));
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'OK'), { dryRun: true });
    expect(decision).toMatchObject({ decision: 'dry-run', wouldHave: 'cancelled' });
    expect(world.shifts.calls.map((call) => call.op)).toEqual(['list']);
  });

  test('the shift stays while a metric alarm of the AZ is still in ALARM, even if its composite is OK', async () => {
    const tree = detectionTree([]);
    const lagging = tree.metric.map((alarm) => (alarm.AlarmName === 'us-east-1a-5xx' ? { ...alarm, StateValue: 'ALARM' as const } : alarm));
    const world = fakeWorld(lagging, tree.composite);
    world.shifts.seed(ourShift('use1-az6'));
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'OK'));
    expect(decision).toMatchObject({ decision: 'nothing-to-do', reason: expect.stringMatching(/not cleared.*us-east-1a-5xx/) });
    expect(world.shifts.calls).toHaveLength(0);
  });

  test('a shift that ended before the cancel is nothing to do', async () => {
    const world = worldWith([]);
    world.shifts.seed(ourShift('use1-az6'));
    world.shifts.failures.cancel = [new ArcError({ status: 404, errorType: 'ResourceNotFoundException', message: 'gone' })];
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'OK'));
    expect(decision.decision).toBe('nothing-to-do');
  });
});

describe('shifts ARC or AWS started (shiftType)', () => {
  const SAME = 'use1-az6';
  const OTHER = 'use1-az1';
  const isolatedAlarm = () => alarmEvent('us-east-1a-isolated', 'ALARM');

  describe.each([undefined, 'ZONAL_SHIFT'])('customer shifts with shiftType %s', (shiftType) => {
    test('ours away from the same AZ is extended', async () => {
      const world = worldWith(['us-east-1a']);
      const ours = world.shifts.seed({ ...ourShift(SAME), shiftType });
      const decision = await run(world, isolatedAlarm());
      expect(decision).toMatchObject({ decision: 'extended', zonalShiftId: ours.zonalShiftId });
      expect(decision.supersedes).toBeUndefined();
    });

    test("a person's away from the same AZ is nothing to do", async () => {
      const world = worldWith(['us-east-1a']);
      world.shifts.seed({ ...personsShift(SAME), shiftType });
      const decision = await run(world, isolatedAlarm());
      expect(decision).toMatchObject({ decision: 'nothing-to-do', reason: expect.stringMatching(/did not start/) });
      expect(ops(world)).toEqual(['list']);
    });

    test.each([['ours', ourShift(OTHER)], ["a person's", personsShift(OTHER)]])('%s away from another AZ is refused', async (_who, shift) => {
      const world = worldWith(['us-east-1a']);
      world.shifts.seed({ ...shift, shiftType });
      const decision = await run(world, isolatedAlarm());
      expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/regional/) });
      expect(ops(world)).toEqual(['list']);
    });
  });

  test.each([
    ['PRACTICE_RUN', SAME],
    ['PRACTICE_RUN', OTHER],
    ['FIS_EXPERIMENT', SAME],
    ['FIS_EXPERIMENT', OTHER],
  ])('a %s away from %s does not block: our customer shift starts and supersedes it', async (shiftType, awayFrom) => {
    const world = worldWith(['us-east-1a']);
    const running = world.shifts.seed(serviceShift(shiftType, awayFrom));
    const decision = await run(world, isolatedAlarm());
    expect(decision).toMatchObject({
      decision: 'started',
      availabilityZoneId: SAME,
      reason: expect.stringMatching(new RegExp(`takes precedence over the active ${shiftType}$`)),
      supersedes: [{ zonalShiftId: running.zonalShiftId, shiftType }],
    });
    expect(ops(world)).toEqual(['list', 'start']);
    expect(world.shifts.active()).toEqual([expect.objectContaining({ awayFrom: SAME, shiftType: 'ZONAL_SHIFT' })]);
  });

  test('an autoshift away from the same AZ does not block: our customer shift starts so mitigation outlasts it', async () => {
    const world = worldWith(['us-east-1a']);
    const autoshift = world.shifts.seed(serviceShift('ZONAL_AUTOSHIFT', SAME));
    const decision = await run(world, isolatedAlarm());
    expect(decision).toMatchObject({ decision: 'started', supersedes: [{ zonalShiftId: autoshift.zonalShiftId, shiftType: 'ZONAL_AUTOSHIFT' }] });
    expect(ops(world)).toEqual(['list', 'start']);
  });

  test('an autoshift away from another AZ is refused as regional', async () => {
    const world = worldWith(['us-east-1a']);
    const autoshift = world.shifts.seed(serviceShift('ZONAL_AUTOSHIFT', OTHER));
    const decision = await run(world, isolatedAlarm());
    expect(decision).toMatchObject({
      decision: 'refused',
      reason: expect.stringMatching(/autoshift is moving traffic away from use1-az1.*regional/),
      zonalShiftId: autoshift.zonalShiftId,
    });
    expect(ops(world)).toEqual(['list']);
  });

  test('an autoshift away from another AZ is refused even beside a practice run', async () => {
    const world = worldWith(['us-east-1a']);
    world.shifts.seed(serviceShift('PRACTICE_RUN', SAME));
    world.shifts.seed(serviceShift('ZONAL_AUTOSHIFT', OTHER));
    const decision = await run(world, isolatedAlarm());
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/autoshift/) });
    expect(ops(world)).toEqual(['list']);
  });

  test('an unknown shift type away from the same AZ blocks like a person\'s shift, and says so', async () => {
    const world = worldWith(['us-east-1a']);
    const unknown = world.shifts.seed(serviceShift('REGION_DRILL', SAME));
    const decision = await run(world, isolatedAlarm());
    expect(decision).toMatchObject({
      decision: 'nothing-to-do',
      reason: expect.stringMatching(/unknown type REGION_DRILL.*treated as a person's shift/),
      zonalShiftId: unknown.zonalShiftId,
    });
    expect(ops(world)).toEqual(['list']);
  });

  test('an unknown shift type away from another AZ is refused as regional, and says so', async () => {
    const world = worldWith(['us-east-1a']);
    world.shifts.seed(serviceShift('REGION_DRILL', OTHER));
    const decision = await run(world, isolatedAlarm());
    expect(decision).toMatchObject({ decision: 'refused', reason: expect.stringMatching(/unknown type REGION_DRILL away from use1-az1.*regional/) });
    expect(ops(world)).toEqual(['list']);
  });

  test('our shift beside an autoshift away from the same AZ is extended and supersedes it', async () => {
    const world = worldWith(['us-east-1a']);
    const autoshift = world.shifts.seed(serviceShift('ZONAL_AUTOSHIFT', SAME));
    const ours = world.shifts.seed(ourShift(SAME));
    const decision = await run(world, isolatedAlarm());
    expect(decision).toMatchObject({ decision: 'extended', zonalShiftId: ours.zonalShiftId, supersedes: [{ zonalShiftId: autoshift.zonalShiftId }] });
    expect(world.shifts.calls.find((call) => call.op === 'update')?.args[0]).toBe(ours.zonalShiftId);
  });

  test('dry run names the superseded shift but writes nothing', async () => {
    const world = worldWith(['us-east-1a']);
    const practice = world.shifts.seed(serviceShift('PRACTICE_RUN', SAME));
    const decision = await run(world, isolatedAlarm(), { dryRun: true });
    expect(decision).toMatchObject({ decision: 'dry-run', wouldHave: 'started', supersedes: [{ zonalShiftId: practice.zonalShiftId, shiftType: 'PRACTICE_RUN' }] });
    expect(ops(world)).toEqual(['list']);
  });

  test('the decision line carries the superseded shift', async () => {
    const world = worldWith(['us-east-1a']);
    const practice = world.shifts.seed(serviceShift('PRACTICE_RUN', SAME));
    await run(world, isolatedAlarm());
    expect(world.logger.records()[0]).toMatchObject({ Decision: 'started', supersedes: [{ zonalShiftId: practice.zonalShiftId, shiftType: 'PRACTICE_RUN' }] });
  });

  test.each(['PRACTICE_RUN', 'FIS_EXPERIMENT', 'ZONAL_AUTOSHIFT', 'REGION_DRILL'])(
    'a %s carrying our marker is never extended', async (shiftType) => {
      const world = worldWith(['us-east-1a']);
      const shift = world.shifts.seed(serviceShift(shiftType, SAME));
      await run(world, isolatedAlarm());
      expect(world.shifts.calls.filter((call) => call.op === 'update' || call.op === 'cancel')).toEqual([]);
      expect(world.shifts.calls.some((call) => call.args.includes(shift.zonalShiftId))).toBe(false);
    });

  test.each(['PRACTICE_RUN', 'FIS_EXPERIMENT', 'ZONAL_AUTOSHIFT', 'REGION_DRILL'])(
    'a %s carrying our marker is never cancelled on recovery', async (shiftType) => {
      const world = worldWith([]);
      world.shifts.seed(serviceShift(shiftType, SAME));
      const decision = await run(world, alarmEvent('us-east-1a-isolated', 'OK'));
      expect(decision).toMatchObject({ decision: 'nothing-to-do', reason: expect.stringContaining(`(${shiftType}) was not started by this automation`) });
      expect(ops(world)).toEqual(['list']);
    });

  test('recovery cancels only our customer shift when an autoshift with our marker is also active', async () => {
    const world = worldWith([]);
    world.shifts.seed(serviceShift('ZONAL_AUTOSHIFT', SAME));
    const ours = world.shifts.seed(ourShift(SAME));
    const decision = await run(world, alarmEvent('us-east-1a-isolated', 'OK'));
    expect(decision).toMatchObject({ decision: 'cancelled', zonalShiftId: ours.zonalShiftId });
    expect(world.shifts.calls.filter((call) => call.op === 'cancel').map((call) => call.args[0])).toEqual([ours.zonalShiftId]);
  });

  test.each<[string | undefined, ShiftRole]>([
    [undefined, 'customer'],
    ['ZONAL_SHIFT', 'customer'],
    ['PRACTICE_RUN', 'superseded'],
    ['FIS_EXPERIMENT', 'superseded'],
    ['ZONAL_AUTOSHIFT', 'autoshift'],
    ['REGION_DRILL', 'unknown'],
    ['zonal_shift', 'unknown'],
  ])('shiftRole of shiftType %s is %s', (shiftType, role) => {
    expect(shiftRole({ zonalShiftId: 'z', resourceIdentifier: LB_ARN, awayFrom: SAME, shiftType })).toBe(role);
  });
});

describe('decision log', () => {
  test('one JSON line per decision that is also an EMF record', async () => {
    const world = worldWith(['us-east-1a']);
    await run(world, alarmEvent('us-east-1a-isolated', 'ALARM'), { metricsNamespace: 'Test/Ns' });
    expect(world.logger.lines).toHaveLength(1);
    expect(world.logger.records()[0]).toEqual({
      _aws: {
        Timestamp: Date.parse('2024-05-01T12:00:00Z'),
        CloudWatchMetrics: [{ Namespace: 'Test/Ns', Dimensions: [['Decision']], Metrics: [{ Name: 'Decisions', Unit: 'Count' }] }],
      },
      Decision: 'started',
      Decisions: 1,
      decision: 'started',
      reason: 'zonal shift started for 60m',
      alarmName: 'us-east-1a-isolated',
      alarmArn: alarmArn('us-east-1a-isolated'),
      loadBalancerArn: LB_ARN,
      availabilityZone: 'us-east-1a',
      availabilityZoneId: AZ_ID_MAP['us-east-1a'],
      zonalShiftId: 'shift-1',
    });
  });

  test('a refusal is logged once too', async () => {
    const world = worldWith([]);
    await run(world, { hello: 'world' });
    expect(world.logger.records().map((record) => record.Decision)).toEqual(['refused']);
  });
});

describe('shift comment', () => {
  test('starts with the marker and names the alarm', () => {
    expect(shiftComment('my-alarm')).toBe('cdk-azi: alarm my-alarm');
  });

  test('truncates a long alarm name to fit 128 characters', () => {
    const comment = shiftComment('x'.repeat(255));
    expect(comment).toHaveLength(128);
    expect(comment.startsWith(COMMENT_MARKER)).toBe(true);
  });

  test('never splits a surrogate pair', () => {
    const comment = shiftComment('\u{1F525}'.repeat(100));
    expect(comment.length).toBeLessThanOrEqual(128);
    expect(comment).not.toMatch(/[\uD800-\uDBFF]$/);
  });

  test.each([
    [{ comment: 'cdk-azi: alarm a' }, true],
    [{ comment: 'operator: cdk-azi: alarm a' }, false],
    [{ comment: undefined }, false],
    [{ comment: 'cdk-azi: alarm a', shiftType: 'ZONAL_SHIFT' }, true],
    [{ comment: 'cdk-azi: alarm a', shiftType: 'PRACTICE_RUN' }, false],
    [{ comment: 'cdk-azi: alarm a', shiftType: 'FIS_EXPERIMENT' }, false],
    [{ comment: 'cdk-azi: alarm a', shiftType: 'ZONAL_AUTOSHIFT' }, false],
    [{ comment: 'cdk-azi: alarm a', shiftType: 'REGION_DRILL' }, false],
  ])('isOwnShift(%j) is %s', (shift, expected) => {
    expect(isOwnShift({ zonalShiftId: 'z', resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', ...shift })).toBe(expected);
  });
});
