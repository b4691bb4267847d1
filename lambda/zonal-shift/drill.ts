/**
 * The post-deploy drill: every read of the incident path, for every zone the function answers
 * for, and what the function would decide from it, without a single write to ARC.
 *
 * A drill is refused unless its identity proof (see `caller-identity.ts`) shows that one of the
 * configured drill roles asked for it. It logs one line per zone (no decision metric: a drill is
 * not a decision) and returns a {@link DrillReport}.
 */
import { AlarmStateValue } from './alarm-rule';
import { ARC_RETRY, CLOUDWATCH_RETRY, INVOCATION_MARGIN_MS, worstCallMs } from './budget';
import { CallerIdentity, IdentityProofError, IdentityVerifier, isAllowedCaller } from './caller-identity';
import { retryArc } from './decide';
import { describeError } from './errors';
import { RECONCILE_EVENT } from './event';
import { checkDimensions, decideZone, ruleProblem, shiftRole } from './rules';
import { AlarmState, HandlerConfig, HandlerDeps, ManagedResource, ZoneGroup } from './types';

/** The action of a drill event (its source is the reconcile schedule's). */
export const DRILL_ACTION = 'drill';

/** Whether an event asks for a drill (it may still be refused). */
export function isDrillEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null
    && (event as Record<string, unknown>).source === RECONCILE_EVENT.source
    && (event as Record<string, unknown>).action === DRILL_ACTION;
}

/** What a drill found an alarm to be. */
export type DrillAlarmState = AlarmStateValue | 'MISSING' | 'UNREAD';

/** Why the function reads an alarm for a zone. */
export type DrillAlarmRole = 'isolated-impact' | 'impaired' | 'other-zone-impaired' | 'dimension' | 'recovery';

/** One alarm the incident path reads for a zone. */
export interface DrillAlarm {
  readonly name: string;
  readonly role: DrillAlarmRole;
  readonly state: DrillAlarmState;
}

/** One active shift on the load balancer, as the decision sees it from this zone. */
export interface DrillShift {
  readonly kind: 'ours' | 'customer' | 'practice-run' | 'fis-experiment' | 'autoshift';
  /** AZ ID. */
  readonly awayFrom: string;
  readonly zonalShiftId?: string;
  /** Epoch seconds. */
  readonly expiryTime?: number;
  readonly appliedStatus?: string;
}

/** What the function would do for a zone, from the reads just made. */
export type DrillDecision = 'start' | 'extend' | 'cancel' | 'nothing' | 'refuse' | 'unknown';

/** The drill of one load balancer and zone. */
export interface DrillZone {
  readonly loadBalancerArn: string;
  readonly availabilityZone: string;
  /** The AZ ID resolved at deploy time; empty when there is none. */
  readonly availabilityZoneId: string;
  readonly alarms: DrillAlarm[];
  /** Every active shift on the load balancer, in any zone (they all bear on the decision). */
  readonly shifts: DrillShift[];
  readonly decision: DrillDecision;
  readonly reason: string;
  /** What the incident path needs and does not have; empty when this zone is ready. */
  readonly problems: string[];
}

/** The answer to a drill. */
export interface DrillReport {
  readonly drill: true;
  /** Whether every zone could be read and decided: no refusal, no problem, at least one zone. */
  readonly ready: boolean;
  /** Problems of the function as a whole (no zone wired, bad drill roles). */
  readonly problems: string[];
  /** Why the drill was refused (then nothing was read). */
  readonly refused?: string;
  readonly functionArn?: string;
  readonly caller?: string;
  /** Whether the function runs in dry-run mode (it would log, not shift). */
  readonly dryRun: boolean;
  readonly zones: DrillZone[];
}

/** What a drill needs beyond the incident path's dependencies. */
export interface DrillDeps extends HandlerDeps {
  readonly identity: IdentityVerifier;
}

/** Options of {@link runDrill}. */
export interface DrillOptions {
  /** The invoked function's ARN (Lambda's `context.invokedFunctionArn`). */
  readonly functionArn?: string;
  /** Milliseconds left in the invocation. */
  readonly remainingMs?: () => number;
}

/** An AZ ID (`use1-az1`): what ARC names a zone by. */
export const AZ_ID = /^[a-z]{2,}[0-9]*-az[0-9]+$/;
const MAX_LISTED = 10;

/** The function's own ARN without a version or alias qualifier. */
export function unqualifiedArn(arn: string): string | undefined {
  const match = /^(arn:[a-z-]+:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+)(?::[A-Za-z0-9$_-]+)?$/.exec(arn);
  return match?.[1];
}

function log(deps: HandlerDeps, record: Record<string, unknown>): void {
  deps.logger.log(JSON.stringify({ timestamp: deps.runtime.now().toISOString(), ...record }));
}

/** Every alarm the zone's decision reads, each with the first role it plays. */
function alarmRoles(group: ZoneGroup): { name: string; role: DrillAlarmRole }[] {
  const roles = new Map<string, DrillAlarmRole>();
  const add = (names: string[], role: DrillAlarmRole) => names.forEach((name) => roles.has(name) || roles.set(name, role));
  add(group.wired.map((wired) => wired.name), 'isolated-impact');
  add(group.impairedAlarms, 'impaired');
  add(group.otherImpairedAlarms, 'other-zone-impaired');
  add(group.dimensionAlarms, 'dimension');
  add(group.recoveryAlarms, 'recovery');
  return [...roles].map(([name, role]) => ({ name, role }));
}

function shiftsOf(resource: ManagedResource, group: ZoneGroup): DrillShift[] {
  return [
    ...resource.zonalShifts.map((shift): DrillShift => ({
      kind: shiftRole(shift, group),
      awayFrom: shift.awayFrom,
      zonalShiftId: shift.zonalShiftId,
      expiryTime: shift.expiryTime,
      appliedStatus: shift.appliedStatus,
    })),
    ...resource.autoshifts.map((autoshift): DrillShift => ({ kind: 'autoshift', awayFrom: autoshift.awayFrom, appliedStatus: autoshift.appliedStatus })),
  ];
}

/** The reads and the would-be decision of one zone. Never throws: a failed read is a problem. */
async function drillZone(group: ZoneGroup, config: HandlerConfig, deps: HandlerDeps, resources: Map<string, Promise<ManagedResource>>, functionArn: string): Promise<DrillZone> {
  const problems: string[] = [];
  if (!AZ_ID.test(group.availabilityZoneId)) {
    problems.push(`no AZ ID for ${group.availabilityZone} (the deploy-time lookup gave ${JSON.stringify(group.availabilityZoneId)}); ARC takes the ID`);
  }
  let resource: ManagedResource | undefined;
  try {
    if (!resources.has(group.loadBalancerArn)) {
      resources.set(group.loadBalancerArn, retryArc(() => deps.shifts.getManagedResource(group.loadBalancerArn), ARC_RETRY, deps.runtime));
    }
    resource = await resources.get(group.loadBalancerArn)!;
    const zoneIds = Object.keys(resource.appliedWeights);
    if (zoneIds.length > 0 && AZ_ID.test(group.availabilityZoneId) && !zoneIds.includes(group.availabilityZoneId)) {
      problems.push(`ARC does not list ${group.availabilityZoneId} (${group.availabilityZone}) among the load balancer's zones (${zoneIds.sort().join(', ')}); a shift away from it would be refused`);
    }
  } catch (err) {
    problems.push(`arc-zonal-shift:GetManagedResource on ${group.loadBalancerArn}: ${describeError(err)}`);
  }
  const roles = alarmRoles(group);
  let read: AlarmState[] | undefined;
  try {
    read = await deps.alarms.describeAlarms(group.alarmNames);
  } catch (err) {
    problems.push(`cloudwatch:DescribeAlarms: ${describeError(err)}`);
  }
  const byName = new Map((read ?? []).map((alarm) => [alarm.name, alarm]));
  const alarms = roles.map(({ name, role }): DrillAlarm => ({ name, role, state: read === undefined ? 'UNREAD' : byName.get(name)?.state ?? 'MISSING' }));
  const missing = alarms.filter((alarm) => alarm.state === 'MISSING');
  for (const alarm of missing.slice(0, MAX_LISTED)) {
    problems.push(`alarm ${alarm.name} (${alarm.role}) does not exist`);
  }
  if (missing.length > MAX_LISTED) {
    problems.push(`and ${missing.length - MAX_LISTED} more alarms do not exist`);
  }
  if (read !== undefined && missing.length === 0) {
    const dimensions = checkDimensions(byName, group);
    if (dimensions) {
      problems.push(dimensions);
    }
    for (const wired of group.wired) {
      const alarm = byName.get(wired.name)!;
      const rule = ruleProblem(alarm, byName);
      if (rule) {
        problems.push(rule);
      }
      const actions = actionProblem(alarm, functionArn);
      if (actions) {
        problems.push(actions);
      }
    }
  }
  let decision: DrillDecision = 'unknown';
  let reason = 'the reads failed, so nothing can be decided';
  if (resource !== undefined && read !== undefined) {
    const plan = decideZone({ config, group, alarms: read, resource, now: deps.runtime.now() });
    decision = plan.action === 'none' ? 'nothing' : plan.action;
    reason = plan.reason;
  }
  return {
    loadBalancerArn: group.loadBalancerArn,
    availabilityZone: group.availabilityZone,
    availabilityZoneId: group.availabilityZoneId,
    alarms,
    shifts: resource ? shiftsOf(resource, group) : [],
    decision,
    reason,
    problems,
  };
}

/** Whether an ARN names the function (unqualified, or a version or alias of it). */
function isFunction(arn: string, functionArn: string): boolean {
  return arn === functionArn || arn.startsWith(`${functionArn}:`);
}

/** Why an isolated-impact alarm would not invoke the function on ALARM, or undefined. */
function actionProblem(alarm: AlarmState, functionArn: string): string | undefined {
  const later = 'only the reconcile schedule would act, up to a reconcile interval later';
  if (alarm.actions === undefined) {
    return undefined;
  }
  if (!alarm.actions.enabled) {
    return `alarm ${alarm.name} has its actions disabled (ActionsEnabled false): ${later}`;
  }
  if (!alarm.actions.onAlarm.some((action) => isFunction(action, functionArn))) {
    return `alarm ${alarm.name} does not invoke this function on ALARM: ${later}`;
  }
  return undefined;
}

/** Why a drill must not run, or who asked for it. */
async function authorize(event: Record<string, unknown>, config: HandlerConfig, deps: DrillDeps, functionArn: string | undefined): Promise<{ refused: string } | { caller: CallerIdentity; functionArn: string }> {
  if (config.drillRoles.length === 0) {
    return { refused: config.drillProblem
      ? `no usable drill roles: ${config.drillProblem}`
      : 'no drill roles are configured: pass drillRoles to the ZonalShiftResponder (or AzIndependentService) to allow drills' };
  }
  if (!functionArn) {
    return { refused: "the invocation does not name the function's ARN, so the identity proof cannot be checked" };
  }
  const identity = event.identity;
  const query = typeof identity === 'object' && identity !== null ? (identity as Record<string, unknown>).query : undefined;
  let caller: CallerIdentity;
  try {
    caller = await deps.identity.callerIdentity(query as Record<string, string>, functionArn, deps.runtime.now().getTime());
  } catch (err) {
    return { refused: err instanceof IdentityProofError ? err.message : `the identity proof could not be checked: ${describeError(err)}` };
  }
  if (!isAllowedCaller(caller.arn, config.drillRoles)) {
    return { refused: `${caller.arn} is not one of the drill roles (${config.drillRoles.join(', ')})` };
  }
  return { caller, functionArn };
}

/**
 * Runs a drill: checks who asked, then for every zone reads what the incident path reads and
 * decides as it would, writing nothing. Logs one line per zone, or one line for a refusal.
 */
export async function runDrill(event: unknown, config: HandlerConfig, deps: DrillDeps, options: DrillOptions = {}): Promise<DrillReport> {
  const functionArn = options.functionArn ? unqualifiedArn(options.functionArn) : undefined;
  const asked = await authorize(event as Record<string, unknown>, config, deps, functionArn);
  if ('refused' in asked) {
    log(deps, { level: 'WARN', message: 'drill refused', drill: true, reason: asked.refused });
    return { drill: true, ready: false, refused: asked.refused, functionArn, dryRun: config.dryRun, problems: [], zones: [] };
  }
  const problems: string[] = [];
  if (config.groups.length === 0) {
    problems.push('the function answers for no zone: no isolated-impact alarm is wired with its options (respondTo(alarm, options) or respondToZonalAlarms)');
  }
  if (config.drillProblem) {
    problems.push(config.drillProblem);
  }
  const resources = new Map<string, Promise<ManagedResource>>();
  const zones: DrillZone[] = [];
  const zoneBudgetMs = worstCallMs(ARC_RETRY) + worstCallMs(CLOUDWATCH_RETRY) + INVOCATION_MARGIN_MS;
  for (const group of config.groups) {
    let zone: DrillZone;
    if (options.remainingMs && options.remainingMs() < zoneBudgetMs) {
      zone = {
        loadBalancerArn: group.loadBalancerArn,
        availabilityZone: group.availabilityZone,
        availabilityZoneId: group.availabilityZoneId,
        alarms: [],
        shifts: [],
        decision: 'unknown',
        reason: 'not drilled',
        problems: ['the invocation ran out of time before this zone was drilled (too many zones for one drill; wire fewer per responder)'],
      };
    } else {
      zone = await drillZone(group, config, deps, resources, asked.functionArn);
    }
    log(deps, { level: zone.problems.length === 0 ? 'INFO' : 'WARN', message: 'drill', drill: true, caller: asked.caller.arn, ...zone });
    zones.push(zone);
  }
  return {
    drill: true,
    ready: problems.length === 0 && zones.every((zone) => zone.problems.length === 0),
    functionArn,
    caller: asked.caller.arn,
    dryRun: config.dryRun,
    problems,
    zones,
  };
}
