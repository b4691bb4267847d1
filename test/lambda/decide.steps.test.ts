// The steps of one invocation (lambda/zonal-shift/decide.ts) with in-memory ARC and CloudWatch:
// which zones are decided, the rounds after a lost race, what each kind of write failure means,
// the time left, retries and the log. The same paths run over HTTP in decide.http.test.ts; here
// every outcome is asserted whole and the ARC calls are counted exactly.
import { worstDecisionMs } from '../../lambda/zonal-shift/budget';
import { parseConfig } from '../../lambda/zonal-shift/config';
import { handleEvent, lookUp, refuseForConfiguration, retryArc } from '../../lambda/zonal-shift/decide';
import { ArcError } from '../../lambda/zonal-shift/errors';
import { parseEvent } from '../../lambda/zonal-shift/event';
import { AlarmStateValue } from '../../lambda/zonal-shift/alarm-rule';
import { HandlerDeps, ManagedResource, ShiftApi, StartShiftRequest, ZonalShift } from '../../lambda/zonal-shift/types';
import { alarmStates } from './support/alarm-states';
import { AZ_ID_MAP, LB_ARN, RECONCILE, alarmEvent, lbArn, ourComment, rawConfig, zoneNames } from './support/fixtures';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const A = zoneNames('us-east-1a');
const B = zoneNames('us-east-1b');
const ISOLATED_A = { [A.isolated]: 'ALARM', [A.impaired]: 'ALARM', [A.errors]: 'ALARM' } as Record<string, AlarmStateValue>;

type Call = [string, ...unknown[]];

/** In-memory ARC: scripted answers per operation (a function or an error to throw), and every call. */
class Shifts implements ShiftApi {
  readonly calls: Call[] = [];
  shifts: ZonalShift[] = [];
  readonly fail: Partial<Record<'get' | 'start' | 'update' | 'cancel', unknown[]>> = {};

  private failure(operation: 'get' | 'start' | 'update' | 'cancel'): void {
    const queue = this.fail[operation];
    if (queue && queue.length > 0) {
      throw queue.shift();
    }
  }

  async getManagedResource(resourceIdentifier: string): Promise<ManagedResource> {
    this.calls.push(['get', resourceIdentifier]);
    this.failure('get');
    return { zonalShifts: this.shifts, autoshifts: [], appliedWeights: {} };
  }

  async startZonalShift(request: StartShiftRequest): Promise<ZonalShift> {
    this.calls.push(['start', request]);
    this.failure('start');
    return { zonalShiftId: 'zs-new', resourceIdentifier: request.resourceIdentifier, awayFrom: request.awayFrom, comment: request.comment, status: 'ACTIVE' };
  }

  async updateZonalShift(zonalShiftId: string, update: { expiresIn: string }): Promise<ZonalShift> {
    this.calls.push(['update', zonalShiftId, update]);
    this.failure('update');
    return { zonalShiftId, resourceIdentifier: LB_ARN, awayFrom: '', status: 'ACTIVE' };
  }

  async cancelZonalShift(zonalShiftId: string): Promise<ZonalShift> {
    this.calls.push(['cancel', zonalShiftId]);
    this.failure('cancel');
    return { zonalShiftId, resourceIdentifier: LB_ARN, awayFrom: '', status: 'CANCELED' };
  }
}

const arcError = (status: number, errorType: string, reason?: string) => new ArcError({ status, errorType, message: `injected ${errorType}`, reason });

function setup(opts: { states?: Record<string, AlarmStateValue>; since?: Record<string, number | undefined>; dryRun?: boolean; config?: ReturnType<typeof rawConfig> } = {}) {
  const config = { ...parseConfig({ ZONAL_SHIFT_CONFIG: JSON.stringify(opts.config ?? rawConfig()) }), ...(opts.dryRun ? { dryRun: true } : {}) };
  const shifts = new Shifts();
  const lines: string[] = [];
  const slept: number[] = [];
  const reads: string[][] = [];
  const deps: HandlerDeps = {
    shifts,
    alarms: {
      describeAlarms: async (names) => {
        reads.push(names);
        return alarmStates(config.groups, { states: opts.states, since: opts.since, now: NOW }).filter((alarm) => names.includes(alarm.name));
      },
    },
    runtime: { now: () => new Date(NOW), random: () => 0.5, sleep: async (ms) => { slept.push(ms); } },
    logger: { log: (line) => lines.push(line) },
  };
  const logged = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { config, shifts, deps, lines, logged, slept, reads };
}

const ours = (fields: Partial<ZonalShift> = {}): ZonalShift => ({
  zonalShiftId: 'zs-ours', resourceIdentifier: LB_ARN, awayFrom: AZ_ID_MAP['us-east-1a'], comment: ourComment('us-east-1a'),
  shiftType: 'ZONAL_SHIFT', startTime: NOW / 1000 - 600, expiryTime: NOW / 1000 + 60, ...fields,
});

describe('the allow-list', () => {
  const config = parseConfig({ ZONAL_SHIFT_CONFIG: JSON.stringify(rawConfig()) });

  test('a malformed event is refused with the parser\'s reason', () => {
    expect(lookUp(parseEvent('x'), config)).toEqual({ refusal: { decision: 'refused', reason: 'not a CloudWatch alarm event: event is not an object' } });
  });

  test('an alarm nobody wired is refused naming the alarm', () => {
    const event = alarmEvent(A.impaired, 'ALARM');
    expect(lookUp(parseEvent(event), config)).toEqual({ refusal: {
      trigger: A.impaired, alarmArn: event.alarmArn, decision: 'refused', reason: 'the alarm is not one of the isolated-impact alarms wired to this function',
    } });
  });

  test.each<[string, { account?: string; region?: string }, string]>([
    ['account', { account: '222222222222' }, 'aws/222222222222/us-east-1'],
    ['Region', { region: 'eu-west-1' }, 'aws/111111111111/eu-west-1'],
  ])('a wired alarm name in another %s is refused naming both places', (_name, where, place) => {
    expect(lookUp(parseEvent(alarmEvent(A.isolated, 'ALARM', where)), config)).toMatchObject({ refusal: {
      decision: 'refused', reason: `the alarm is in ${place}, the load balancer in aws/111111111111/us-east-1`,
    } });
  });

  test('a wired alarm of another partition is refused', () => {
    const event = { ...alarmEvent(A.isolated, 'ALARM') } as Record<string, string>;
    event.alarmArn = event.alarmArn.replace('arn:aws:', 'arn:aws-cn:');
    expect(lookUp(parseEvent(event), config)).toMatchObject({ refusal: { reason: 'the alarm is in aws-cn/111111111111/us-east-1, the load balancer in aws/111111111111/us-east-1' } });
  });

  test('a load balancer ARN that does not parse matches no alarm', () => {
    const broken = { ...config, groups: config.groups.map((group) => ({ ...group, loadBalancerArn: 'web' })) };
    expect(lookUp(parseEvent(alarmEvent(A.isolated, 'ALARM')), broken)).toMatchObject({ refusal: { reason: 'the alarm is in aws/111111111111/us-east-1, the load balancer in undefined/undefined/undefined' } });
  });

  test('a wired alarm names its own zone; a reconcile names every zone', () => {
    const event = alarmEvent(B.isolated, 'OK');
    expect(lookUp(parseEvent(event), config)).toEqual({ groups: [config.groups[1]], context: { trigger: B.isolated, alarmArn: event.alarmArn } });
    expect(lookUp(parseEvent(RECONCILE), config)).toEqual({ groups: config.groups, context: { trigger: 'reconcile' } });
  });
});

describe('writes', () => {
  test('a start asks ARC for a shift away from the zone\'s ID with the configured expiry and our comment', async () => {
    const world = setup({ states: ISOLATED_A });
    const [decision] = await handleEvent(alarmEvent(A.isolated, 'ALARM'), world.config, world.deps);
    expect(decision).toEqual({
      trigger: A.isolated, alarmArn: alarmEvent(A.isolated, 'ALARM').alarmArn, loadBalancerArn: LB_ARN, availabilityZone: 'us-east-1a', availabilityZoneId: 'use1-az6',
      decision: 'started', zonalShiftId: 'zs-new', reason: `isolated impact in us-east-1a: ${A.isolated} ALARM on fresh states; shift for 30m`, supersedes: undefined,
    });
    expect(world.shifts.calls).toEqual([
      ['get', LB_ARN],
      ['start', { resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', expiresIn: '30m', comment: ourComment('us-east-1a') }],
    ]);
    expect(world.reads).toEqual([world.config.groups[0].alarmNames]);
  });

  test('an extension renews our shift for the configured expiry', async () => {
    const world = setup({ states: ISOLATED_A });
    world.shifts.shifts = [ours()];
    const [decision] = await handleEvent(alarmEvent(A.isolated, 'ALARM'), world.config, world.deps);
    expect(decision).toMatchObject({ decision: 'extended', zonalShiftId: 'zs-ours', reason: `${A.isolated} still ALARM with no other zone impaired; our shift now expires in 30m` });
    expect(world.shifts.calls).toEqual([['get', LB_ARN], ['update', 'zs-ours', { expiresIn: '30m' }]]);
  });

  test('a cancel ends our shift once the zone has recovered', async () => {
    const world = setup({ since: { [A.probe]: NOW - 400_000 } });
    world.shifts.shifts = [ours()];
    const [decision] = await handleEvent(alarmEvent(A.isolated, 'OK'), world.config, world.deps);
    expect(decision).toMatchObject({ decision: 'cancelled', zonalShiftId: 'zs-ours' });
    expect(world.shifts.calls).toEqual([['get', LB_ARN], ['cancel', 'zs-ours']]);
  });

  test.each<[string, Record<string, AlarmStateValue>, ZonalShift[], string]>([
    ['start', ISOLATED_A, [], 'started'],
    ['extend', ISOLATED_A, [ours()], 'extended'],
    ['cancel', {}, [ours()], 'cancelled'],
  ])('a dry run says it would %s and writes nothing', async (_name, states, shifts, wouldHave) => {
    const world = setup({ states, since: { [A.probe]: NOW - 400_000 }, dryRun: true });
    world.shifts.shifts = shifts;
    const [decision] = await handleEvent(alarmEvent(A.isolated, 'ALARM'), world.config, world.deps);
    expect(decision).toMatchObject({ decision: 'dry-run', wouldHave });
    expect(world.shifts.calls.map(([operation]) => operation)).toEqual(['get']);
  });

  test('a refusal and a nothing-to-do write nothing', async () => {
    const refused = setup({ states: { ...ISOLATED_A, [B.impaired]: 'ALARM' } });
    expect((await handleEvent(alarmEvent(A.isolated, 'ALARM'), refused.config, refused.deps))[0]).toMatchObject({ decision: 'refused' });
    const calm = setup();
    expect((await handleEvent(alarmEvent(A.isolated, 'OK'), calm.config, calm.deps))[0]).toMatchObject({ decision: 'nothing-to-do', reason: 'the zone is clear and there is no shift of ours away from it' });
    expect([...refused.shifts.calls, ...calm.shifts.calls].map(([operation]) => operation)).toEqual(['get', 'get']);
  });
});

describe('lost races and failed writes', () => {
  test('a conflict on start in both rounds is refused after two reads and two starts', async () => {
    const world = setup({ states: ISOLATED_A });
    world.shifts.fail.start = [arcError(409, 'ConflictException', 'SimultaneousZonalShiftsConflict'), arcError(409, 'ConflictException', 'SimultaneousZonalShiftsConflict')];
    const [decision] = await handleEvent(alarmEvent(A.isolated, 'ALARM'), world.config, world.deps);
    expect(decision).toMatchObject({ decision: 'refused', reason: 'zonal shifts kept changing under us for 2 rounds', availabilityZoneId: 'use1-az6' });
    expect(world.shifts.calls.map(([operation]) => operation)).toEqual(['get', 'start', 'get', 'start']);
    expect(world.reads).toHaveLength(2);
  });

  test('a conflict in the first round only: the second round starts', async () => {
    const world = setup({ states: ISOLATED_A });
    world.shifts.fail.start = [arcError(409, 'ConflictException')];
    expect((await handleEvent(alarmEvent(A.isolated, 'ALARM'), world.config, world.deps))[0]).toMatchObject({ decision: 'started' });
  });

  test.each<[string, ArcError]>([
    ['no longer active', arcError(409, 'ConflictException', 'ZonalShiftStatusNotActive')],
    ['gone', arcError(404, 'ResourceNotFoundException')],
  ])('our shift %s when we extend it: read and decide again', async (_name, error) => {
    const world = setup({ states: ISOLATED_A });
    world.shifts.shifts = [ours()];
    world.shifts.fail.update = [error];
    const decision = handleEvent(alarmEvent(A.isolated, 'ALARM'), world.config, world.deps);
    // The second round reads the same shift (the in-memory ARC keeps it), so it extends again.
    expect((await decision)[0]).toMatchObject({ decision: 'extended' });
    expect(world.shifts.calls.map(([operation]) => operation)).toEqual(['get', 'update', 'get', 'update']);
  });

  test.each<[string, ArcError]>([
    ['no longer active', arcError(409, 'ConflictException', 'ZonalShiftStatusNotActive')],
    ['gone', arcError(404, 'ResourceNotFoundException')],
  ])('our shift %s when we cancel it: nothing to do', async (_name, error) => {
    const world = setup({ since: { [A.probe]: NOW - 400_000 } });
    world.shifts.shifts = [ours()];
    world.shifts.fail.cancel = [error];
    expect((await handleEvent(alarmEvent(A.isolated, 'OK'), world.config, world.deps))[0]).toMatchObject({
      decision: 'nothing-to-do', zonalShiftId: 'zs-ours', reason: 'our zonal shift ended before we cancelled it',
    });
    expect(world.shifts.calls.map(([operation]) => operation)).toEqual(['get', 'cancel']);
  });

  test('a conflict on cancel reads and decides again', async () => {
    const world = setup({ since: { [A.probe]: NOW - 400_000 } });
    world.shifts.shifts = [ours()];
    world.shifts.fail.cancel = [arcError(409, 'ConflictException')];
    expect((await handleEvent(alarmEvent(A.isolated, 'OK'), world.config, world.deps))[0]).toMatchObject({ decision: 'cancelled' });
    expect(world.shifts.calls.map(([operation]) => operation)).toEqual(['get', 'cancel', 'get', 'cancel']);
  });

  test.each<[string, 'start' | 'update']>([['start', 'start'], ['extend', 'update']])('an access denial on %s is refused, not retried as a lost race; so is a 404 on start', async (name, operation) => {
    const world = setup({ states: ISOLATED_A });
    world.shifts.shifts = operation === 'update' ? [ours()] : [];
    world.shifts.fail[operation] = [arcError(403, 'AccessDeniedException')];
    expect((await handleEvent(alarmEvent(A.isolated, 'ALARM'), world.config, world.deps))[0]).toMatchObject({
      decision: 'refused', reason: 'AWS error: 403 AccessDeniedException: injected AccessDeniedException',
    });
    if (name === 'start') {
      const again = setup({ states: ISOLATED_A });
      again.shifts.fail.start = [arcError(404, 'ResourceNotFoundException')];
      expect((await handleEvent(alarmEvent(A.isolated, 'ALARM'), again.config, again.deps))[0]).toMatchObject({ decision: 'refused', reason: 'AWS error: 404 ResourceNotFoundException: injected ResourceNotFoundException' });
      expect(again.shifts.calls.map(([call]) => call)).toEqual(['get', 'start']);
    }
  });
});

describe('retries', () => {
  test('throttling, server and network errors are retried with full jitter up to the attempts', async () => {
    const runtime = { now: () => new Date(NOW), random: () => 0.999, sleep: async (ms: number) => { slept.push(ms); } };
    const slept: number[] = [];
    let calls = 0;
    const errors = [arcError(429, 'ThrottlingException'), arcError(503, 'ServiceUnavailable'), arcError(0, 'NetworkError'), new Error('socket')];
    const result = await retryArc(async () => {
      calls++;
      if (calls <= errors.length) {
        throw errors[calls - 1];
      }
      return 'ok';
    }, { attempts: 5, baseDelayMs: 100, maxDelayMs: 300, timeoutMs: 1000 }, runtime);
    expect(result).toBe('ok');
    expect(calls).toBe(5);
    expect(slept).toEqual([99, 199, 299, 299]);
  });

  test('the last attempt\'s error is thrown; a refusal is not retried', async () => {
    const runtime = { now: () => new Date(NOW), random: () => 0, sleep: async () => undefined };
    let calls = 0;
    await expect(retryArc(async () => { calls++; throw arcError(500, 'InternalServerException'); }, { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 1 }, runtime))
      .rejects.toMatchObject({ status: 500 });
    expect(calls).toBe(3);
    calls = 0;
    await expect(retryArc(async () => { calls++; throw arcError(400, 'ValidationException'); }, { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 1 }, runtime))
      .rejects.toMatchObject({ status: 400 });
    expect(calls).toBe(1);
  });

  test('an invocation retries ARC with the given policy, or by default three attempts', async () => {
    const world = setup({ states: ISOLATED_A });
    world.shifts.fail.get = [arcError(500, 'X'), arcError(500, 'X'), arcError(500, 'X')];
    await expect(handleEvent(alarmEvent(A.isolated, 'ALARM'), world.config, world.deps)).rejects.toMatchObject({ status: 500 });
    expect(world.shifts.calls).toHaveLength(3);
    expect(world.slept).toEqual([100, 200]);
    const once = setup({ states: ISOLATED_A });
    once.shifts.fail.get = [arcError(500, 'X')];
    await expect(handleEvent(alarmEvent(A.isolated, 'ALARM'), once.config, once.deps, { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 1 } })).rejects.toMatchObject({ status: 500 });
    expect(once.shifts.calls).toHaveLength(1);
  });
});

describe('a reconcile', () => {
  test('a transient error in one zone is logged, the other zones are decided, then the error is thrown for Lambda to retry', async () => {
    const world = setup({ states: { [B.isolated]: 'ALARM', [B.impaired]: 'ALARM', [B.errors]: 'ALARM' } });
    const transient = arcError(503, 'ServiceUnavailable');
    world.shifts.fail.get = [transient, transient, transient];
    await expect(handleEvent(RECONCILE, world.config, world.deps)).rejects.toBe(transient);
    const logged = world.logged();
    expect(logged[0]).toEqual({
      level: 'ERROR', message: 'transient AWS error; leaving the event to Lambda retry', error: '503 ServiceUnavailable: injected ServiceUnavailable',
      trigger: 'reconcile', availabilityZone: 'us-east-1a',
    });
    expect(logged.slice(1).map((line) => [line.availabilityZone, line.Decision])).toEqual([['us-east-1b', 'started'], ['us-east-1c', 'nothing-to-do']]);
  });

  test('a refusal in one zone does not stop the others, and nothing is thrown', async () => {
    const world = setup();
    world.shifts.fail.get = [arcError(403, 'AccessDeniedException')];
    const decisions = await handleEvent(RECONCILE, world.config, world.deps);
    expect(decisions.map((decision) => [decision.availabilityZone, decision.decision])).toEqual([['us-east-1a', 'refused'], ['us-east-1b', 'nothing-to-do'], ['us-east-1c', 'nothing-to-do']]);
    expect(decisions[0]).toEqual({ trigger: 'reconcile', loadBalancerArn: LB_ARN, availabilityZone: 'us-east-1a', decision: 'refused', reason: 'AWS error: 403 AccessDeniedException: injected AccessDeniedException' });
    expect(world.logged().map((line) => line.Decision)).toEqual(['refused', 'nothing-to-do', 'nothing-to-do']);
  });

  test('the first zone is always decided; later ones only with the worst case of a decision left', async () => {
    const world = setup();
    let left = worstDecisionMs() - 1;
    const decisions = await handleEvent(RECONCILE, world.config, world.deps, { remainingMs: () => left });
    expect(decisions.map((decision) => decision.reason)).toEqual([
      'the zone is clear and there is no shift of ours away from it',
      'not enough time left in this invocation; the next reconcile decides this zone',
      'not enough time left in this invocation; the next reconcile decides this zone',
    ]);
    expect(decisions[1]).toEqual({ trigger: 'reconcile', loadBalancerArn: LB_ARN, availabilityZone: 'us-east-1b', decision: 'nothing-to-do', reason: decisions[1].reason });
    expect(world.shifts.calls).toHaveLength(1);
    left = worstDecisionMs();
    const enough = setup();
    await handleEvent(RECONCILE, enough.config, enough.deps, { remainingMs: () => left });
    expect(enough.shifts.calls).toHaveLength(3);
  });

  test('each load balancer\'s zones are decided with their own resource', async () => {
    const other = lbArn('app/other/fedcba9876543210');
    const raw = rawConfig();
    const config = { ...raw, loadBalancers: [LB_ARN, other], alarms: [...raw.alarms, { ...raw.alarms[0], alarm: raw.names.length, lb: 1 }], names: [...raw.names, 'other-isolated'] };
    const world = setup({ config });
    await handleEvent(RECONCILE, world.config, world.deps);
    expect(world.shifts.calls.map(([, arn]) => arn)).toEqual([LB_ARN, LB_ARN, LB_ARN, other]);
  });
});

test('a configuration that cannot be read is refused and logged as a decision', () => {
  const lines: string[] = [];
  const decision = refuseForConfiguration('bad', 'Ns', { logger: { log: (line) => lines.push(line) }, runtime: { now: () => new Date(NOW), random: () => 0, sleep: async () => undefined } });
  expect(decision).toEqual({ decision: 'refused', reason: 'invalid configuration: bad' });
  expect(JSON.parse(lines[0])).toMatchObject({ _aws: { Timestamp: NOW, CloudWatchMetrics: [{ Namespace: 'Ns' }] }, Decision: 'refused', reason: 'invalid configuration: bad' });
});

test('every decided zone is logged once, as the decision returned', async () => {
  const world = setup({ states: ISOLATED_A });
  const decisions = await handleEvent(alarmEvent(A.isolated, 'ALARM'), world.config, world.deps);
  expect(world.logged()).toEqual([expect.objectContaining({ ...JSON.parse(JSON.stringify(decisions[0])), Decision: 'started', Decisions: 1 })]);
  const refused = setup();
  await handleEvent({ source: 'nobody' }, refused.config, refused.deps);
  expect(refused.logged()).toEqual([expect.objectContaining({ Decision: 'refused', reason: 'not a CloudWatch alarm event: event source is not aws.cloudwatch' })]);
  expect(refused.shifts.calls).toEqual([]);
});
