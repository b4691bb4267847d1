/**
 * One invocation as a short sequence of steps:
 *   parse the event once -> look the alarm up in the allow-list -> read (GetManagedResource, then
 *   one DescribeAlarms of every alarm the decision needs, so the alarm read is the re-check right
 *   before the write) -> decide (pure, `rules.ts`) -> write, re-deciding once on a lost race.
 */
import { ARC_RETRY, MAX_ROUNDS, RetryPolicy, worstDecisionMs } from './budget';
import { logDecision } from './decision-log';
import { ArcError, classifyArcError, classifySdkError, describeError } from './errors';
import { Trigger, parseEvent } from './event';
import { Plan, decideZone } from './rules';
import { Decision, HandlerConfig, HandlerDeps, ZoneGroup } from './types';

/** Options of {@link handleEvent}. */
export interface HandleOptions {
  /** Backoff of ARC calls. */
  readonly retry?: RetryPolicy;
  /** Milliseconds left in the invocation (Lambda's `getRemainingTimeInMillis`). */
  readonly remainingMs?: () => number;
}

/** Which zones an invocation decides for, or why none. */
type Targets = { readonly groups: ZoneGroup[]; readonly context: Partial<Decision> } | { readonly refusal: Decision };

const ARN_PARTS = /^arn:([^:]+):[^:]+:([^:]*):([^:]*):/;

/** Step 2: the allow-list. Only alarms the construct wired to the function name a zone. */
export function lookUp(trigger: Trigger, config: HandlerConfig): Targets {
  if (trigger.kind === 'malformed') {
    return { refusal: { decision: 'refused', reason: `not a CloudWatch alarm event: ${trigger.reason}` } };
  }
  if (trigger.kind === 'reconcile') {
    return { groups: config.groups, context: { trigger: 'reconcile' } };
  }
  const context: Partial<Decision> = { trigger: trigger.alarmName, alarmArn: trigger.alarmArn };
  const group = config.groups.find((candidate) => candidate.wired.some((wired) => wired.name === trigger.alarmName));
  if (!group) {
    return { refusal: { ...context, decision: 'refused', reason: 'the alarm is not one of the isolated-impact alarms wired to this function' } };
  }
  const [, partition, region, account] = ARN_PARTS.exec(group.loadBalancerArn) ?? [];
  if (trigger.partition !== partition || trigger.region !== region || trigger.account !== account) {
    return { refusal: { ...context, decision: 'refused', reason: `the alarm is in ${trigger.partition}/${trigger.account}/${trigger.region}, the load balancer in ${partition}/${account}/${region}` } };
  }
  return { groups: [group], context };
}

/** Raised inside a round when a write lost a race: read and decide again. */
const AGAIN = Symbol('again');

class ZoneSteps {
  constructor(
    private readonly config: HandlerConfig,
    private readonly deps: HandlerDeps,
    private readonly retry: RetryPolicy,
  ) {}

  /** Steps 3-5 for one zone, at most {@link MAX_ROUNDS} rounds. */
  async run(group: ZoneGroup, context: Partial<Decision>): Promise<Decision> {
    const base: Partial<Decision> = {
      ...context,
      loadBalancerArn: group.loadBalancerArn,
      availabilityZone: group.availabilityZone,
      availabilityZoneId: group.availabilityZoneId,
    };
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const resource = await this.retried(() => this.deps.shifts.getManagedResource(group.loadBalancerArn));
      const alarms = await this.deps.alarms.describeAlarms(group.alarmNames);
      const plan = decideZone({ config: this.config, group, alarms, resource, now: this.deps.runtime.now() });
      const outcome = await this.write(plan, group);
      if (outcome !== AGAIN) {
        return { ...base, ...outcome };
      }
    }
    return { ...base, decision: 'refused', reason: `zonal shifts kept changing under us for ${MAX_ROUNDS} rounds` };
  }

  /** Step 5: at most one write, with what a lost race means for each kind of write. */
  private async write(plan: Plan, group: ZoneGroup): Promise<Pick<Decision, 'decision' | 'reason' | 'zonalShiftId' | 'supersedes' | 'wouldHave'> | typeof AGAIN> {
    const about = { reason: plan.reason, zonalShiftId: plan.zonalShiftId, supersedes: plan.supersedes };
    switch (plan.action) {
      case 'none':
        return { ...about, decision: 'nothing-to-do' };
      case 'refuse':
        return { ...about, decision: 'refused' };
    }
    const done = ({ start: 'started', extend: 'extended', cancel: 'cancelled' } as const)[plan.action];
    if (this.config.dryRun) {
      return { ...about, decision: 'dry-run', wouldHave: done };
    }
    try {
      switch (plan.action) {
        case 'start': {
          const started = await this.retried(() => this.deps.shifts.startZonalShift({
            resourceIdentifier: group.loadBalancerArn,
            awayFrom: group.availabilityZoneId,
            expiresIn: this.config.shiftExpiresIn,
            comment: group.comment,
          }));
          return { ...about, decision: done, zonalShiftId: started.zonalShiftId, reason: `${plan.reason}; shift for ${this.config.shiftExpiresIn}` };
        }
        case 'extend':
          await this.retried(() => this.deps.shifts.updateZonalShift(plan.zonalShiftId!, { expiresIn: this.config.shiftExpiresIn }));
          return { ...about, decision: done, reason: `${plan.reason}; our shift now expires in ${this.config.shiftExpiresIn}` };
        case 'cancel':
          await this.retried(() => this.deps.shifts.cancelZonalShift(plan.zonalShiftId!));
          return { ...about, decision: done };
      }
    } catch (err) {
      const kind = classifyArcError(err);
      if (plan.action === 'cancel' && (kind === 'not-active' || kind === 'not-found')) {
        return { ...about, decision: 'nothing-to-do', reason: 'our zonal shift ended before we cancelled it' };
      }
      if (kind === 'conflict' || (plan.action === 'extend' && (kind === 'not-active' || kind === 'not-found'))) {
        return AGAIN;
      }
      throw err;
    }
  }

  private retried<T>(call: () => Promise<T>): Promise<T> {
    return retryArc(call, this.retry, this.deps.runtime);
  }
}

/** Runs an ARC call, backing off (full jitter) on throttling, server and network errors. */
export async function retryArc<T>(call: () => Promise<T>, retry: RetryPolicy, runtime: HandlerDeps['runtime']): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (classifyArcError(err) !== 'retryable' || attempt >= retry.attempts) {
        throw err;
      }
      const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
      await runtime.sleep(Math.floor(runtime.random() * ceiling));
    }
  }
}

function isRetryable(err: unknown): boolean {
  return (err instanceof ArcError ? classifyArcError(err) : classifySdkError(err)) === 'retryable';
}

/**
 * Decides and acts on one invocation. Logs one decision line per zone decided (one for an alarm
 * event, one per wired zone for a reconcile) and returns them. Throws only for throttling, server
 * and network errors that outlast the retries, so Lambda's asynchronous retry takes over (after
 * the other zones of a reconcile are decided).
 */
export async function handleEvent(event: unknown, config: HandlerConfig, deps: HandlerDeps, options: HandleOptions = {}): Promise<Decision[]> {
  const targets = lookUp(parseEvent(event), config);
  if ('refusal' in targets) {
    logDecision(deps.logger, config.metricsNamespace, targets.refusal, deps.runtime.now());
    return [targets.refusal];
  }
  const steps = new ZoneSteps(config, deps, options.retry ?? ARC_RETRY);
  const decisions: Decision[] = [];
  let transient: unknown;
  for (const [index, group] of targets.groups.entries()) {
    let decision: Decision;
    if (index > 0 && options.remainingMs && options.remainingMs() < worstDecisionMs()) {
      decision = { ...targets.context, loadBalancerArn: group.loadBalancerArn, availabilityZone: group.availabilityZone, decision: 'nothing-to-do', reason: 'not enough time left in this invocation; the next reconcile decides this zone' };
    } else {
      try {
        decision = await steps.run(group, targets.context);
      } catch (err) {
        if (isRetryable(err)) {
          deps.logger.log(JSON.stringify({
            level: 'ERROR',
            message: 'transient AWS error; leaving the event to Lambda retry',
            error: describeError(err),
            trigger: targets.context.trigger,
            availabilityZone: group.availabilityZone,
          }));
          transient = transient ?? err;
          continue;
        }
        decision = { ...targets.context, loadBalancerArn: group.loadBalancerArn, availabilityZone: group.availabilityZone, decision: 'refused', reason: `AWS error: ${describeError(err)}` };
      }
    }
    logDecision(deps.logger, config.metricsNamespace, decision, deps.runtime.now());
    decisions.push(decision);
  }
  if (transient !== undefined) {
    throw transient;
  }
  return decisions;
}

/** Logs the refusal for a configuration that cannot be read. */
export function refuseForConfiguration(error: string, namespace: string, deps: Pick<HandlerDeps, 'logger' | 'runtime'>): Decision {
  const decision: Decision = { decision: 'refused', reason: `invalid configuration: ${error}` };
  logDecision(deps.logger, namespace, decision, deps.runtime.now());
  return decision;
}
