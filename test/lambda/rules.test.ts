// The pure decision for one load balancer and zone (lambda/zonal-shift/rules.ts), branch by
// branch, with the whole plan each branch returns: action, reason, the shift it names and the
// shifts it supersedes. The HTTP and property tests drive the same code through the fakes; these
// pin what they only sample (exact reasons, boundaries, which shift is named).
import { AlarmStateValue } from '../../lambda/zonal-shift/alarm-rule';
import { parseConfig } from '../../lambda/zonal-shift/config';
import { checkDimensions, decideZone, loadBalancerDimension, ruleProblem, shiftRole, ZoneView } from '../../lambda/zonal-shift/rules';
import { AlarmState, Autoshift, DimensionSet, ZonalShift } from '../../lambda/zonal-shift/types';
import { alarmStates, isolatedRule } from './support/alarm-states';
import { AZ_ID_MAP, LB_ARN, LB_DIM, ourComment, quoted, rawConfig, zoneNames } from './support/fixtures';

const config = parseConfig({ ZONAL_SHIFT_CONFIG: JSON.stringify(rawConfig()) });
const group = config.groups[0];
const A = zoneNames('us-east-1a');
const B = zoneNames('us-east-1b');
const C = zoneNames('us-east-1c');
const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const NOW_S = NOW / 1000;
const ISOLATED_RULE = isolatedRule('us-east-1a');

interface Setup {
  states?: Record<string, AlarmStateValue>;
  since?: Record<string, number | undefined>;
  shifts?: ZonalShift[];
  autoshifts?: Autoshift[];
  endOnRecovery?: boolean;
  recoveryWindowMs?: number;
  rule?: string;
  drop?: string[];
  alarms?: (alarms: AlarmState[]) => AlarmState[];
}

function alarms(setup: Setup): AlarmState[] {
  const out = alarmStates([group], { states: setup.states, since: setup.since, rules: setup.rule ? { [A.isolated]: setup.rule } : undefined, now: NOW })
    .filter((alarm) => !(setup.drop ?? []).includes(alarm.name));
  return setup.alarms ? setup.alarms(out) : out;
}

function view(setup: Setup = {}): ZoneView {
  return {
    config: {
      shiftExpiresInMinutes: 30,
      endShiftOnRecovery: setup.endOnRecovery ?? true,
      recoveryWindowMs: setup.recoveryWindowMs ?? 300_000,
    },
    group,
    alarms: alarms(setup),
    resource: { zonalShifts: setup.shifts ?? [], autoshifts: setup.autoshifts ?? [], appliedWeights: {} },
    now: new Date(NOW),
  };
}

const ISOLATED = { [A.isolated]: 'ALARM', [A.impaired]: 'ALARM', [A.errors]: 'ALARM' } as Record<string, AlarmStateValue>;

function shift(id: string, fields: Partial<ZonalShift> = {}): ZonalShift {
  return {
    zonalShiftId: id,
    resourceIdentifier: LB_ARN,
    awayFrom: AZ_ID_MAP['us-east-1a'],
    comment: ourComment('us-east-1a'),
    startTime: NOW_S - 600,
    expiryTime: NOW_S + 1200,
    shiftType: 'ZONAL_SHIFT',
    ...fields,
  };
}

describe('shift roles', () => {
  test.each<[string, Partial<ZonalShift>, string]>([
    ['our comment, zone and load balancer', {}, 'ours'],
    ['no shift type (older answers)', { shiftType: undefined }, 'ours'],
    ['an empty resource identifier (write answers)', { resourceIdentifier: '' }, 'ours'],
    ['another load balancer', { resourceIdentifier: `${LB_ARN}x` }, 'customer'],
    ['another zone', { awayFrom: AZ_ID_MAP['us-east-1b'] }, 'customer'],
    ['a comment with more after ours', { comment: `${ourComment('us-east-1a')} ` }, 'customer'],
    ['no comment', { comment: undefined }, 'customer'],
    ['an unknown shift type', { shiftType: 'SOMETHING_NEW' }, 'customer'],
    ['a practice run, even with our comment', { shiftType: 'PRACTICE_RUN' }, 'practice-run'],
    ['an FIS experiment, even with our comment', { shiftType: 'FIS_EXPERIMENT' }, 'fis-experiment'],
  ])('%s: %s', (_name, fields, role) => {
    expect(shiftRole(shift('s', fields), group)).toBe(role);
  });
});

test('the load balancer dimension is what follows ":loadbalancer/" in its ARN, or nothing', () => {
  expect(loadBalancerDimension(LB_ARN)).toBe(LB_DIM);
  expect(loadBalancerDimension('arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/x/1')).toBe('');
  expect(loadBalancerDimension(':loadbalancer/')).toBe('');
  expect(loadBalancerDimension(':loadbalancer/app/x/1')).toBe('app/x/1');
});

describe('dimension checks', () => {
  const check = (setup: Setup) => checkDimensions(new Map(alarms(setup).map((alarm) => [alarm.name, alarm])), group);
  const replace = (name: string, change: (alarm: AlarmState) => AlarmState) => (list: AlarmState[]) => list.map((alarm) => (alarm.name === name ? change(alarm) : alarm));

  test.each<[string, (alarm: AlarmState) => AlarmState, string | undefined]>([
    ['both dimensions of this load balancer and zone', (alarm) => alarm, undefined],
    ['a second metric with only the load balancer', (alarm) => ({ ...alarm, dimensionSets: [{ LoadBalancer: LB_DIM }, ...alarm.dimensionSets] }), undefined],
    ['a second metric with neither dimension', (alarm) => ({ ...alarm, dimensionSets: [...alarm.dimensionSets, { TargetGroup: 'x' }] }), undefined],
    ['a composite in place of a metric alarm', (alarm) => ({ ...alarm, type: 'composite', rule: quoted('x') }),
      `alarm ${A.rate} is configured as a metric alarm of us-east-1a but is a composite alarm`],
    ['another load balancer', (alarm) => ({ ...alarm, dimensionSets: [{ LoadBalancer: 'app/other/1', AvailabilityZone: 'us-east-1a' }] }),
      `alarm ${A.rate} measures load balancer app/other/1, not the configured ${LB_DIM}`],
    ['another load balancer in a second metric', (alarm) => ({ ...alarm, dimensionSets: [...alarm.dimensionSets, { LoadBalancer: 'app/other/1' }] }),
      `alarm ${A.rate} measures load balancer app/other/1, not the configured ${LB_DIM}`],
    ['another zone', (alarm) => ({ ...alarm, dimensionSets: [{ LoadBalancer: LB_DIM, AvailabilityZone: 'us-east-1b' }] }),
      `alarm ${A.rate} measures us-east-1b, not the configured us-east-1a`],
    ['another zone with no load balancer', (alarm) => ({ ...alarm, dimensionSets: [...alarm.dimensionSets, { AvailabilityZone: 'us-east-1c' }] }),
      `alarm ${A.rate} measures us-east-1c, not the configured us-east-1a`],
    ['the two dimensions on separate metrics', (alarm) => ({ ...alarm, dimensionSets: [{ LoadBalancer: LB_DIM }, { AvailabilityZone: 'us-east-1a' }] as DimensionSet[] }),
      `alarm ${A.rate} has no metric with both LoadBalancer and AvailabilityZone dimensions`],
    ['no metric at all', (alarm) => ({ ...alarm, dimensionSets: [] }),
      `alarm ${A.rate} has no metric with both LoadBalancer and AvailabilityZone dimensions`],
  ])('%s', (_name, change, problem) => {
    expect(check({ alarms: replace(A.rate, change) })).toBe(problem);
  });

  test('an inherited property is not a dimension', () => {
    const set = Object.create({ LoadBalancer: 'app/other/1', AvailabilityZone: 'us-east-1b' }) as Record<string, string>;
    expect(check({ alarms: replace(A.rate, (alarm) => ({ ...alarm, dimensionSets: [set, ...alarm.dimensionSets] })) })).toBeUndefined();
  });
});

describe('composite rules', () => {
  const map = (setup: Setup) => new Map(alarms(setup).map((alarm) => [alarm.name, alarm]));
  const isolated = (setup: Setup) => map(setup).get(A.isolated)!;

  test('a rule that can be evaluated has no problem; a metric alarm has no rule', () => {
    expect(ruleProblem(isolated({}), map({}))).toBeUndefined();
    expect(ruleProblem(isolated({ states: ISOLATED }), map({ states: ISOLATED }))).toBeUndefined();
    expect(ruleProblem(map({}).get(A.errors)!, map({}))).toBeUndefined();
  });

  test('a rule naming alarms the configuration does not list names the first three', () => {
    const rule = ['x1', 'x2', 'x3', 'x4'].map(quoted).join(' OR ');
    expect(ruleProblem(isolated({ rule }), map({ rule }))).toBe(`the rule of ${A.isolated} references alarms the configuration does not list: x1, x2, x3`);
  });

  test('a rule that cannot be parsed, or is missing, is named with the parser\'s message', () => {
    expect(ruleProblem(isolated({ rule: 'ALARM(' }), map({}))).toMatch(new RegExp(`^the rule of ${A.isolated} cannot be read: .+`));
    const noRule = { ...isolated({}), rule: undefined };
    expect(ruleProblem(noRule, map({}))).toBe(`the rule of ${A.isolated} cannot be read: Invalid alarm rule at position 0: unexpected end of rule, expected an operand`);
  });
});

describe('the decision', () => {
  test.each<[string, Setup, object]>([
    // Broken configuration.
    ['an alarm DescribeAlarms does not know', { drop: [A.probe] }, { action: 'refuse', reason: `DescribeAlarms does not know ${A.probe}` }],
    ['six unknown alarms: the first five are named', { drop: group.alarmNames.slice(0, 6) },
      { action: 'refuse', reason: `DescribeAlarms does not know ${group.alarmNames.slice(0, 5).join(', ')}` }],
    ['a dimension alarm of another zone', { alarms: (list) => list.map((alarm) => (alarm.name === A.errors ? { ...alarm, dimensionSets: [{ LoadBalancer: LB_DIM, AvailabilityZone: 'us-east-1b' }] } : alarm)) },
      { action: 'refuse', reason: `alarm ${A.errors} measures us-east-1b, not the configured us-east-1a` }],
    // Not isolated.
    ['another zone impaired too', { states: { ...ISOLATED, [B.impaired]: 'ALARM', [C.impaired]: 'ALARM' } },
      { action: 'refuse', reason: `other zones are impaired too (${B.impaired}, ${C.impaired}): impact in two or more zones is regional, for people` }],
    ['the isolated alarm without the zone\'s impaired alarm', { states: { [A.isolated]: 'ALARM' } },
      { action: 'refuse', reason: `${A.isolated} is ALARM but the zone's impaired alarm is not` }],
    ['the isolated alarm whose rule no longer holds', { states: ISOLATED, rule: `${quoted(A.impaired)} AND ${quoted(B.impaired)}` },
      { action: 'refuse', reason: `the rule of ${A.isolated} does not hold on the fresh states of its children` }],
    ['the isolated alarm whose rule cannot be read', { states: ISOLATED, rule: `${quoted(A.impaired)} AND ${quoted('unlisted')}` },
      { action: 'refuse', reason: `the rule of ${A.isolated} references alarms the configuration does not list: unlisted` }],
    // Isolated, no shift yet.
    ['isolated impact, nothing active', { states: ISOLATED },
      { action: 'start', reason: `isolated impact in us-east-1a: ${A.isolated} ALARM on fresh states` }],
    ['isolated impact during a practice run and an autoshift away from this zone', {
      states: ISOLATED,
      shifts: [shift('practice', { shiftType: 'PRACTICE_RUN', comment: 'practice run' })],
      autoshifts: [{ awayFrom: AZ_ID_MAP['us-east-1a'] }],
    }, {
      action: 'start',
      reason: `isolated impact in us-east-1a: ${A.isolated} ALARM on fresh states`,
      supersedes: [{ zonalShiftId: 'practice', shiftType: 'PRACTICE_RUN', awayFrom: AZ_ID_MAP['us-east-1a'] }, { shiftType: 'AUTOSHIFT', awayFrom: AZ_ID_MAP['us-east-1a'] }],
    }],
    ['isolated impact during an FIS experiment away from this zone', { states: ISOLATED, shifts: [shift('fis', { shiftType: 'FIS_EXPERIMENT', comment: 'fis' })] }, {
      action: 'start',
      reason: `isolated impact in us-east-1a: ${A.isolated} ALARM on fresh states`,
      supersedes: [{ zonalShiftId: 'fis', shiftType: 'FIS_EXPERIMENT', awayFrom: AZ_ID_MAP['us-east-1a'] }],
    }],
    // Refused because of shifts elsewhere.
    ['an FIS experiment away from another zone', { states: ISOLATED, shifts: [shift('fis', { shiftType: 'FIS_EXPERIMENT', awayFrom: 'use1-az1' })] },
      { action: 'refuse', zonalShiftId: 'fis', reason: 'an FIS experiment is shifting traffic away from use1-az1; a shift away from this zone would push traffic into the zone it impairs' }],
    ['an autoshift away from another zone', { states: ISOLATED, autoshifts: [{ awayFrom: AZ_ID_MAP['us-east-1a'] }, { awayFrom: 'use1-az2' }] },
      { action: 'refuse', reason: 'AWS zonal autoshift is moving traffic away from use1-az2; AWS sees trouble in another zone, so this is regional and left to people' }],
    ['a customer shift away from another zone', { states: ISOLATED, shifts: [shift('person', { awayFrom: 'use1-az1', comment: 'by hand' })] },
      { action: 'refuse', zonalShiftId: 'person', reason: 'a customer zonal shift away from use1-az1 is active on this load balancer; impact in two zones is regional' }],
    ['a practice run away from another zone does not stop a start', { states: ISOLATED, shifts: [shift('practice', { shiftType: 'PRACTICE_RUN', awayFrom: 'use1-az1' })] },
      { action: 'start', supersedes: [{ zonalShiftId: 'practice', shiftType: 'PRACTICE_RUN', awayFrom: 'use1-az1' }] }],
    ['a person\'s shift away from this zone', { states: ISOLATED, shifts: [shift('ours'), shift('person', { comment: 'by hand' })] },
      { action: 'none', zonalShiftId: 'person', reason: 'a zonal shift away from this zone that this responder did not start is active; left alone' }],
    // Our shift: extend or not.
    ['our shift without an expiry', { states: ISOLATED, shifts: [shift('ours', { expiryTime: undefined })] },
      { action: 'none', zonalShiftId: 'ours', reason: 'our zonal shift has no known expiry; not extended, so it is never shortened' }],
    ['our shift with 20 min of 30 left', { states: ISOLATED, shifts: [shift('ours', { expiryTime: NOW_S + 1200 })] },
      { action: 'none', zonalShiftId: 'ours', reason: 'our zonal shift still has 20 min left; extending now would not lengthen it enough' }],
    ['our shift with half the expiry and a second left', { states: ISOLATED, shifts: [shift('ours', { expiryTime: NOW_S + 901 })] },
      { action: 'none', zonalShiftId: 'ours', reason: 'our zonal shift still has 15 min left; extending now would not lengthen it enough' }],
    ['our shift with exactly half the expiry left', { states: ISOLATED, shifts: [shift('ours', { expiryTime: NOW_S + 900 })] },
      { action: 'extend', zonalShiftId: 'ours', reason: `${A.isolated} still ALARM with no other zone impaired` }],
    ['our shift past its expiry time', { states: ISOLATED, shifts: [shift('ours', { expiryTime: NOW_S - 5 })] },
      { action: 'extend', zonalShiftId: 'ours' }],
    // Unsettled.
    ['the impaired alarm in ALARM without the isolated one', { states: { [A.impaired]: 'ALARM' } },
      { action: 'none', reason: `not every alarm of the zone is OK: ${A.impaired} ALARM` }],
    ['the isolated alarm with insufficient data', { states: { [A.isolated]: 'INSUFFICIENT_DATA' } },
      { action: 'none', reason: `not every alarm of the zone is OK: ${A.isolated} INSUFFICIENT_DATA` }],
    ['composites OK while a dimension alarm is ALARM', { states: { [A.rate]: 'ALARM' }, shifts: [shift('ours')] },
      { action: 'none', reason: `not every alarm of the zone is OK: ${A.rate} ALARM` }],
    // A drained zone's load-balancer metrics go quiet: no data there is not a failure.
    ['composites OK and the probe recovered while a dimension alarm has insufficient data', { states: { [A.rate]: 'INSUFFICIENT_DATA' }, shifts: [shift('ours')], since: { [A.probe]: NOW - 400_000 } },
      { action: 'cancel', zonalShiftId: 'ours' }],
    ['clear, recovery alarm OK since an unknown time', { shifts: [shift('ours')], since: { [A.probe]: undefined } },
      { action: 'none', zonalShiftId: 'ours', reason: 'not recovered yet: recovery alarm us-east-1a-probe is OK since an unknown time' }],
    // Clear.
    ['clear with no shift of ours', { shifts: [shift('person', { comment: 'by hand' })] },
      { action: 'none', reason: 'the zone is clear and there is no shift of ours away from it' }],
    ['clear with ending on recovery off', { shifts: [shift('ours')], endOnRecovery: false },
      { action: 'none', zonalShiftId: 'ours', reason: 'the zone is clear; ending shifts on recovery is off, so the shift ends by expiry or by a person' }],
    ['clear, recovery alarm back to OK a second after the shift started, window passed', { shifts: [shift('ours', { startTime: NOW_S - 600 })], since: { [A.probe]: NOW - 599_000 } },
      { action: 'cancel', zonalShiftId: 'ours', reason: 'every alarm of the zone is OK and its recovery alarms have been OK for the 300 s recovery window' }],
    ['clear, recovery alarm OK for exactly the window', { shifts: [shift('ours')], since: { [A.probe]: NOW - 300_000 } },
      { action: 'cancel', zonalShiftId: 'ours' }],
    ['clear, recovery alarm OK a second short of the window', { shifts: [shift('ours')], since: { [A.probe]: NOW - 299_000 } },
      { action: 'none', zonalShiftId: 'ours', reason: 'not recovered yet: recovery alarm us-east-1a-probe has been OK for 299 s of the 300 s recovery window' }],
    ['clear, recovery alarm OK since a time after now', { shifts: [shift('ours')], since: { [A.probe]: NOW + 5000 } },
      { action: 'none', zonalShiftId: 'ours', reason: 'not recovered yet: recovery alarm us-east-1a-probe has been OK for 0 s of the 300 s recovery window' }],
    ['clear, recovery alarm ALARM', { shifts: [shift('ours')], states: { [A.probe]: 'ALARM' } },
      { action: 'none', zonalShiftId: 'ours', reason: 'not recovered yet: recovery alarm us-east-1a-probe is ALARM' }],
    ['clear, recovery alarm OK all along', { shifts: [shift('ours')] },
      { action: 'none', zonalShiftId: 'ours', reason: 'not recovered yet: no recovery alarm has come back to OK since the shift started: they never saw this impairment (a drained zone looks healthy on load-balancer metrics), so the shift ends by expiry or by a person' }],
    ['clear, recovery alarm back to OK in the second the shift started', { shifts: [shift('ours')], since: { [A.probe]: (NOW_S - 600) * 1000 } },
      { action: 'none', zonalShiftId: 'ours', reason: expect.stringMatching(/^not recovered yet: no recovery alarm has come back to OK since the shift started/) }],
    ['clear, our shift without a start time', { shifts: [shift('ours', { startTime: undefined })], since: { [A.probe]: NOW - 400_000 } },
      { action: 'none', zonalShiftId: 'ours', reason: 'not recovered yet: our shift has no start time, so no recovery alarm can be shown to have recovered since; the shift ends by expiry or by a person' }],
    ['clear, a shorter window of 60 s', { shifts: [shift('ours')], since: { [A.probe]: NOW - 61_000 }, recoveryWindowMs: 60_000 },
      { action: 'cancel', zonalShiftId: 'ours', reason: 'every alarm of the zone is OK and its recovery alarms have been OK for the 60 s recovery window' }],
  ])('%s', (_name, setup, plan) => {
    const decided = decideZone(view(setup));
    expect(decided).toMatchObject(plan);
    if (!('zonalShiftId' in plan)) {
      expect(decided.zonalShiftId).toBeUndefined();
    }
    if (!('supersedes' in plan)) {
      expect('supersedes' in decided).toBe(false);
    }
  });

  test('without recovery alarms, a clear zone keeps our shift until expiry or a person', () => {
    const bare = parseConfig({ ZONAL_SHIFT_CONFIG: JSON.stringify(rawConfig({ withRecovery: false })) }).groups[0];
    const plan = decideZone({ ...view({ shifts: [shift('ours')] }), group: bare, alarms: alarms({}).filter((alarm) => alarm.name !== A.probe) });
    expect(plan).toEqual({ action: 'none', zonalShiftId: 'ours', reason: 'the zone looks clear, but no recovery alarm measures it while shifted (a drained zone looks healthy): the shift ends by expiry or by a person' });
  });

  test('a second wired alarm whose rule holds makes the impact isolated even when the first one\'s does not', () => {
    const twoConfig = parseConfig({ ZONAL_SHIFT_CONFIG: JSON.stringify(rawConfig({ extraWired: [{ name: 'us-east-1a-isolated-latency', az: 'us-east-1a' }] })) });
    const two = twoConfig.groups[0];
    const states = alarms({ states: ISOLATED, rule: `${quoted(A.impaired)} AND ${quoted(B.impaired)}` });
    const latency: AlarmState = { name: 'us-east-1a-isolated-latency', type: 'composite', state: 'ALARM', rule: ISOLATED_RULE, dimensionSets: [] };
    expect(decideZone({ ...view(), group: two, alarms: [...states, latency] })).toEqual({
      action: 'start', reason: 'isolated impact in us-east-1a: us-east-1a-isolated-latency ALARM on fresh states',
    });
    const bothHold = alarms({ states: ISOLATED });
    expect(decideZone({ ...view(), group: two, alarms: [...bothHold, latency] })).toEqual({
      action: 'start', reason: `isolated impact in us-east-1a: ${A.isolated}, us-east-1a-isolated-latency ALARM on fresh states`,
    });
    expect(decideZone({ ...view({ shifts: [shift('ours', { expiryTime: NOW_S + 60 })] }), group: two, alarms: [...bothHold, latency] })).toEqual({
      action: 'extend', zonalShiftId: 'ours', reason: `${A.isolated}, us-east-1a-isolated-latency still ALARM with no other zone impaired`,
    });
  });

  test('a wired metric alarm (no rule) in ALARM counts as isolated impact', () => {
    const list = alarms({ states: ISOLATED }).map((alarm) => (alarm.name === A.isolated ? { ...alarm, type: 'metric' as const, rule: undefined, dimensionSets: [{ LoadBalancer: LB_DIM, AvailabilityZone: 'us-east-1a' }] } : alarm));
    expect(decideZone({ ...view(), alarms: list })).toMatchObject({ action: 'start' });
  });

  test('more than five alarms not OK: the first five are named, with their states', () => {
    const states = { [A.impaired]: 'INSUFFICIENT_DATA', [A.errors]: 'ALARM', [A.rate]: 'ALARM' } as Record<string, AlarmStateValue>;
    const plan = decideZone(view({ states }));
    expect(plan).toEqual({ action: 'none', reason: `not every alarm of the zone is OK: ${A.impaired} INSUFFICIENT_DATA, ${A.errors} ALARM, ${A.rate} ALARM` });
  });
});

test('an unsettled zone names at most five alarms that are not OK', () => {
  const extra = ['us-east-1a-isolated-latency', 'us-east-1a-isolated-x'];
  const wide = parseConfig({ ZONAL_SHIFT_CONFIG: JSON.stringify(rawConfig({ extraWired: extra.map((name) => ({ name, az: 'us-east-1a' })) })) }).groups[0];
  const states = Object.fromEntries([A.isolated, ...extra, A.impaired].map((name) => [name, 'INSUFFICIENT_DATA' as const]));
  const list = alarmStates([wide], { states: { ...states, [A.errors]: 'ALARM', [A.rate]: 'ALARM' }, now: NOW });
  const plan = decideZone({ ...view(), group: wide, alarms: list });
  expect(plan.action).toBe('none');
  expect(plan.reason.split(', ')).toHaveLength(5);
  expect(plan.reason).not.toContain(A.rate);
});
