import { AlarmEngine, Transition } from './alarms';
import { AlarmDef, GamedayStack } from './assembly';
import { ZonalDeploymentModel } from './deployment';
import { LocalAws, ZonalShiftRecord } from './local-aws';
import { MetricStore } from './metrics';
import { FunctionRunner } from './responder';
import { Scenario, eventActive } from './scenarios';
import { STEP, TrafficModel, TrafficSample } from './traffic';

/** Seconds of healthy traffic before the scenario starts, so every alarm has history. */
export const WARM_UP_SECONDS = 900;
/** Regional availability below this is a customer-visible error minute. */
export const AVAILABILITY_TARGET = 0.999;
/** Lambda retries a failed asynchronous invocation twice, about 1 and 2 minutes later. */
const RETRY_DELAYS = [60, 120];

/** One line of the timeline. */
export interface TimelineEntry {
  /** Seconds since the start. */
  readonly t: number;
  readonly kind: 'onset' | 'recovery' | 'deployment' | 'alarm' | 'invoke' | 'decision' | 'shift-started' | 'shift-extended' | 'shift-ended' | 'error' | 'note';
  readonly text: string;
  readonly az?: string;
}

/** A period of a zonal shift or an alarm, for the chart. */
export interface Span {
  readonly az: string;
  readonly start: number;
  readonly end: number;
  readonly label: string;
}

/** The verdict of a run. */
export interface Verdict {
  /** Seconds from the first onset to the first alarm in ALARM; undefined if none fired. */
  readonly timeToDetect?: number;
  /** Seconds from the first onset until regional availability is back at the target while the failure goes on; undefined if never. */
  readonly timeToMitigate?: number;
  /** How mitigation came: a shift, the failure ending, or none needed. */
  readonly mitigatedBy: 'zonal shift' | 'failure ended' | 'not needed' | 'never';
  /** Minutes with regional availability below 99.9 %. */
  readonly errorMinutes: number;
  /** Failed requests at the regional endpoint. */
  readonly failedRequests: number;
  readonly shiftsStarted: number;
  readonly wrongActions: string[];
  /** How the scenario's deployment ended, if it has one. */
  readonly deployment?: string;
}

/** The whole result of a run. */
export interface GamedayResult {
  readonly stack: string;
  readonly scenario: Scenario;
  readonly availabilityZones: string[];
  readonly timeline: TimelineEntry[];
  readonly verdict: Verdict;
  readonly shifts: Span[];
  readonly alarmSpans: Span[];
  /** Per minute: regional availability and each AZ's (customer side), for the chart. */
  readonly minutes: Array<{ readonly t: number; readonly regional: number; readonly az: number[]; readonly probe: number[] }>;
  readonly probeMetrics: number;
  readonly baseEpoch: number;
  /** Wall-clock milliseconds the run took. */
  readonly wallMs: number;
}

/** Options of a run. */
export interface RunOptions {
  /** Overrides the scenario's duration, seconds. */
  readonly durationSeconds?: number;
  /** Overrides the ALB metric delivery delay, seconds. */
  readonly albDelaySeconds?: number;
  /** Overrides the probe metric delivery delay, seconds. */
  readonly probeDelaySeconds?: number;
}

interface PendingInvocation {
  readonly at: number;
  readonly runner: FunctionRunner;
  readonly event: unknown;
  readonly why: string;
  readonly attempt: number;
}

function clock(baseEpoch: number, t: number): string {
  return new Date((baseEpoch + t) * 1000).toISOString().slice(11, 19);
}

/** Runs a scenario against a stack; the zonal-shift functions of the assembly take the actions. */
export async function runGameday(stack: GamedayStack, scenarioIn: Scenario, options: RunOptions = {}): Promise<GamedayResult> {
  const wallStart = Date.now();
  const scenario: Scenario = {
    ...scenarioIn,
    durationSeconds: options.durationSeconds ?? scenarioIn.durationSeconds,
    albDelaySeconds: options.albDelaySeconds ?? scenarioIn.albDelaySeconds,
    probeDelaySeconds: options.probeDelaySeconds ?? scenarioIn.probeDelaySeconds,
  };
  const zones = stack.availabilityZones;
  const deployment = scenario.deployment ? new ZonalDeploymentModel(scenario.deployment, stack.deployment, stack.availabilityZones) : undefined;
  const traffic = new TrafficModel(stack, scenario, deployment);
  for (const event of scenario.events) {
    const index = traffic.azIndex(event);
    if (index < 0 || index >= zones.length) {
      throw new Error(`scenario ${scenario.name}: AZ ${String(event.az)} is not one of the stack's AZs (${zones.join(', ')}; or 0..${zones.length - 1})`);
    }
  }
  const [hh, mm] = scenario.clockStart.split(':').map(Number);
  const baseEpoch = Date.UTC(2026, 0, 15, hh, mm, 0) / 1000;
  const store = new MetricStore();
  const engine = new AlarmEngine(stack.alarms, 'OK', -WARM_UP_SECONDS);
  let now = -WARM_UP_SECONDS;
  const aws = await LocalAws.start(stack, engine, () => now, baseEpoch);
  const timeline: TimelineEntry[] = [];
  const azOfId = new Map(Object.entries(stack.azIds).map(([name, id]) => [id, name]));
  const runners = new Map(stack.functions.map((fn) => [fn.logicalId, new FunctionRunner(fn, aws.endpoint, stack.region)]));
  const pending: PendingInvocation[] = [];
  const knownShifts = new Map<string, { expiry: number; status: string }>();
  const alarmOpen = new Map<string, number>();
  const alarmSpans: Span[] = [];
  const minutes: GamedayResult['minutes'] = [];
  const azOfAlarm = (alarm: AlarmDef): string | undefined => {
    const found = zones.filter((zone) => alarm.name.includes(zone));
    return found.length === 1 ? found[0] : undefined;
  };
  const add = (entry: TimelineEntry) => {
    if (entry.t >= 0) {
      timeline.push(entry);
    }
  };

  // Onsets and recoveries of the scenario, at step resolution.
  let prevImpaired = zones.map(() => false);

  try {
    let minuteAcc = { requests: 0, failed: 0, az: zones.map(() => [0, 0]), probe: zones.map(() => [0, 0]) };
    for (let t = -WARM_UP_SECONDS; t < scenario.durationSeconds; t += STEP) {
      now = t;
      // Scenario changes at this step.
      const impairedNow = zones.map((_z, az) => traffic.impaired(az, t) || traffic.conditions(t)[az].probeFailRate > 0);
      impairedNow.forEach((bad, az) => {
        if (bad !== prevImpaired[az] && t >= 0) {
          const labels = scenario.events.filter((e) => traffic.azIndex(e) === az && eventActive(e, t)).map((e) => `${e.label}${e.side === 'probe' ? ' (probes only)' : ''}`);
          if (deployment && deployment.share(az) > 0) {
            labels.push(`bad revision on ${Math.round(deployment.share(az) * 100)} % of its hosts`);
          }
          add({ t, kind: bad ? 'onset' : 'recovery', az: zones[az], text: bad ? `${zones[az]} impaired: ${labels.join('; ')}` : `${zones[az]} healthy again` });
        }
      });
      prevImpaired = impairedNow;

      const active = aws.active();
      const shiftedAway = zones.map((zone) => active !== undefined && azOfId.get(active.awayFrom) === zone);
      const sample = traffic.step(t, shiftedAway, store);
      if (t >= 0) {
        accumulate(minuteAcc, sample);
        if ((t + STEP) % 60 === 0) {
          minutes.push({
            t: t + STEP - 60,
            regional: minuteAcc.requests ? 1 - minuteAcc.failed / minuteAcc.requests : 1,
            az: minuteAcc.az.map(([req, failed]) => req > 0 ? 1 - failed / req : 1),
            probe: minuteAcc.probe.map(([n, failed]) => n > 0 ? 1 - failed / n : 1),
          });
          minuteAcc = { requests: 0, failed: 0, az: zones.map(() => [0, 0]), probe: zones.map(() => [0, 0]) };
        }
      }

      now = t + STEP;
      const transitions = engine.evaluate(store, now);
      for (const transition of transitions) {
        recordAlarm(transition);
        if (now <= 0) {
          continue;
        }
        for (const fnId of transition.alarm.actions[transition.to]) {
          const runner = runners.get(fnId);
          if (runner) {
            pending.push({ at: now, runner, event: alarmEvent(stack, transition, baseEpoch, (name) => engine.stateOf(name)), why: `${transition.alarm.name} ${transition.to}`, attempt: 0 });
          }
        }
      }
      if (deployment) {
        for (const change of deployment.advance(now, (name) => engine.stateOf(name))) {
          add({ t: change.t, kind: 'deployment', az: change.az, text: change.text });
        }
      }
      if (now > 0) {
        for (const schedule of stack.schedules) {
          if (now % schedule.everySeconds === 0) {
            for (const target of schedule.targets) {
              const runner = runners.get(target.functionLogicalId);
              if (runner) {
                pending.push({ at: now, runner, event: target.input ?? scheduledEvent(stack, schedule.logicalId, baseEpoch + now), why: `schedule ${schedule.expression}`, attempt: 0 });
              }
            }
          }
        }
      }
      const due = pending.filter((p) => p.at <= now);
      for (const invocation of due) {
        pending.splice(pending.indexOf(invocation), 1);
        const callsBefore = aws.calls.length;
        const outcome = await invocation.runner.invoke(invocation.event, (baseEpoch + now) * 1000);
        const decision = summarize(outcome.result);
        if (outcome.error) {
          const retry = RETRY_DELAYS[invocation.attempt];
          add({ t: now, kind: 'error', text: `${invocation.runner.fn.logicalId} (${invocation.why}) failed: ${outcome.error}${retry !== undefined ? `; Lambda retries in ${retry}s` : '; retries exhausted'}` });
          if (retry !== undefined) {
            pending.push({ ...invocation, at: now + retry, attempt: invocation.attempt + 1 });
          }
        } else if (!(invocation.why.startsWith('schedule') && quiet(outcome.result))) {
          add({ t: now, kind: 'decision', text: `function on ${invocation.why}: ${decision}` });
        }
        for (const call of aws.calls.slice(callsBefore)) {
          if (call.status >= 400) {
            add({ t: now, kind: 'note', text: `${call.service} ${call.operation} answered ${call.status}: ${call.detail}` });
          }
        }
        noteShiftChanges(aws.shifts);
      }
      aws.expire();
      noteShiftChanges(aws.shifts);
    }
  } finally {
    await aws.close();
  }
  const end = scenario.durationSeconds;
  for (const [name, start] of alarmOpen) {
    const alarm = engine.alarm(name)!;
    const az = azOfAlarm(alarm);
    if (az) {
      alarmSpans.push({ az, start, end, label: name });
    }
  }
  const shifts: Span[] = aws.shifts.map((s) => ({
    az: azOfId.get(s.awayFrom) ?? s.awayFrom,
    start: s.startTime - baseEpoch,
    end: s.endTime !== undefined ? s.endTime - baseEpoch : end,
    label: s.zonalShiftId,
  }));
  const judged = judge(stack, scenario, traffic, timeline, shifts, aws.shifts, baseEpoch, minutes);
  const verdict: Verdict = deployment ? { ...judged, deployment: deployment.outcome } : judged;
  return {
    stack: stack.stackName,
    scenario,
    availabilityZones: zones,
    timeline,
    verdict,
    shifts,
    alarmSpans,
    minutes,
    probeMetrics: traffic.probeMetricCount,
    baseEpoch,
    wallMs: Date.now() - wallStart,
  };

  function recordAlarm(transition: Transition): void {
    const { alarm } = transition;
    if (transition.to === 'ALARM') {
      alarmOpen.set(alarm.name, Math.max(0, transition.at));
    } else if (alarmOpen.has(alarm.name)) {
      const az = azOfAlarm(alarm);
      const start = alarmOpen.get(alarm.name)!;
      alarmOpen.delete(alarm.name);
      if (az && transition.at > 0) {
        alarmSpans.push({ az, start, end: transition.at, label: alarm.name });
      }
    }
    add({ t: transition.at, kind: 'alarm', az: azOfAlarm(alarm), text: `${alarm.name} ${transition.from} -> ${transition.to}` });
  }

  function noteShiftChanges(shifts: ZonalShiftRecord[]): void {
    for (const shift of shifts) {
      const known = knownShifts.get(shift.zonalShiftId);
      const az = azOfId.get(shift.awayFrom) ?? shift.awayFrom;
      if (!known) {
        add({ t: shift.startTime - baseEpoch, kind: 'shift-started', az, text: `zonal shift started away from ${az} (${shift.awayFrom}), expires in ${Math.round((shift.expiryTime - shift.startTime) / 60)} min` });
      } else if (known.status === 'ACTIVE' && shift.status === 'ACTIVE' && known.expiry !== shift.expiryTime) {
        add({ t: now, kind: 'shift-extended', az, text: `zonal shift away from ${az} extended to ${clock(baseEpoch, shift.expiryTime - baseEpoch)}` });
      } else if (known.status === 'ACTIVE' && shift.status !== 'ACTIVE') {
        add({ t: (shift.endTime ?? baseEpoch + now) - baseEpoch, kind: 'shift-ended', az, text: `zonal shift away from ${az} ${shift.status === 'CANCELED' ? 'cancelled' : 'expired'}` });
      }
      knownShifts.set(shift.zonalShiftId, { expiry: shift.expiryTime, status: shift.status });
    }
  }
}

function accumulate(acc: { requests: number; failed: number; az: number[][]; probe: number[][] }, sample: TrafficSample): void {
  acc.requests += sample.regionalRequests;
  acc.failed += sample.regionalFailed;
  sample.azRequests.forEach((req, az) => {
    acc.az[az][0] += req;
    acc.az[az][1] += sample.azFailed[az];
    acc.probe[az][0] += 1;
    acc.probe[az][1] += sample.probeFailRate[az];
  });
}

/** One line for what the function returned: its decision(s) and reason(s). */
export function summarize(result: unknown): string {
  if (Array.isArray(result)) {
    return result.length === 0 ? 'no decisions' : result.map(summarize).join('; ');
  }
  if (result && typeof result === 'object') {
    const r = result as Record<string, unknown>;
    if (typeof r.decision === 'string') {
      const zone = typeof r.availabilityZone === 'string' ? ` ${r.availabilityZone}` : '';
      return `${r.decision}${zone}${r.reason ? ` (${String(r.reason).slice(0, 300)})` : ''}`;
    }
    return JSON.stringify(result).slice(0, 300);
  }
  return result === undefined ? 'returned nothing' : String(result).slice(0, 300);
}

/** Whether a scheduled run changed nothing worth a timeline line: no result, or only nothing-to-do decisions. */
export function quiet(result: unknown): boolean {
  const decisions = Array.isArray(result) ? result : [result];
  return result === undefined || decisions.every((d) => d !== null && typeof d === 'object' && (d as Record<string, unknown>).decision === 'nothing-to-do');
}

/** The event CloudWatch sends a Lambda alarm action. */
export function alarmEvent(stack: GamedayStack, transition: Transition, baseEpoch: number, stateOf: (name: string) => string = () => 'OK'): Record<string, unknown> {
  const { alarm } = transition;
  const triggeringAlarms = alarm.type === 'composite'
    ? stack.alarms.filter((a) => alarm.children.includes(a.name) && stateOf(a.name) === 'ALARM').map((a) => ({ arn: a.arn, state: { value: 'ALARM', timestamp: new Date((baseEpoch + transition.at) * 1000).toISOString() } }))
    : [];
  const time = new Date((baseEpoch + transition.at) * 1000).toISOString();
  const configuration = alarm.type === 'composite'
    ? { alarmRule: alarm.rule, description: alarm.properties.AlarmDescription }
    : {
      description: alarm.properties.AlarmDescription,
      metrics: alarm.queries.map((q) => q.kind === 'stat'
        ? { id: q.id, metricStat: { metric: { namespace: q.metric.namespace, name: q.metric.metricName, dimensions: q.metric.dimensions }, period: q.period, stat: q.stat }, returnData: q.returnData }
        : { id: q.id, expression: q.expression, returnData: q.returnData }),
    };
  return {
    source: 'aws.cloudwatch',
    alarmArn: alarm.arn,
    accountId: stack.account,
    time,
    region: stack.region,
    alarmData: {
      alarmName: alarm.name,
      state: { value: transition.to, reason: transition.reason, reasonData: alarm.type === 'composite' ? JSON.stringify({ triggeringAlarms }) : '{}', timestamp: time },
      previousState: { value: transition.from, reason: '', timestamp: time },
      configuration,
    },
  };
}

function scheduledEvent(stack: GamedayStack, ruleId: string, epochSeconds: number): Record<string, unknown> {
  return {
    'version': '0',
    'id': `gameday-${epochSeconds}`,
    'detail-type': 'Scheduled Event',
    'source': 'aws.events',
    'account': stack.account,
    'time': new Date(epochSeconds * 1000).toISOString(),
    'region': stack.region,
    'resources': [`arn:${stack.partition}:events:${stack.region}:${stack.account}:rule/${ruleId}`],
    'detail': {},
  };
}

function judge(
  stack: GamedayStack,
  scenario: Scenario,
  traffic: TrafficModel,
  timeline: TimelineEntry[],
  shifts: Span[],
  records: ZonalShiftRecord[],
  baseEpoch: number,
  minutes: GamedayResult['minutes'],
): Verdict {
  const zones = stack.availabilityZones;
  const onset = timeline.find((e) => e.kind === 'onset');
  const wrongActions: string[] = [];
  const firstAlarm = onset ? timeline.find((e) => e.kind === 'alarm' && e.t >= onset.t && / -> ALARM$/.test(e.text)) : undefined;
  const timeToDetect = onset && firstAlarm ? firstAlarm.t - onset.t : undefined;

  let errorMinutes = 0;
  let failedRequests = 0;
  for (const sample of traffic.samples) {
    if (sample.t >= 0) {
      failedRequests += sample.regionalFailed;
    }
  }
  for (const minute of minutes) {
    if (minute.regional < AVAILABILITY_TARGET) {
      errorMinutes++;
    }
  }

  // Mitigation: after the first minute below target, the first minute back at target while some AZ still fails customers.
  let timeToMitigate: number | undefined;
  let mitigatedBy: Verdict['mitigatedBy'] = 'not needed';
  const firstBad = minutes.findIndex((m) => m.regional < AVAILABILITY_TARGET);
  if (onset && firstBad >= 0) {
    mitigatedBy = 'never';
    for (let i = firstBad + 1; i < minutes.length; i++) {
      if (minutes[i].regional >= AVAILABILITY_TARGET) {
        const t = minutes[i].t;
        const stillFailing = zones.some((_z, az) => traffic.impaired(az, t));
        timeToMitigate = t - onset.t;
        mitigatedBy = stillFailing ? 'zonal shift' : 'failure ended';
        break;
      }
    }
  }

  // Wrong actions.
  const impairedAzsAt = (t: number) => zones.filter((_z, az) => traffic.impaired(az, t));
  for (const shift of shifts) {
    for (let t = shift.start; t < shift.end; t += STEP) {
      if (impairedAzsAt(t).length >= 2) {
        wrongActions.push(`shift away from ${shift.az} during a regional event (${impairedAzsAt(t).join(', ')} impaired) at ${clock(baseEpoch, t)}`);
        break;
      }
    }
  }
  for (const record of records) {
    if (record.status === 'ACTIVE' || record.endTime === undefined) {
      continue;
    }
    const end = record.endTime - baseEpoch;
    const az = shifts.find((s) => s.label === record.zonalShiftId)!.az;
    if (end < scenario.durationSeconds && traffic.impaired(zones.indexOf(az), end)) {
      wrongActions.push(`shift away from ${az} ${record.status === 'CANCELED' ? 'cancelled' : 'expired'} at ${clock(baseEpoch, end)} while ${az} was still impaired`);
    }
  }
  const starts = new Map<string, number>();
  for (const shift of shifts) {
    starts.set(shift.az, (starts.get(shift.az) ?? 0) + 1);
  }
  for (const [az, count] of starts) {
    if (count >= 2) {
      wrongActions.push(`shift away from ${az} flapped: started ${count} times`);
    }
  }
  return { timeToDetect, timeToMitigate, mitigatedBy, errorMinutes, failedRequests: Math.round(failedRequests), shiftsStarted: shifts.length, wrongActions };
}

/** `HH:MM:SS` of a simulated time. */
export function clockOf(result: GamedayResult, t: number): string {
  return clock(result.baseEpoch, t);
}
