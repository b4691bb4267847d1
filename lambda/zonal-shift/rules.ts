/**
 * The decision for one load balancer and zone, as a pure function of the configuration, the
 * alarm states just read, the load balancer's shifts just read, and the time. No AWS call here.
 */
import { AlarmStateValue, alarmNameFromReference, alarmReferences, evaluateAlarmRule, parseAlarmRule } from './alarm-rule';
import { AlarmState, Autoshift, HandlerConfig, ManagedResource, SHIFT_TYPE, SupersededShift, ZonalShift, ZoneGroup } from './types';

/** What to do about the zone's shift. */
export type Action = 'start' | 'extend' | 'cancel' | 'none' | 'refuse';

/** The outcome of {@link decideZone}. */
export interface Plan {
  readonly action: Action;
  readonly reason: string;
  /** The shift to extend or cancel, or the shift that stops us. */
  readonly zonalShiftId?: string;
  /** For `start`: active shifts our customer shift takes precedence over. */
  readonly supersedes?: SupersededShift[];
}

/** Everything the decision reads, all fresh. */
export interface ZoneView {
  readonly config: Pick<HandlerConfig, 'shiftExpiresInMinutes' | 'endShiftOnRecovery' | 'recoveryWindowMs'>;
  readonly group: ZoneGroup;
  readonly alarms: AlarmState[];
  readonly resource: ManagedResource;
  readonly now: Date;
}

/** How an active shift on the load balancer bears on this zone's decision. */
export type ShiftRole = 'ours' | 'customer' | 'practice-run' | 'fis-experiment';

/**
 * The role of a shift from `zonalShifts[]`: ours only when it is a customer shift (type
 * `ZONAL_SHIFT` or absent) whose comment is exactly this responder's comment for this load
 * balancer and zone. Unknown types count as someone else's customer shift.
 */
export function shiftRole(shift: ZonalShift, group: ZoneGroup): ShiftRole {
  const type = shift.shiftType;
  if (type === SHIFT_TYPE.PRACTICE_RUN) {
    return 'practice-run';
  }
  if (type === SHIFT_TYPE.FIS_EXPERIMENT) {
    return 'fis-experiment';
  }
  const customer = type === undefined || type === SHIFT_TYPE.CUSTOMER;
  const ours = customer
    && shift.comment === group.comment
    && shift.awayFrom === group.availabilityZoneId
    && (shift.resourceIdentifier === '' || shift.resourceIdentifier === group.loadBalancerArn);
  return ours ? 'ours' : 'customer';
}

/** What the fresh alarm states say about the zone. */
type Assessment =
  | { readonly kind: 'broken-configuration'; readonly reason: string }
  | { readonly kind: 'isolated'; readonly alarms: string[] }
  | { readonly kind: 'not-isolated'; readonly reason: string }
  | { readonly kind: 'clear' }
  | { readonly kind: 'unsettled'; readonly reason: string };

/** Whether the recovery alarms allow ending the shift. */
type Recovery =
  | { readonly kind: 'no-recovery-alarms' }
  | { readonly kind: 'recovering'; readonly reason: string }
  | { readonly kind: 'recovered' };

const inState = (alarms: Map<string, AlarmState>, names: string[], state: AlarmStateValue) =>
  names.filter((name) => alarms.get(name)?.state === state);

/** The load balancer's dimension value (`app/name/id`) from its ARN. */
export function loadBalancerDimension(arn: string): string {
  const marker = ':loadbalancer/';
  const at = arn.indexOf(marker);
  return at >= 0 ? arn.slice(at + marker.length) : '';
}

/**
 * Why the zone's dimension-carrying alarms do not measure this load balancer and zone, or
 * undefined when they do. Every name in `group.dimensionAlarms` must be in `alarms`.
 */
export function checkDimensions(alarms: Map<string, AlarmState>, group: ZoneGroup): string | undefined {
  const lb = loadBalancerDimension(group.loadBalancerArn);
  for (const name of group.dimensionAlarms) {
    const alarm = alarms.get(name)!;
    if (alarm.type !== 'metric') {
      return `alarm ${name} is configured as a metric alarm of ${group.availabilityZone} but is a composite alarm`;
    }
    let both = false;
    for (const set of alarm.dimensionSets) {
      const hasLb = Object.prototype.hasOwnProperty.call(set, 'LoadBalancer');
      const hasAz = Object.prototype.hasOwnProperty.call(set, 'AvailabilityZone');
      if (hasLb && set.LoadBalancer !== lb) {
        return `alarm ${name} measures load balancer ${set.LoadBalancer}, not the configured ${lb}`;
      }
      if (hasAz && set.AvailabilityZone !== group.availabilityZone) {
        return `alarm ${name} measures ${set.AvailabilityZone}, not the configured ${group.availabilityZone}`;
      }
      both = both || (hasLb && hasAz);
    }
    if (!both) {
      return `alarm ${name} has no metric with both LoadBalancer and AvailabilityZone dimensions`;
    }
  }
  return undefined;
}

/** Evaluates a wired composite alarm's rule on the fresh states of its children. */
function ruleHolds(alarm: AlarmState, alarms: Map<string, AlarmState>): 'true' | 'false' | 'no-rule' | string {
  if (alarm.type !== 'composite') {
    return 'no-rule';
  }
  try {
    const rule = parseAlarmRule(alarm.rule ?? '');
    const missing = alarmReferences(rule).map(alarmNameFromReference).filter((name) => !alarms.has(name));
    if (missing.length > 0) {
      return `the rule of ${alarm.name} references alarms the configuration does not list: ${missing.slice(0, 3).join(', ')}`;
    }
    return evaluateAlarmRule(rule, (ref) => alarms.get(alarmNameFromReference(ref))!.state) ? 'true' : 'false';
  } catch (err) {
    return `the rule of ${alarm.name} cannot be read: ${(err as Error).message}`;
  }
}

/** Why a wired composite alarm's rule cannot be evaluated on the alarms read, or undefined. */
export function ruleProblem(alarm: AlarmState, alarms: Map<string, AlarmState>): string | undefined {
  const holds = ruleHolds(alarm, alarms);
  return holds === 'true' || holds === 'false' || holds === 'no-rule' ? undefined : holds;
}

function assess(view: ZoneView, alarms: Map<string, AlarmState>): Assessment {
  const { group } = view;
  const missing = group.alarmNames.filter((name) => !alarms.has(name));
  if (missing.length > 0) {
    return { kind: 'broken-configuration', reason: `DescribeAlarms does not know ${missing.slice(0, 5).join(', ')}` };
  }
  const badDimensions = checkDimensions(alarms, group);
  if (badDimensions) {
    return { kind: 'broken-configuration', reason: badDimensions };
  }
  const impairedHere = inState(alarms, group.impairedAlarms, 'ALARM');
  const impairedElsewhere = inState(alarms, group.otherImpairedAlarms, 'ALARM');
  const alarming = group.wired.filter((wired) => alarms.get(wired.name)!.state === 'ALARM');
  if (alarming.length > 0) {
    if (impairedElsewhere.length > 0) {
      return { kind: 'not-isolated', reason: `other zones are impaired too (${impairedElsewhere.join(', ')}): impact in two or more zones is regional, for people` };
    }
    if (impairedHere.length === 0) {
      return { kind: 'not-isolated', reason: `${alarming[0].name} is ALARM but the zone's impaired alarm is not` };
    }
    const rules = alarming.map((wired) => ({ name: wired.name, holds: ruleHolds(alarms.get(wired.name)!, alarms) }));
    const isolated = rules.filter((rule) => rule.holds === 'true' || rule.holds === 'no-rule').map((rule) => rule.name);
    if (isolated.length > 0) {
      return { kind: 'isolated', alarms: isolated };
    }
    const why = rules[0].holds === 'false' ? `the rule of ${rules[0].name} does not hold on the fresh states of its children` : rules[0].holds;
    return { kind: 'not-isolated', reason: why };
  }
  const notOk = [...group.wired.map((wired) => wired.name), ...group.impairedAlarms].filter((name) => alarms.get(name)!.state !== 'OK');
  // A composite lags its children (or combines them M of N): a dimension-carrying alarm of the
  // zone in ALARM on the states just read means the zone still fails, whatever the composites say.
  const failing = inState(alarms, group.dimensionAlarms, 'ALARM');
  if (notOk.length === 0 && failing.length === 0) {
    return { kind: 'clear' };
  }
  return { kind: 'unsettled', reason: `not every alarm of the zone is OK: ${[...notOk, ...failing].slice(0, 5).map((name) => `${name} ${alarms.get(name)!.state}`).join(', ')}` };
}

function recovery(view: ZoneView, alarms: Map<string, AlarmState>, shiftStartMs: number | undefined): Recovery {
  const names = view.group.recoveryAlarms;
  if (names.length === 0) {
    return { kind: 'no-recovery-alarms' };
  }
  const windowMs = view.config.recoveryWindowMs;
  for (const name of names) {
    const alarm = alarms.get(name)!;
    if (alarm.state !== 'OK') {
      return { kind: 'recovering', reason: `recovery alarm ${name} is ${alarm.state}` };
    }
    if (alarm.stateSince === undefined) {
      return { kind: 'recovering', reason: `recovery alarm ${name} is OK since an unknown time` };
    }
    const okFor = view.now.getTime() - alarm.stateSince;
    if (okFor < windowMs) {
      return { kind: 'recovering', reason: `recovery alarm ${name} has been OK for ${Math.max(0, Math.floor(okFor / 1000))} s of the ${windowMs / 1000} s recovery window` };
    }
  }
  // Recovery needs a signal that saw the zone fail: a recovery alarm that came back to OK after
  // the shift started. Recovery alarms that were OK all along (an impairment only the
  // load-balancer metrics showed, which a drained zone no longer produces) prove nothing.
  if (shiftStartMs === undefined) {
    return { kind: 'recovering', reason: 'our shift has no start time, so no recovery alarm can be shown to have recovered since; the shift ends by expiry or by a person' };
  }
  if (!names.some((name) => alarms.get(name)!.stateSince! > shiftStartMs)) {
    return { kind: 'recovering', reason: 'no recovery alarm has come back to OK since the shift started: they never saw this impairment (a drained zone looks healthy on load-balancer metrics), so the shift ends by expiry or by a person' };
  }
  return { kind: 'recovered' };
}

function otherZone(shift: { awayFrom: string }, group: ZoneGroup): boolean {
  return shift.awayFrom !== group.availabilityZoneId;
}

function supersededShifts(shifts: ZonalShift[], autoshifts: Autoshift[], group: ZoneGroup): SupersededShift[] {
  const out: SupersededShift[] = [];
  for (const shift of shifts) {
    const role = shiftRole(shift, group);
    if (role === 'practice-run' || role === 'fis-experiment') {
      out.push({ zonalShiftId: shift.zonalShiftId, shiftType: shift.shiftType!, awayFrom: shift.awayFrom });
    }
  }
  for (const autoshift of autoshifts) {
    out.push({ shiftType: 'AUTOSHIFT', awayFrom: autoshift.awayFrom });
  }
  return out;
}

/** Start a shift, extend ours, or say why not. */
function shiftAway(view: ZoneView, alarms: string[]): Plan {
  const { group, resource, now } = view;
  const shifts = resource.zonalShifts;
  const fis = shifts.find((shift) => shiftRole(shift, group) === 'fis-experiment' && otherZone(shift, group));
  if (fis) {
    return { action: 'refuse', zonalShiftId: fis.zonalShiftId, reason: `an FIS experiment is shifting traffic away from ${fis.awayFrom}; a shift away from this zone would push traffic into the zone it impairs` };
  }
  const autoshift = resource.autoshifts.find((candidate) => otherZone(candidate, group));
  if (autoshift) {
    return { action: 'refuse', reason: `AWS zonal autoshift is moving traffic away from ${autoshift.awayFrom}; AWS sees trouble in another zone, so this is regional and left to people` };
  }
  const elsewhere = shifts.find((shift) => shiftRole(shift, group) === 'customer' && otherZone(shift, group));
  if (elsewhere) {
    return { action: 'refuse', zonalShiftId: elsewhere.zonalShiftId, reason: `a customer zonal shift away from ${elsewhere.awayFrom} is active on this load balancer; impact in two zones is regional` };
  }
  const persons = shifts.find((shift) => shiftRole(shift, group) === 'customer');
  if (persons) {
    return { action: 'none', zonalShiftId: persons.zonalShiftId, reason: 'a zonal shift away from this zone that this responder did not start is active; left alone' };
  }
  const ours = shifts.find((shift) => shiftRole(shift, group) === 'ours');
  const expiryMs = view.config.shiftExpiresInMinutes * 60_000;
  if (ours) {
    if (ours.expiryTime === undefined) {
      return { action: 'none', zonalShiftId: ours.zonalShiftId, reason: 'our zonal shift has no known expiry; not extended, so it is never shortened' };
    }
    const remainingMs = ours.expiryTime * 1000 - now.getTime();
    // Extend only when it clearly lengthens the shift: half the expiry left or less. Then
    // now + expiry is always later than the current expiry, so an extension never shortens.
    if (remainingMs > expiryMs / 2) {
      return { action: 'none', zonalShiftId: ours.zonalShiftId, reason: `our zonal shift still has ${Math.floor(remainingMs / 60_000)} min left; extending now would not lengthen it enough` };
    }
    return { action: 'extend', zonalShiftId: ours.zonalShiftId, reason: `${alarms.join(', ')} still ALARM with no other zone impaired` };
  }
  const supersedes = supersededShifts(shifts, resource.autoshifts, group);
  return {
    action: 'start',
    reason: `isolated impact in ${group.availabilityZone}: ${alarms.join(', ')} ALARM on fresh states`,
    ...(supersedes.length > 0 ? { supersedes } : {}),
  };
}

/** End our shift when the zone has recovered on signals that still measure it. */
function endShift(view: ZoneView, alarms: Map<string, AlarmState>): Plan {
  const ours = view.resource.zonalShifts.find((shift) => shiftRole(shift, view.group) === 'ours');
  if (!ours) {
    return { action: 'none', reason: 'the zone is clear and there is no shift of ours away from it' };
  }
  if (!view.config.endShiftOnRecovery) {
    return { action: 'none', zonalShiftId: ours.zonalShiftId, reason: 'the zone is clear; ending shifts on recovery is off, so the shift ends by expiry or by a person' };
  }
  const state = recovery(view, alarms, ours.startTime === undefined ? undefined : ours.startTime * 1000);
  switch (state.kind) {
    case 'no-recovery-alarms':
      return { action: 'none', zonalShiftId: ours.zonalShiftId, reason: 'the zone looks clear, but no recovery alarm measures it while shifted (a drained zone looks healthy): the shift ends by expiry or by a person' };
    case 'recovering':
      return { action: 'none', zonalShiftId: ours.zonalShiftId, reason: `not recovered yet: ${state.reason}` };
    case 'recovered':
      return { action: 'cancel', zonalShiftId: ours.zonalShiftId, reason: `every alarm of the zone is OK and its recovery alarms have been OK for the ${view.config.recoveryWindowMs / 1000} s recovery window` };
  }
}

/** The decision for one load balancer and zone. */
export function decideZone(view: ZoneView): Plan {
  const alarms = new Map(view.alarms.map((alarm) => [alarm.name, alarm]));
  const assessment = assess(view, alarms);
  switch (assessment.kind) {
    case 'broken-configuration':
      return { action: 'refuse', reason: assessment.reason };
    case 'not-isolated':
      return { action: 'refuse', reason: assessment.reason };
    case 'isolated':
      return shiftAway(view, assessment.alarms);
    case 'clear':
      return endShift(view, alarms);
    case 'unsettled':
      return { action: 'none', reason: assessment.reason };
  }
}
