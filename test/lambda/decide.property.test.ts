import * as fc from 'fast-check';
import { CompositeAlarm, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { AlarmStateValue } from '../../lambda/zonal-shift/alarm-rule';
import { COMMENT_MARKER, handleAlarmEvent } from '../../lambda/zonal-shift/decide';
import { fakeWorld, testConfig } from './support/fakes';
import { AZ_ID_MAP, LB_ARN, LB_DIM, OTHER_LB_DIM, alarmArn, alarmEvent, compositeAlarm, metricAlarm } from './support/fixtures';

const RUNS = { numRuns: 200 };
const FAST = { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 };
const STATES: AlarmStateValue[] = ['ALARM', 'OK', 'INSUFFICIENT_DATA'];
const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d'];
const AZ_IDS = ['use1-az6', 'use1-az1', 'use1-az2', 'use1-az9'];
const METRIC_NAMES = ['m0', 'm1', 'm2', 'm3'];

type Rule =
  | { t: 'state'; state: AlarmStateValue; name: string; quoted: boolean }
  | { t: 'const'; value: boolean }
  | { t: 'not'; x: Rule }
  | { t: 'and' | 'or'; xs: Rule[] };

const stateArb = fc.oneof(
  { arbitrary: fc.constant<AlarmStateValue>('ALARM'), weight: 3 },
  { arbitrary: fc.constantFrom<AlarmStateValue>('OK', 'INSUFFICIENT_DATA'), weight: 1 },
);
const lbArb = fc.oneof(
  { arbitrary: fc.constant(LB_DIM), weight: 4 },
  { arbitrary: fc.constantFrom(OTHER_LB_DIM, undefined), weight: 1 },
);
const azArb = fc.oneof(
  { arbitrary: fc.constant('us-east-1a'), weight: 4 },
  { arbitrary: fc.constantFrom(...AZS, undefined), weight: 1 },
);

const ruleArb = fc.letrec<{ rule: Rule }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ t: fc.constant('state' as const), state: fc.constantFrom(...STATES), name: fc.constantFrom(...METRIC_NAMES), quoted: fc.boolean() }),
    fc.record({ t: fc.constant('const' as const), value: fc.boolean() }),
    fc.record({ t: fc.constant('not' as const), x: tie('rule') }),
    fc.record({ t: fc.constantFrom('and' as const, 'or' as const), xs: fc.array(tie('rule'), { minLength: 2, maxLength: 3 }) }),
  ),
})).rule;

function render(rule: Rule): string {
  switch (rule.t) {
    case 'state':
      return `${rule.state}(${rule.quoted ? `"${alarmArn(rule.name)}"` : rule.name})`;
    case 'const':
      return rule.value ? 'TRUE' : 'FALSE';
    case 'not':
      return `NOT (${render(rule.x)})`;
    default:
      return `(${rule.xs.map(render).join(rule.t === 'and' ? ' AND ' : ' OR ')})`;
  }
}

/** Names under ALARM(...) with an even number of NOTs above them, computed from the generated tree. */
function positives(rule: Rule, negated = false, out = new Set<string>()): Set<string> {
  if (rule.t === 'state' && rule.state === 'ALARM' && !negated) {
    out.add(rule.name);
  } else if (rule.t === 'not') {
    positives(rule.x, !negated, out);
  } else if (rule.t === 'and' || rule.t === 'or') {
    rule.xs.forEach((x) => positives(x, negated, out));
  }
  return out;
}

interface MetricSpec { name: string; az?: string; lb?: string; state: AlarmStateValue }

const metricsArb = fc.tuple(...METRIC_NAMES.map((name) => fc.record({
  name: fc.constant(name),
  az: azArb,
  lb: lbArb,
  state: stateArb,
})));

/** `undefined` stands for older responses without the field; REGION_DRILL for a type added later. */
const SHIFT_TYPES = [undefined, 'ZONAL_SHIFT', 'PRACTICE_RUN', 'FIS_EXPERIMENT', 'ZONAL_AUTOSHIFT', 'REGION_DRILL'];
interface ExistingShift { awayFrom: string; ours: boolean; shiftType?: string }

const existingShiftsArb: fc.Arbitrary<ExistingShift[]> = fc.oneof(
  { arbitrary: fc.constant<ExistingShift[]>([]), weight: 2 },
  {
    arbitrary: fc.array(fc.record({ awayFrom: fc.constantFrom(...AZ_IDS), ours: fc.boolean(), shiftType: fc.constantFrom(...SHIFT_TYPES) }), { minLength: 1, maxLength: 2 }),
    weight: 1,
  },
);

const isCustomer = (shift: { shiftType?: string }) => shift.shiftType === undefined || shift.shiftType === 'ZONAL_SHIFT';

/** Independent statement of which existing shifts stop a new customer shift away from `awayFrom`. */
function blocks(shift: ExistingShift, awayFrom: string): boolean {
  if (shift.shiftType === 'PRACTICE_RUN' || shift.shiftType === 'FIS_EXPERIMENT') {
    return false;
  }
  if (shift.shiftType === 'ZONAL_AUTOSHIFT') {
    return shift.awayFrom !== awayFrom;
  }
  return true;
}

const scenarioArb = fc.record({
  metrics: metricsArb,
  root: fc.oneof(
    fc.record({ kind: fc.constant('metric' as const), index: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ kind: fc.constant('composite' as const), rule: ruleArb, state: stateArb }),
  ),
  eventState: stateArb,
  existing: existingShiftsArb,
  dryRun: fc.oneof({ arbitrary: fc.constant(false), weight: 4 }, { arbitrary: fc.constant(true), weight: 1 }),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function build(scenario: Scenario) {
  const metric: MetricAlarm[] = scenario.metrics.map((spec: MetricSpec) => metricAlarm(spec.name, spec));
  const composite: CompositeAlarm[] = scenario.root.kind === 'composite' ? [compositeAlarm('root', render(scenario.root.rule), scenario.root.state)] : [];
  const rootName = scenario.root.kind === 'metric' ? METRIC_NAMES[scenario.root.index] : 'root';
  const world = fakeWorld(metric, composite);
  for (const shift of scenario.existing) {
    world.shifts.seed({ resourceIdentifier: LB_ARN, awayFrom: shift.awayFrom, shiftType: shift.shiftType, comment: shift.ours ? `${COMMENT_MARKER} alarm earlier` : 'operator' });
  }
  return { world, event: alarmEvent(rootName, scenario.eventState), config: testConfig({ dryRun: scenario.dryRun }) };
}

/** Independent statement of when a shift may start, from the generated scenario. */
function expectedStart(scenario: Scenario): { awayFrom: string } | undefined {
  if (scenario.eventState !== 'ALARM' || scenario.dryRun) {
    return undefined;
  }
  let involved: MetricSpec[];
  if (scenario.root.kind === 'metric') {
    involved = [scenario.metrics[scenario.root.index]];
    if (involved[0].state !== 'ALARM') {
      return undefined;
    }
  } else {
    if (scenario.root.state !== 'ALARM') {
      return undefined;
    }
    const names = positives(scenario.root.rule);
    involved = scenario.metrics.filter((spec: MetricSpec) => names.has(spec.name) && spec.state === 'ALARM');
  }
  const lbs = new Set(involved.map((spec) => spec.lb).filter(Boolean));
  const azs = new Set(involved.map((spec) => spec.az).filter(Boolean));
  if (lbs.size !== 1 || !lbs.has(LB_DIM) || azs.size !== 1) {
    return undefined;
  }
  const az = [...azs][0] as string;
  if (!(az in AZ_ID_MAP)) {
    return undefined;
  }
  const awayFrom = AZ_ID_MAP[az];
  return scenario.existing.some((shift: ExistingShift) => blocks(shift, awayFrom)) ? undefined : { awayFrom };
}

function mutate(event: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(event));
  let node = copy;
  for (const key of path.slice(0, -1)) {
    node = node[key];
  }
  node[path[path.length - 1]] = value;
  return copy;
}

describe('properties of the decision logic', () => {
  test('arbitrary values are refused without any AWS call or throw', async () => {
    await fc.assert(fc.asyncProperty(fc.anything(), async (event) => {
      const { world } = build({ metrics: METRIC_NAMES.map((name) => ({ name, az: 'us-east-1a', lb: LB_DIM, state: 'ALARM' })) as never, root: { kind: 'metric', index: 0 }, eventState: 'ALARM', existing: [], dryRun: false });
      const decision = await handleAlarmEvent(event, testConfig(), world.deps, FAST);
      expect(decision.decision).toBe('refused');
      expect(world.shifts.calls).toHaveLength(0);
      expect(world.alarms.calls).toHaveLength(0);
    }), RUNS);
  });

  test('a corrupted field of a valid ALARM event never starts a shift', async () => {
    const fields = [['source'], ['alarmArn'], ['accountId'], ['region'], ['alarmData'], ['alarmData', 'alarmName'], ['alarmData', 'state'], ['alarmData', 'state', 'value']];
    await fc.assert(fc.asyncProperty(fc.constantFrom(...fields), fc.anything(), async (path, value) => {
      const valid = alarmEvent('m0', 'ALARM');
      const original = path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], valid);
      fc.pre(JSON.stringify(original) !== JSON.stringify(value));
      fc.pre(!(typeof value === 'object' && value !== null && (value as { value?: unknown }).value === 'ALARM'));
      const { world } = build({ metrics: METRIC_NAMES.map((name) => ({ name, az: 'us-east-1a', lb: LB_DIM, state: 'ALARM' })) as never, root: { kind: 'metric', index: 0 }, eventState: 'ALARM', existing: [], dryRun: false });
      await handleAlarmEvent(mutate(valid, path, value), testConfig(), world.deps, FAST);
      expect(world.shifts.count('start')).toBe(0);
    }), RUNS);
  });

  test('a shift starts exactly when the event is a valid ALARM for one allowed load balancer and one AZ', async () => {
    let started = 0;
    await fc.assert(fc.asyncProperty(scenarioArb, async (scenario) => {
      const { world, event, config } = build(scenario);
      await handleAlarmEvent(event, config, world.deps, FAST);
      const starts = world.shifts.calls.filter((call) => call.op === 'start').map((call) => call.args[0]);
      const expected = expectedStart(scenario);
      started += expected ? 1 : 0;
      expect(starts).toEqual(expected ? [expect.objectContaining({ resourceIdentifier: LB_ARN, awayFrom: expected.awayFrom })] : []);
    }), RUNS);
    // The generator must reach both outcomes often enough for the property to mean something.
    expect(started).toBeGreaterThan(RUNS.numRuns / 20);
    expect(started).toBeLessThan(RUNS.numRuns * 0.9);
  });

  test('only customer shifts carrying our marker are ever extended or cancelled, and dry runs write nothing', async () => {
    await fc.assert(fc.asyncProperty(scenarioArb, async (scenario) => {
      const { world, event, config } = build(scenario);
      const ours = new Set(world.shifts.shifts
        .filter((shift) => isCustomer(shift) && shift.comment?.startsWith(COMMENT_MARKER))
        .map((shift) => shift.zonalShiftId));
      await handleAlarmEvent(event, config, world.deps, FAST);
      for (const call of world.shifts.calls.filter((c) => c.op === 'update' || c.op === 'cancel')) {
        expect(ours.has(call.args[0] as string)).toBe(true);
      }
      if (scenario.dryRun) {
        expect(world.shifts.calls.filter((call) => call.op !== 'list')).toHaveLength(0);
      }
    }), RUNS);
  });

  test("OK transitions never cancel a person's shift", async () => {
    await fc.assert(fc.asyncProperty(scenarioArb, async (scenario) => {
      const { world, event, config } = build({ ...scenario, eventState: 'OK', existing: scenario.existing.map((s) => ({ ...s, ours: false })) });
      await handleAlarmEvent(event, config, world.deps, FAST);
      expect(world.shifts.count('cancel')).toBe(0);
      expect(world.shifts.active()).toHaveLength(scenario.existing.length);
    }), RUNS);
  });

  test('OK transitions never cancel a shift ARC or AWS started, whatever its comment', async () => {
    await fc.assert(fc.asyncProperty(scenarioArb, async (scenario) => {
      const { world, event, config } = build({ ...scenario, eventState: 'OK' });
      const notCustomer = world.shifts.shifts.filter((shift) => !isCustomer(shift)).map((shift) => shift.zonalShiftId);
      await handleAlarmEvent(event, config, world.deps, FAST);
      for (const id of notCustomer) {
        expect(world.shifts.active().map((shift) => shift.zonalShiftId)).toContain(id);
      }
    }), RUNS);
  });

  test('the same event delivered twice yields at most one shift', async () => {
    await fc.assert(fc.asyncProperty(scenarioArb, async (scenario) => {
      const { world, event, config } = build({ ...scenario, existing: [] });
      const first = await handleAlarmEvent(event, config, world.deps, FAST);
      const second = await handleAlarmEvent(event, config, world.deps, FAST);
      expect(world.shifts.shifts.length).toBeLessThanOrEqual(1);
      expect(world.shifts.count('start')).toBeLessThanOrEqual(1);
      if (first.decision === 'started') {
        expect(second.decision).toBe('extended');
      }
    }), RUNS);
  });

  test('every decision is logged as exactly one line', async () => {
    await fc.assert(fc.asyncProperty(scenarioArb, async (scenario) => {
      const { world, event, config } = build(scenario);
      await handleAlarmEvent(event, config, world.deps, FAST);
      expect(world.logger.records().filter((record) => record.Decisions === 1)).toHaveLength(1);
    }), RUNS);
  });
});
