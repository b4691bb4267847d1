// Property test of the zonal-shift decision over real HTTP against the local fakes: random
// sequences of alarm changes (consistent and stale), wired and foreign alarm events, people's
// shifts, autoshifts, practice runs, FIS experiments, injected 409/429/5xx, races and reconcile
// ticks. The five invariants are checked at the fakes, at the moment of every write.
import fc from 'fast-check';
import { ArcOperation } from './support/fake-arc-server';
import { AZS, AZ_ID_MAP, LB_ARN, OWNER, RECONCILE, alarmEvent, ourComment, zoneNames } from './support/fixtures';
import { World } from './support/world';

const az = fc.constantFrom(...AZS);
const state = fc.constantFrom<'OK' | 'ALARM'>('OK', 'ALARM');

type Step =
  | { kind: 'zone'; az: string; alb: 'OK' | 'ALARM'; probe: 'OK' | 'ALARM' }
  | { kind: 'stale'; name: string; state: 'OK' | 'ALARM' }
  | { kind: 'person'; az: string; comment: string }
  | { kind: 'person-ends' }
  | { kind: 'autoshift'; az: string }
  | { kind: 'autoshift-ends' }
  | { kind: 'practice'; az: string }
  | { kind: 'fis'; az: string }
  | { kind: 'fis-ends' }
  | { kind: 'fault'; operation: ArcOperation; status: 409 | 429 | 500; reason: string }
  | { kind: 'race'; az: string }
  | { kind: 'event'; alarm: string; state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' }
  | { kind: 'reconcile' }
  | { kind: 'advance'; minutes: number };

const personComment = fc.constantFrom('operator drain', 'cdk-azi: alarm us-east-1a-isolated', `cdk-azi:${OWNER}`, ourComment('us-east-1a', 'ffffffffff'), `${ourComment('us-east-1b')} (copied)`);

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('zone' as const), az, alb: state, probe: state }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stale' as const), name: az.chain((zone) => fc.constantFrom(zoneNames(zone).impaired, zoneNames(zone).isolated)), state }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('person' as const), az, comment: personComment }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'person-ends' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('autoshift' as const), az }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'autoshift-ends' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('practice' as const), az }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fis' as const), az }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'fis-ends' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('fault' as const),
      operation: fc.constantFrom<ArcOperation>('GetManagedResource', 'StartZonalShift', 'UpdateZonalShift', 'CancelZonalShift'),
      status: fc.constantFrom<409 | 429 | 500>(409, 429, 500),
      reason: fc.constantFrom('ZonalShiftAlreadyExists', 'ZonalShiftStatusNotActive', 'SimultaneousZonalShiftsConflict'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('race' as const), az }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('event' as const),
      alarm: fc.oneof({ weight: 4, arbitrary: az.map((zone) => zoneNames(zone).isolated) }, { weight: 1, arbitrary: fc.constantFrom('foreign', zoneNames('us-east-1a').impaired, zoneNames('us-east-1b').errors) }),
      state: fc.constantFrom<'OK' | 'ALARM' | 'INSUFFICIENT_DATA'>('OK', 'ALARM', 'INSUFFICIENT_DATA'),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: 'reconcile' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), minutes: fc.integer({ min: 1, max: 40 }) }) },
);

/** How often each invariant's branch was reached (a decision where breaking it was possible). */
const reached = {
  oneShift: 0,
  autoshiftOrFis: 0,
  notOurs: 0,
  neverShorter: 0,
  regional: 0,
};
let runs = 0;

const zoneOf = Object.fromEntries(Object.entries(AZ_ID_MAP).map(([name, id]) => [id, name]));
const ours = (shift: { comment: string; awayFrom: string; shiftType?: string }) =>
  (shift.shiftType ?? 'ZONAL_SHIFT') === 'ZONAL_SHIFT' && shift.comment === ourComment(zoneOf[shift.awayFrom] ?? '?');

/** Checks the invariants at the fake ARC when a write arrives, before it is applied. */
function watchWrites(world: World, violations: string[]): void {
  const previous = world.arc.onRequest;
  world.arc.onRequest = (operation) => {
    previous?.(operation);
    const request = world.arc.requests[world.arc.requests.length - 1];
    const active = world.arc.activeShifts();
    if (operation === 'StartZonalShift') {
      const awayFrom = String(request.json?.awayFrom);
      if (world.arc.autoshifts.some((a) => a.status === 'ACTIVE' && a.awayFrom !== awayFrom)
        || active.some((shift) => shift.shiftType === 'FIS_EXPERIMENT' && shift.awayFrom !== awayFrom)) {
        violations.push(`start away from ${awayFrom} while an autoshift or FIS experiment is active away from another zone`);
      }
      const impaired = AZS.filter((zone) => world.state(zoneNames(zone).impaired) === 'ALARM');
      if (impaired.length >= 2) {
        violations.push(`start while ${impaired.join(', ')} are impaired`);
      }
      if (active.some(ours)) {
        violations.push('start while a shift of ours is active');
      }
    }
    if (operation === 'UpdateZonalShift' || operation === 'CancelZonalShift') {
      const id = decodeURIComponent(request.rawPath.split('/').pop()!);
      const target = world.arc.shifts.find((shift) => shift.zonalShiftId === id);
      if (!target || !ours(target)) {
        violations.push(`${operation} of a shift that is not ours: ${JSON.stringify(target)}`);
      }
      if (operation === 'UpdateZonalShift' && target) {
        const minutes = Number(/^(\d+)m$/.exec(String(request.json?.expiresIn))?.[1] ?? 'NaN');
        if (!(world.nowMs / 1000 + minutes * 60 >= target.expiryTime)) {
          violations.push(`update would shorten ${target.expiryTime} to now + ${minutes}m`);
        }
      }
      if (operation === 'UpdateZonalShift' && target && target.status === 'ACTIVE') {
        const otherZone = world.arc.autoshifts.some((a) => a.status === 'ACTIVE' && a.awayFrom !== target.awayFrom)
          || active.some((shift) => shift.shiftType === 'FIS_EXPERIMENT' && shift.awayFrom !== target.awayFrom);
        if (otherZone) {
          violations.push('extension while an autoshift or FIS experiment is active away from another zone');
        }
      }
    }
  };
}

function apply(world: World, s: Step): void {
  const arc = world.arc;
  switch (s.kind) {
    case 'zone':
      world.setZone(s.az, { alb: s.alb, probe: s.probe });
      return;
    case 'stale':
      world.cloudwatch.setState(s.name, s.state, new Date(world.nowMs));
      return;
    case 'person':
      if (!arc.activeShifts().some((shift) => (shift.shiftType ?? 'ZONAL_SHIFT') === 'ZONAL_SHIFT')) {
        arc.seed({ resourceIdentifier: LB_ARN, awayFrom: AZ_ID_MAP[s.az], comment: s.comment, startTime: Math.floor(world.nowMs / 1000) - 7200, expiryTime: Math.floor(world.nowMs / 1000) + 7200 });
      }
      return;
    case 'person-ends':
      arc.shifts.filter((shift) => shift.status === 'ACTIVE' && !ours(shift) && shift.shiftType === 'ZONAL_SHIFT').forEach((shift) => {
        shift.status = 'CANCELED';
      });
      return;
    case 'autoshift':
      arc.seedAutoshift({ resourceIdentifier: LB_ARN, awayFrom: AZ_ID_MAP[s.az] });
      return;
    case 'autoshift-ends':
      arc.autoshifts.forEach((autoshift) => {
        autoshift.status = 'COMPLETED';
      });
      return;
    case 'practice':
      arc.seed({ resourceIdentifier: LB_ARN, awayFrom: AZ_ID_MAP[s.az], shiftType: 'PRACTICE_RUN', comment: 'practice run', practiceRunOutcome: 'PENDING', expiryTime: Math.floor(world.nowMs / 1000) + 1800 });
      return;
    case 'fis':
      arc.seed({ resourceIdentifier: LB_ARN, awayFrom: AZ_ID_MAP[s.az], shiftType: 'FIS_EXPERIMENT', comment: 'fis', expiryTime: Math.floor(world.nowMs / 1000) + 1800 });
      return;
    case 'fis-ends':
      arc.shifts.filter((shift) => shift.shiftType === 'FIS_EXPERIMENT').forEach((shift) => {
        shift.status = 'CANCELED';
      });
      return;
    case 'fault':
      arc.faults.push({ status: s.status, type: s.status === 409 ? 'ConflictException' : s.status === 429 ? 'ThrottlingException' : 'InternalServerException', reason: s.status === 409 ? s.reason : undefined, operation: s.operation });
      return;
    case 'race': {
      // The next read of the shifts sees another zone become impaired at the same moment.
      const original = arc.onRequest;
      arc.onRequest = (operation) => {
        if (operation === 'GetManagedResource') {
          arc.onRequest = original;
          world.cloudwatch.setState(zoneNames(s.az).impaired, 'ALARM', new Date(world.nowMs));
        }
        original?.(operation);
      };
      return;
    }
    case 'advance':
      world.advance(s.minutes * 60_000);
      return;
    default:
      return;
  }
}

function count(reasons: string[]): void {
  const seen = (pattern: RegExp) => reasons.some((reason) => pattern.test(reason));
  if (seen(/autoshift|FIS experiment/)) {
    reached.autoshiftOrFis++;
  }
  if (seen(/did not start|customer zonal shift away from/)) {
    reached.notOurs++;
  }
  if (seen(/min left|our shift now expires/)) {
    reached.neverShorter++;
  }
  if (seen(/other zones are impaired too|regional/)) {
    reached.regional++;
  }
  if (seen(/shift for 30m|kept changing/)) {
    reached.oneShift++;
  }
}

test('the five invariants hold for random sequences of events, states, shifts and faults', async () => {
  await fc.assert(fc.asyncProperty(
    fc.record({
      impaired: fc.oneof({ weight: 3, arbitrary: az.map((zone) => [zone]) }, { weight: 1, arbitrary: fc.subarray(AZS, { maxLength: 2 }) }),
      shift: fc.constantFrom('none', 'ours', 'person', 'autoshift', 'fis', 'practice'),
      shiftAz: az,
      expiryMinutes: fc.integer({ min: 1, max: 72 * 60 }),
    }),
    fc.array(step, { minLength: 4, maxLength: 14 }),
    async (setup, steps) => {
      runs++;
      const world = await World.start({ impaired: setup.impaired });
      const expiryTime = Math.floor(world.nowMs / 1000) + setup.expiryMinutes * 60;
      const awayFrom = AZ_ID_MAP[setup.shiftAz];
      switch (setup.shift) {
        case 'ours':
          world.arc.seed({ resourceIdentifier: LB_ARN, awayFrom, comment: ourComment(setup.shiftAz), startTime: Math.floor(world.nowMs / 1000) - 7200, expiryTime });
          break;
        case 'person':
          world.arc.seed({ resourceIdentifier: LB_ARN, awayFrom, comment: 'cdk-azi: alarm us-east-1a-isolated', expiryTime });
          break;
        case 'autoshift':
          world.arc.seedAutoshift({ resourceIdentifier: LB_ARN, awayFrom });
          break;
        case 'fis':
        case 'practice':
          world.arc.seed({ resourceIdentifier: LB_ARN, awayFrom, shiftType: setup.shift === 'fis' ? 'FIS_EXPERIMENT' : 'PRACTICE_RUN', comment: setup.shift, expiryTime });
          break;
      }
      const violations: string[] = [];
      const reasons: string[] = [];
      watchWrites(world, violations);
      try {
        for (const s of steps) {
          if (s.kind === 'event' || s.kind === 'reconcile') {
            const event = s.kind === 'reconcile' ? RECONCILE : alarmEvent(s.alarm, s.state);
            try {
              const decisions = await world.invoke(event);
              reasons.push(...decisions.map((decision) => decision.reason));
            } catch {
              // A transient error outlasting the retries: Lambda would retry the event.
            }
            world.arc.faults.splice(0, world.arc.faults.length);
          } else {
            apply(world, s);
          }
          const oursActive = world.arc.activeShifts().filter(ours);
          if (oursActive.length > 1) {
            violations.push(`${oursActive.length} shifts of ours`);
          }
        }
      } finally {
        await world.close();
      }
      count(reasons);
      expect(violations).toEqual([]);
    },
  ), { numRuns: 150, seed: 20261125 });

  // Each invariant's branch was reached often enough for the test to mean something.
  const floor = Math.ceil(runs * 0.1);
  const tooRare = Object.entries(reached).filter(([, times]) => times < floor);
  expect({ runs, floor, tooRare }).toEqual({ runs, floor, tooRare: [] });
}, 300_000);
