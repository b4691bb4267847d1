import { GamedayStack, MetricId } from './assembly';
import { ZonalDeploymentModel } from './deployment';
import { MetricStore, metricKey } from './metrics';
import { Scenario, ScenarioEvent, eventActive } from './scenarios';

/** Seconds of one traffic step. */
export const STEP = 10;

/** Response times of healthy requests: value (s) and share. p99 is 0.25 s. */
const HEALTHY_LATENCY: Array<[number, number]> = [[0.02, 0.5], [0.045, 0.4], [0.09, 0.09], [0.25, 0.01]];

/** What one AZ looks like to customers and to probes at one time. */
export interface AzCondition {
  readonly errorRate: number;
  readonly lbErrorRate: number;
  readonly latencySeconds?: number;
  readonly latencyFraction: number;
  readonly probeFailRate: number;
}

/** Per step: the regional endpoint and each AZ (availability 0..1, requests). */
export interface TrafficSample {
  readonly t: number;
  readonly regionalRequests: number;
  readonly regionalFailed: number;
  readonly azRequests: number[];
  readonly azFailed: number[];
  /** Share of each AZ's probes that fail. */
  readonly probeFailRate: number[];
  /** Share of new traffic each AZ gets (0..1, sums to 1). */
  readonly weights: number[];
}

/** How a probe metric is written, from its name. */
type ProbeKind = 'latency-s' | 'latency-ms' | 'fault' | 'fault-percent' | 'success' | 'availability' | 'count';

interface ProbeMetric {
  readonly key: string;
  readonly az: number;
  readonly kind: ProbeKind;
}

function probeKind(metricName: string): ProbeKind {
  const name = metricName.toLowerCase();
  if (/latency|duration|responsetime|time$/.test(name)) {
    return /ms$|millis/.test(name) ? 'latency-ms' : 'latency-s';
  }
  if (/fault|error|fail/.test(name)) {
    // A fault *rate* is written per request as 0 or 100 (percent); a fault count as 0 or 1.
    return /rate|percent|pct/.test(name) ? 'fault-percent' : 'fault';
  }
  if (/availab/.test(name)) {
    return 'availability';
  }
  if (/success|ok$/.test(name)) {
    return 'success';
  }
  return 'count';
}

function combine(rates: number[]): number {
  return 1 - rates.reduce((keep, r) => keep * (1 - r), 1);
}

/**
 * Requests, faults and latency per AZ from a scenario, written as the ALB's per-AZ metrics
 * (after the ALB delivery delay) and as the probes' metrics (after theirs). A zonal shift moves
 * the AZ's share of new traffic to the others over the drain time; probes keep hitting every AZ.
 */
export class TrafficModel {
  /** Current share of traffic each AZ would get relative to a healthy AZ (1 = full, 0 = shifted away). */
  private readonly share: number[];
  private readonly albMetrics: Array<Record<string, string>>;
  private readonly probeMetrics: ProbeMetric[];
  readonly samples: TrafficSample[] = [];
  private readonly history = new Map<number, AzCondition[]>();

  constructor(private readonly stack: GamedayStack, private readonly scenario: Scenario, private readonly deployment?: ZonalDeploymentModel) {
    const zones = stack.availabilityZones;
    this.share = zones.map(() => 1);
    this.albMetrics = zones.map((zone) => {
      const dims = { AvailabilityZone: zone, LoadBalancer: stack.loadBalancer.fullName };
      const key = (name: string) => metricKey({ namespace: 'AWS/ApplicationELB', metricName: name, dimensions: dims });
      return {
        requests: key('RequestCount'),
        targetFaults: key('HTTPCode_Target_5XX_Count'),
        elbFaults: key('HTTPCode_ELB_5XX_Count'),
        latency: key('TargetResponseTime'),
      };
    });
    const seen = new Set<string>();
    this.probeMetrics = [];
    for (const alarm of stack.alarms) {
      if (alarm.type !== 'metric') {
        continue;
      }
      for (const query of alarm.queries) {
        if (query.kind !== 'stat' || query.metric.namespace.startsWith('AWS/')) {
          continue;
        }
        const az = zones.indexOf(query.metric.dimensions.AvailabilityZone);
        const key = metricKey(query.metric);
        if (az < 0 || seen.has(key)) {
          continue;
        }
        seen.add(key);
        this.probeMetrics.push({ key, az, kind: probeKind(query.metric.metricName) });
      }
    }
  }

  /** The per-AZ probe metrics found in the alarms (custom namespaces with an AvailabilityZone dimension). */
  get probeMetricCount(): number {
    return this.probeMetrics.length;
  }

  /** The AZ index of a scenario event (index or name). */
  azIndex(event: ScenarioEvent): number {
    const zones = this.stack.availabilityZones;
    if (typeof event.az === 'number') {
      return event.az;
    }
    return zones.indexOf(event.az);
  }

  /** The condition of each AZ at `t`. */
  conditions(t: number): AzCondition[] {
    return this.stack.availabilityZones.map((_zone, az) => {
      const active = this.scenario.events.filter((e) => this.azIndex(e) === az && eventActive(e, t));
      const service = active.filter((e) => e.side === 'service');
      const slow = service.filter((e) => e.latencySeconds);
      const deployed = this.deployment ? this.deployment.errorRate(az) : 0;
      const serviceFail = combine([deployed, ...service.map((e) => combine([e.errorRate, e.lbErrorRate]))]);
      return {
        errorRate: combine([deployed, ...service.map((e) => e.errorRate)]),
        lbErrorRate: combine(service.map((e) => e.lbErrorRate)),
        latencySeconds: slow.length ? Math.max(...slow.map((e) => e.latencySeconds!)) : undefined,
        latencyFraction: combine(slow.map((e) => e.latencyFraction)),
        probeFailRate: combine([serviceFail, ...active.filter((e) => e.side === 'probe').map((e) => combine([e.errorRate, e.lbErrorRate]))]),
      };
    });
  }

  /** Whether AZ `az` is impaired for customers at `t` (errors or slow requests), as it was during the run. */
  impaired(az: number, t: number): boolean {
    const stepStart = Math.floor(t / STEP) * STEP;
    const c = (this.history.get(stepStart) ?? this.conditions(t))[az];
    return c.errorRate > 0 || c.lbErrorRate > 0 || (c.latencySeconds !== undefined && c.latencyFraction > 0);
  }

  /**
   * Generates the step `[t, t + STEP)`: `shiftedAway[az]` says whether a zonal shift moves
   * traffic away from the AZ during the step.
   */
  step(t: number, shiftedAway: boolean[], store: MetricStore): TrafficSample {
    const drainStep = this.scenario.drainSeconds > 0 ? STEP / this.scenario.drainSeconds : 1;
    shiftedAway.forEach((away, az) => {
      const target = away ? 0 : 1;
      this.share[az] = target < this.share[az] ? Math.max(target, this.share[az] - drainStep) : Math.min(target, this.share[az] + drainStep);
    });
    let total = this.share.reduce((a, b) => a + b, 0);
    // Every AZ shifted away: ARC serves all of them (a shift never leaves a load balancer without AZs).
    const weights = total > 0 ? this.share.map((s) => s / total) : this.share.map(() => 1 / this.share.length);
    total = 1;
    const regional = this.scenario.requestsPerMinute * STEP / 60;
    const conditions = this.conditions(t);
    this.history.set(t, conditions);
    const albArrive = t + STEP + this.scenario.albDelaySeconds;
    const probeArrive = t + STEP + this.scenario.probeDelaySeconds;
    const azRequests: number[] = [];
    const azFailed: number[] = [];
    conditions.forEach((c, az) => {
      const requests = regional * weights[az];
      const rejected = requests * c.lbErrorRate;
      const reached = requests - rejected;
      const targetFaults = reached * c.errorRate;
      azRequests.push(requests);
      azFailed.push(rejected + targetFaults);
      const keys = this.albMetrics[az];
      // ALB metrics exist only while requests flow; fault counts only when there are faults.
      if (reached > 0) {
        store.put(keys.requests, t, albArrive, [1], [reached]);
        const slow = c.latencySeconds !== undefined ? reached * c.latencyFraction : 0;
        const values = HEALTHY_LATENCY.map(([v]) => v);
        const weightsOfLatency = HEALTHY_LATENCY.map(([, share]) => share * (reached - slow));
        if (slow > 0) {
          values.push(c.latencySeconds!);
          weightsOfLatency.push(slow);
        }
        store.put(keys.latency, t, albArrive, values, weightsOfLatency);
      }
      if (targetFaults > 0) {
        store.put(keys.targetFaults, t, albArrive, [1], [targetFaults]);
      }
      if (rejected > 0) {
        store.put(keys.elbFaults, t, albArrive, [1], [rejected]);
      }
    });
    for (const probe of this.probeMetrics) {
      const n = this.scenario.probesPer10Seconds * STEP / 10;
      const fail = conditions[probe.az].probeFailRate;
      const c = conditions[probe.az];
      const slow = c.latencySeconds !== undefined ? c.latencyFraction : 0;
      switch (probe.kind) {
        case 'latency-s':
        case 'latency-ms': {
          const scale = probe.kind === 'latency-ms' ? 1000 : 1;
          const values = HEALTHY_LATENCY.map(([v]) => v * scale);
          const w = HEALTHY_LATENCY.map(([, share]) => share * n * (1 - slow));
          if (slow > 0) {
            values.push(c.latencySeconds! * scale);
            w.push(n * slow);
          }
          store.put(probe.key, t, probeArrive, values, w);
          break;
        }
        case 'fault':
          store.put(probe.key, t, probeArrive, [1, 0], [n * fail, n * (1 - fail)]);
          break;
        case 'fault-percent':
          store.put(probe.key, t, probeArrive, [100, 0], [n * fail, n * (1 - fail)]);
          break;
        case 'success':
          store.put(probe.key, t, probeArrive, [0, 1], [n * fail, n * (1 - fail)]);
          break;
        case 'availability':
          store.put(probe.key, t, probeArrive, [0, 100], [n * fail, n * (1 - fail)]);
          break;
        case 'count':
          store.put(probe.key, t, probeArrive, [1], [n]);
          break;
      }
    }
    const sample: TrafficSample = {
      t,
      regionalRequests: regional,
      regionalFailed: azFailed.reduce((a, b) => a + b, 0),
      azRequests,
      azFailed,
      probeFailRate: conditions.map((c) => c.probeFailRate),
      weights,
    };
    this.samples.push(sample);
    return sample;
  }
}

/** The metric of an alarm query, for tests and charts. */
export function albMetric(stack: GamedayStack, az: string, metricName: string): MetricId {
  return { namespace: 'AWS/ApplicationELB', metricName, dimensions: { AvailabilityZone: az, LoadBalancer: stack.loadBalancer.fullName } };
}
