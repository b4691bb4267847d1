import { AlarmStateValue, alarmNameFromReference, parseAlarmRule, positiveAlarmReferences } from './alarm-rule';
import { logDecision } from './decision-log';
import { classifyArcError, classifySdkError, describeError, ArcError } from './errors';
import { AlarmDefinition, Decision, HandlerConfig, HandlerDeps, Runtime, SHIFT_TYPE, SupersededShift, ZonalShift } from './types';

/** Every comment this automation writes starts with this marker; only customer shifts carrying it are extended or cancelled. */
export const COMMENT_MARKER = 'cdk-azi:';
/** ARC's limit on a zonal shift comment. */
export const MAX_COMMENT_LENGTH = 128;

const MAX_LIST_PAGES = 10;
const MAX_CONFLICT_ROUNDS = 3;
const MAX_RULE_DEPTH = 8;
const MAX_ALARMS = 500;

/** Backoff for throttling and server errors of ARC: full jitter, bounded attempts. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Default backoff: 4 attempts, 200 ms base, 2 s cap. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 200, maxDelayMs: 2000 };

/** The comment of a shift started for `alarmName`: marker first, alarm name truncated to fit 128. */
export function shiftComment(alarmName: string): string {
  const prefix = `${COMMENT_MARKER} alarm `;
  let out = prefix;
  for (const char of alarmName) {
    if (out.length + char.length > MAX_COMMENT_LENGTH) {
      break;
    }
    out += char;
  }
  return out;
}

/**
 * How an active shift bears on our decision, from its `shiftType`:
 * - `customer`: a customer shift (`ZONAL_SHIFT`, or no type in older responses): ours or a person's;
 * - `superseded`: a practice run or FIS experiment, which a customer shift interrupts;
 * - `autoshift`: AWS shifted away from an AZ it sees as impaired;
 * - `unknown`: a type this code does not know; treated like a person's customer shift.
 */
export type ShiftRole = 'customer' | 'superseded' | 'autoshift' | 'unknown';

/** The {@link ShiftRole} of an active shift. */
export function shiftRole(shift: ZonalShift): ShiftRole {
  const type: unknown = shift.shiftType;
  if (type === undefined || type === null || type === SHIFT_TYPE.CUSTOMER) {
    return 'customer';
  }
  if (type === SHIFT_TYPE.PRACTICE_RUN || type === SHIFT_TYPE.FIS_EXPERIMENT) {
    return 'superseded';
  }
  return type === SHIFT_TYPE.AUTOSHIFT ? 'autoshift' : 'unknown';
}

/** Whether this automation started the shift: a customer shift whose comment carries our marker. */
export function isOwnShift(shift: ZonalShift): boolean {
  return shiftRole(shift) === 'customer' && typeof shift.comment === 'string' && shift.comment.startsWith(COMMENT_MARKER);
}

function typeName(shift: ZonalShift): string {
  return shift.shiftType === undefined || shift.shiftType === null ? SHIFT_TYPE.CUSTOMER : String(shift.shiftType);
}

/** Why an active shift away from another AZ stops us, or undefined when it does not. */
function refusalFor(shift: ZonalShift, availabilityZoneId: string): string | undefined {
  if (shift.awayFrom === availabilityZoneId) {
    return undefined;
  }
  switch (shiftRole(shift)) {
    case 'customer':
      return `a zonal shift away from ${shift.awayFrom} is already active on this load balancer; impact in two AZs is regional`;
    case 'autoshift':
      return `AWS zonal autoshift is moving traffic away from ${shift.awayFrom}; AWS sees trouble in another AZ, so this is regional and left to people`;
    case 'unknown':
      return `a zonal shift of unknown type ${typeName(shift)} away from ${shift.awayFrom} is active; treated as a customer shift: impact in two AZs is regional`;
    default:
      return undefined;
  }
}

/** Active shifts our customer shift away from `availabilityZoneId` takes precedence over. */
function supersededBy(active: ZonalShift[], availabilityZoneId: string): SupersededShift[] {
  return active
    .filter((shift) => shiftRole(shift) === 'superseded' || (shiftRole(shift) === 'autoshift' && shift.awayFrom === availabilityZoneId))
    .map((shift) => ({ zonalShiftId: shift.zonalShiftId, shiftType: typeName(shift) }));
}

function withSupersedes(decision: Decision, supersedes: SupersededShift[]): Decision {
  if (supersedes.length === 0) {
    return decision;
  }
  const types = [...new Set(supersedes.map((shift) => shift.shiftType))].join(', ');
  return { ...decision, reason: `${decision.reason}; takes precedence over the active ${types}`, supersedes };
}

interface AlarmEvent {
  alarmArn: string;
  alarmName: string;
  partition: string;
  region: string;
  account: string;
  state: AlarmStateValue;
}

const ALARM_ARN = /^arn:(aws[a-z-]*):cloudwatch:([a-z0-9-]+):(\d{12}):alarm:(.+)$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a CloudWatch alarm-action event; returns a refusal reason when it is not one. */
export function parseAlarmEvent(event: unknown): AlarmEvent | string {
  if (!isRecord(event)) {
    return 'event is not an object';
  }
  if (event.source !== 'aws.cloudwatch') {
    return 'event source is not aws.cloudwatch';
  }
  if (typeof event.alarmArn !== 'string') {
    return 'event has no alarmArn';
  }
  const arn = ALARM_ARN.exec(event.alarmArn);
  if (!arn) {
    return 'alarmArn is not a CloudWatch alarm ARN';
  }
  const [, partition, region, account, arnName] = arn;
  if (event.region !== region || event.accountId !== account) {
    return 'event region or accountId does not match alarmArn';
  }
  const data = event.alarmData;
  if (!isRecord(data) || data.alarmName !== arnName) {
    return 'alarmData.alarmName does not match alarmArn';
  }
  const state = isRecord(data.state) ? data.state.value : undefined;
  if (state !== 'ALARM' && state !== 'OK' && state !== 'INSUFFICIENT_DATA') {
    return 'alarmData.state.value is not an alarm state';
  }
  return { alarmArn: event.alarmArn, alarmName: arnName, partition, region, account, state };
}

interface AlarmTree {
  metricAlarms: AlarmDefinition[];
  alarmingDescendants: AlarmDefinition[];
}

/**
 * Follows the positively referenced children of a composite alarm down to metric alarms, one
 * DescribeAlarms round per level. With `onlyAlarming`, children not in ALARM are not followed.
 */
async function walkAlarmTree(root: AlarmDefinition, onlyAlarming: boolean, deps: HandlerDeps): Promise<AlarmTree | string> {
  if (root.type === 'metric') {
    return { metricAlarms: [root], alarmingDescendants: [] };
  }
  const tree: AlarmTree = { metricAlarms: [], alarmingDescendants: [] };
  const seen = new Set<string>([root.name]);
  let composites = [root];
  for (let depth = 0; depth < MAX_RULE_DEPTH; depth++) {
    const names: string[] = [];
    for (const composite of composites) {
      let refs: string[];
      try {
        refs = positiveAlarmReferences(parseAlarmRule(composite.rule ?? ''));
      } catch (err) {
        return `rule of composite alarm ${composite.name} cannot be read: ${(err as Error).message}`;
      }
      for (const name of refs.map(alarmNameFromReference)) {
        if (!seen.has(name)) {
          seen.add(name);
          names.push(name);
        }
      }
    }
    if (names.length === 0) {
      return tree;
    }
    if (seen.size > MAX_ALARMS) {
      return `composite alarm ${root.name} references more than ${MAX_ALARMS} alarms`;
    }
    composites = [];
    for (const child of await deps.alarms.describeAlarms(names)) {
      if (!seen.has(child.name)) {
        continue;
      }
      if (child.state === 'ALARM') {
        tree.alarmingDescendants.push(child);
      } else if (onlyAlarming) {
        continue;
      }
      if (child.type === 'composite') {
        composites.push(child);
      } else {
        tree.metricAlarms.push(child);
      }
    }
  }
  return `composite alarm ${root.name} nests deeper than ${MAX_RULE_DEPTH} levels`;
}

interface Target {
  loadBalancerArn: string;
  availabilityZone: string;
  availabilityZoneId: string;
}

function distinctDimension(alarms: AlarmDefinition[], name: string): string[] {
  const values = new Set<string>();
  for (const alarm of alarms) {
    for (const set of alarm.dimensionSets) {
      if (Object.prototype.hasOwnProperty.call(set, name) && set[name]) {
        values.add(set[name]);
      }
    }
  }
  return [...values].sort();
}

function resolveTarget(alarms: AlarmDefinition[], event: AlarmEvent, config: HandlerConfig, out: Decision): Target | string {
  const loadBalancers = distinctDimension(alarms, 'LoadBalancer');
  const zones = distinctDimension(alarms, 'AvailabilityZone');
  if (loadBalancers.length !== 1) {
    return `expected exactly one LoadBalancer dimension, found ${loadBalancers.length}${loadBalancers.length ? ` (${loadBalancers.join(', ')})` : ''}`;
  }
  const loadBalancerArn = `arn:${event.partition}:elasticloadbalancing:${event.region}:${event.account}:loadbalancer/${loadBalancers[0]}`;
  out.loadBalancerArn = loadBalancerArn;
  if (zones.length !== 1) {
    return `expected exactly one AvailabilityZone dimension, found ${zones.length}${zones.length ? ` (${zones.join(', ')})` : ''}`;
  }
  const availabilityZone = zones[0];
  out.availabilityZone = availabilityZone;
  if (!config.managedLoadBalancerArns.includes(loadBalancerArn)) {
    return 'load balancer is not one this function manages';
  }
  if (!Object.prototype.hasOwnProperty.call(config.azIdMap, availabilityZone)) {
    return `availability zone ${availabilityZone} is not in the AZ ID map`;
  }
  const availabilityZoneId = config.azIdMap[availabilityZone];
  out.availabilityZoneId = availabilityZoneId;
  return { loadBalancerArn, availabilityZone, availabilityZoneId };
}

async function withRetries<T>(call: () => Promise<T>, runtime: Runtime, policy: RetryPolicy): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (classifyArcError(err) !== 'retryable' || attempt >= policy.attempts) {
        throw err;
      }
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await runtime.sleep(Math.floor(runtime.random() * ceiling));
    }
  }
}

class ShiftSteps {
  constructor(
    private readonly config: HandlerConfig,
    private readonly deps: HandlerDeps,
    private readonly retry: RetryPolicy,
  ) {}

  /** Active shifts on the load balancer, every page (bounded), or a refusal reason. */
  async activeShifts(loadBalancerArn: string): Promise<ZonalShift[] | string> {
    const out: ZonalShift[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const result = await this.retried(() => this.deps.shifts.listActiveZonalShifts(loadBalancerArn, nextToken));
      out.push(...result.items.filter((shift) => shift.resourceIdentifier === loadBalancerArn
        && (shift.status === undefined || shift.status === 'ACTIVE')));
      nextToken = result.nextToken;
      if (!nextToken) {
        return out;
      }
    }
    return `ListZonalShifts returned more than ${MAX_LIST_PAGES} pages`;
  }

  async onAlarm(event: AlarmEvent, target: Target, out: Decision): Promise<Decision> {
    for (let round = 0; round < MAX_CONFLICT_ROUNDS; round++) {
      const active = await this.activeShifts(target.loadBalancerArn);
      if (typeof active === 'string') {
        return { ...out, decision: 'refused', reason: active };
      }
      for (const shift of active) {
        const refusal = refusalFor(shift, target.availabilityZoneId);
        if (refusal) {
          return { ...out, decision: 'refused', reason: refusal, zonalShiftId: shift.zonalShiftId };
        }
      }
      // Practice runs, FIS experiments and an autoshift away from this AZ yield to a customer
      // shift; customer shifts (and unknown types, to be safe) away from this AZ do not.
      const supersedes = supersededBy(active, target.availabilityZoneId);
      const blocking = active.filter((shift) => shift.awayFrom === target.availabilityZoneId
        && (shiftRole(shift) === 'customer' || shiftRole(shift) === 'unknown'));
      if (blocking.length > 0) {
        const own = blocking.find(isOwnShift);
        if (!own) {
          const other = blocking[0];
          return {
            ...out,
            decision: 'nothing-to-do',
            reason: shiftRole(other) === 'unknown'
              ? `a zonal shift of unknown type ${typeName(other)} away from this AZ is active; treated as a person's shift and left alone`
              : 'a zonal shift away from this AZ that this automation did not start is already active',
            zonalShiftId: other.zonalShiftId,
          };
        }
        if (this.config.dryRun) {
          return withSupersedes({ ...out, decision: 'dry-run', wouldHave: 'extended', reason: `would extend our zonal shift by ${this.config.shiftExpiresIn}`, zonalShiftId: own.zonalShiftId }, supersedes);
        }
        const updated = await this.conflictAware(() => this.deps.shifts.updateZonalShift(own.zonalShiftId, {
          expiresIn: this.config.shiftExpiresIn,
          comment: own.comment,
        }), true);
        if (updated) {
          return withSupersedes({ ...out, decision: 'extended', reason: `our zonal shift now expires in ${this.config.shiftExpiresIn}`, zonalShiftId: own.zonalShiftId }, supersedes);
        }
        continue;
      }
      const request = {
        resourceIdentifier: target.loadBalancerArn,
        awayFrom: target.availabilityZoneId,
        expiresIn: this.config.shiftExpiresIn,
        comment: shiftComment(event.alarmName),
      };
      if (this.config.dryRun) {
        return withSupersedes({ ...out, decision: 'dry-run', wouldHave: 'started', reason: `would start a zonal shift for ${request.expiresIn}` }, supersedes);
      }
      const started = await this.conflictAware(() => this.deps.shifts.startZonalShift(request), false);
      if (started) {
        return withSupersedes({ ...out, decision: 'started', reason: `zonal shift started for ${request.expiresIn}`, zonalShiftId: started.zonalShiftId }, supersedes);
      }
    }
    return { ...out, decision: 'refused', reason: `zonal shifts kept changing under us for ${MAX_CONFLICT_ROUNDS} attempts` };
  }

  async onRecovery(target: Target, out: Decision): Promise<Decision> {
    for (let round = 0; round < MAX_CONFLICT_ROUNDS; round++) {
      const active = await this.activeShifts(target.loadBalancerArn);
      if (typeof active === 'string') {
        return { ...out, decision: 'refused', reason: active };
      }
      const here = active.filter((shift) => shift.awayFrom === target.availabilityZoneId);
      if (here.length === 0) {
        return { ...out, decision: 'nothing-to-do', reason: 'no active zonal shift away from this AZ' };
      }
      const own = here.find(isOwnShift);
      if (!own) {
        return {
          ...out,
          decision: 'nothing-to-do',
          reason: `the active zonal shift away from this AZ (${typeName(here[0])}) was not started by this automation; left in place`,
          zonalShiftId: here[0].zonalShiftId,
        };
      }
      if (this.config.dryRun) {
        return { ...out, decision: 'dry-run', wouldHave: 'cancelled', reason: 'would cancel our zonal shift: the AZ has recovered', zonalShiftId: own.zonalShiftId };
      }
      try {
        await this.retried(() => this.deps.shifts.cancelZonalShift(own.zonalShiftId));
        return { ...out, decision: 'cancelled', reason: 'the AZ has recovered', zonalShiftId: own.zonalShiftId };
      } catch (err) {
        const kind = classifyArcError(err);
        if (kind === 'not-found') {
          return { ...out, decision: 'nothing-to-do', reason: 'our zonal shift ended before we cancelled it', zonalShiftId: own.zonalShiftId };
        }
        if (kind !== 'conflict') {
          throw err;
        }
      }
    }
    return { ...out, decision: 'refused', reason: `zonal shifts kept changing under us for ${MAX_CONFLICT_ROUNDS} attempts` };
  }

  /** Runs a write; returns undefined when it lost a race (409, or 404 for a vanished shift). */
  private async conflictAware(call: () => Promise<ZonalShift>, notFoundIsConflict: boolean): Promise<ZonalShift | undefined> {
    try {
      return await this.retried(call);
    } catch (err) {
      const kind = classifyArcError(err);
      if (kind === 'conflict' || (notFoundIsConflict && kind === 'not-found')) {
        return undefined;
      }
      throw err;
    }
  }

  private retried<T>(call: () => Promise<T>): Promise<T> {
    return withRetries(call, this.deps.runtime, this.retry);
  }
}

async function decide(event: unknown, config: HandlerConfig, deps: HandlerDeps, retry: RetryPolicy, out: Decision): Promise<Decision> {
  const parsed = parseAlarmEvent(event);
  if (typeof parsed === 'string') {
    return { ...out, decision: 'refused', reason: `not a CloudWatch alarm event: ${parsed}` };
  }
  out.alarmName = parsed.alarmName;
  out.alarmArn = parsed.alarmArn;
  if (parsed.state === 'INSUFFICIENT_DATA') {
    return { ...out, decision: 'nothing-to-do', reason: 'transition to INSUFFICIENT_DATA' };
  }
  if (parsed.state === 'OK' && !config.endShiftOnRecovery) {
    return { ...out, decision: 'nothing-to-do', reason: 'transition to OK; ending shifts on recovery is off' };
  }
  const root = (await deps.alarms.describeAlarms([parsed.alarmName])).find((alarm) => alarm.name === parsed.alarmName);
  if (!root) {
    return { ...out, decision: 'refused', reason: 'DescribeAlarms does not know the alarm' };
  }
  if (root.state !== parsed.state) {
    return { ...out, decision: 'nothing-to-do', reason: `the alarm is now ${root.state}, not ${parsed.state}` };
  }
  const tree = await walkAlarmTree(root, parsed.state === 'ALARM', deps);
  if (typeof tree === 'string') {
    return { ...out, decision: 'refused', reason: tree };
  }
  const target = resolveTarget(tree.metricAlarms, parsed, config, out);
  if (typeof target === 'string') {
    return { ...out, decision: 'refused', reason: target };
  }
  const steps = new ShiftSteps(config, deps, retry);
  if (parsed.state === 'ALARM') {
    return steps.onAlarm(parsed, target, out);
  }
  if (tree.alarmingDescendants.length > 0) {
    const names = tree.alarmingDescendants.map((alarm) => alarm.name).slice(0, 5).join(', ');
    return { ...out, decision: 'nothing-to-do', reason: `the AZ's impairment has not cleared: still in ALARM: ${names}` };
  }
  return steps.onRecovery(target, out);
}

/**
 * Decides and acts on one alarm event, logs exactly one decision line and returns it.
 * Throws only for throttling, server and network errors, so Lambda's asynchronous retry takes over.
 */
export async function handleAlarmEvent(
  event: unknown,
  config: HandlerConfig,
  deps: HandlerDeps,
  retry: RetryPolicy = DEFAULT_RETRY,
): Promise<Decision> {
  const out: Decision = { decision: 'refused', reason: '' };
  let decision: Decision;
  try {
    decision = await decide(event, config, deps, retry, out);
  } catch (err) {
    const kind = err instanceof ArcError ? classifyArcError(err) : classifySdkError(err);
    if (kind === 'retryable') {
      deps.logger.log(JSON.stringify({
        level: 'ERROR',
        message: 'transient AWS error; leaving the event to Lambda retry',
        error: describeError(err),
        alarmName: out.alarmName,
        alarmArn: out.alarmArn,
      }));
      throw err;
    }
    decision = { ...out, decision: 'refused', reason: `AWS error: ${describeError(err)}` };
  }
  logDecision(deps.logger, config.metricsNamespace, decision, deps.runtime.now());
  return decision;
}

/** Logs the refusal for a configuration that cannot be read. */
export function refuseForConfiguration(error: string, namespace: string, deps: Pick<HandlerDeps, 'logger' | 'runtime'>): Decision {
  const decision: Decision = { decision: 'refused', reason: `invalid configuration: ${error}` };
  logDecision(deps.logger, namespace, decision, deps.runtime.now());
  return decision;
}
