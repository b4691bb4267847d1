import { Duration, Fn, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';

/**
 * Options of the metric factory.
 */
export interface ZonalMetricsOptions {
  /** The load balancer whose metrics are read. */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** Target group for target-group metrics (unhealthy hosts). */
  readonly targetGroup?: elbv2.IApplicationTargetGroup;
  /** The availability zones (names) in a fixed order; the order gives metric ids their suffix. */
  readonly availabilityZones: string[];
  /** Period of every metric. */
  readonly period: Duration;
  /** Requests per period below which fault rate and latency read as 0. */
  readonly minimumRequests: number;
  /** Percentile of TargetResponseTime, e.g. 99 for p99. */
  readonly latencyPercentile: number;
}

/**
 * The one place where the metrics of a zonal service are defined.
 *
 * Every metric is read from `AWS/ApplicationELB` through the load balancer's
 * L2 metric methods. Fault rate and latency are labelled with the AZ name
 * (`all AZs` for regional ones), so graphs of several AZs read at a glance. Zonal metrics carry the `LoadBalancer` and
 * `AvailabilityZone` dimensions (and `TargetGroup` where it applies); regional
 * metrics carry `LoadBalancer` only. Metric ids inside math expressions get a
 * per-AZ suffix (`_z0`, `_z1`, ...) so that lines of several AZs can share one
 * graph.
 */
export class ZonalMetrics {
  /** The `LoadBalancer` dimension value (`app/name/id`). */
  public readonly loadBalancerDimension: string;
  private readonly options: ZonalMetricsOptions;

  constructor(options: ZonalMetricsOptions) {
    this.options = options;
    this.loadBalancerDimension = loadBalancerDimension(options.loadBalancer);
  }

  /** RequestCount (Sum); zonal when `availabilityZone` is given. */
  public requestCount(availabilityZone?: string): cloudwatch.Metric {
    return this.options.loadBalancer.metrics.requestCount(this.metricOptions('Sum', availabilityZone));
  }

  /** HTTPCode_Target_5XX_Count (Sum). */
  public targetFaults(availabilityZone?: string): cloudwatch.Metric {
    return this.options.loadBalancer.metrics.httpCodeTarget(
      elbv2.HttpCodeTarget.TARGET_5XX_COUNT, this.metricOptions('Sum', availabilityZone));
  }

  /** HTTPCode_ELB_5XX_Count (Sum). */
  public loadBalancerFaults(availabilityZone?: string): cloudwatch.Metric {
    return this.options.loadBalancer.metrics.httpCodeElb(
      elbv2.HttpCodeElb.ELB_5XX_COUNT, this.metricOptions('Sum', availabilityZone));
  }

  /** TargetResponseTime at the configured percentile, in seconds. */
  public latency(availabilityZone?: string): cloudwatch.Metric {
    return this.options.loadBalancer.metrics.targetResponseTime({
      ...this.metricOptions(`p${this.options.latencyPercentile}`, availabilityZone),
      label: availabilityZone ?? 'all AZs',
    });
  }

  /**
   * Fault rate in percent:
   * `IF(MAX([requests, elb5xx]) >= MIN, 100 * SUM([FILL(target5xx, 0), FILL(elb5xx, 0)]) / MAX([requests, elb5xx]), 0)`.
   * MIN is at least 1, so a period without requests never divides by zero.
   * The ALB publishes no 5XX datapoint while there are no 5XX responses, so
   * each count is zero-filled, and the two are added with SUM over an array,
   * which adds whatever values a timestamp has.
   * RequestCount leaves out requests the load balancer rejected before it
   * could choose a target (e.g. 503s from an AZ without registered targets),
   * so the traffic is taken as the larger of RequestCount and the load
   * balancer's 5XX count. Whenever the load balancer's 5XX count is not above
   * RequestCount this is the plain fault rate; an AZ whose every request is
   * rejected reads 100 instead of falling under the request minimum.
   */
  public faultRate(availabilityZone?: string): cloudwatch.MathExpression {
    const s = this.idSuffix(availabilityZone);
    const traffic = `MAX([requests${s}, elbFaults${s}])`;
    return new cloudwatch.MathExpression({
      expression: `IF(${traffic} >= ${this.guard}, 100 * SUM([FILL(targetFaults${s}, 0), FILL(elbFaults${s}, 0)]) / ${traffic}, 0)`,
      usingMetrics: {
        [`requests${s}`]: this.requestCount(availabilityZone),
        [`targetFaults${s}`]: this.targetFaults(availabilityZone),
        [`elbFaults${s}`]: this.loadBalancerFaults(availabilityZone),
      },
      label: availabilityZone ?? 'all AZs',
      period: this.options.period,
    });
  }

  /**
   * Latency that reads as 0 while the request count is below the minimum:
   * `IF(requests >= MIN, latency, 0)`. A percentile over a handful of requests
   * says little; this keeps a quiet AZ from alarming on one slow request.
   */
  public guardedLatency(availabilityZone: string): cloudwatch.MathExpression {
    const s = this.idSuffix(availabilityZone);
    return new cloudwatch.MathExpression({
      expression: `IF(requests${s} >= ${this.guard}, latency${s}, 0)`,
      usingMetrics: {
        [`requests${s}`]: this.requestCount(availabilityZone),
        [`latency${s}`]: this.latency(availabilityZone),
      },
      label: `p${this.options.latencyPercentile} latency (s) ${availabilityZone}`,
      period: this.options.period,
    });
  }

  /**
   * Relative (outlier) fault rate of one AZ: its fault rate while that is at least `floor`
   * percent AND at least `factor` times the mean fault rate of the other AZs, else 0:
   * `IF(f_i >= FLOOR, IF(f_i >= FACTOR * AVG([FILL(f_j, 0), ...]), f_i, 0), 0)`, where each
   * `f` is the AZ's `faultRate` expression (0 below the request minimum). An AZ without traffic
   * counts as 0 among the others. When every AZ degrades together no AZ is `factor` times the
   * mean of the others, so none is an outlier. Reads every AZ's metrics: 3 per AZ.
   */
  public outlierFaultRate(availabilityZone: string, factor: number, floor: number): cloudwatch.MathExpression {
    const own = `rate${this.idSuffix(availabilityZone)}`;
    const others = this.options.availabilityZones.filter((az) => az !== availabilityZone);
    const usingMetrics: Record<string, cloudwatch.IMetric> = { [own]: this.faultRate(availabilityZone) };
    for (const az of others) {
      usingMetrics[`rate${this.idSuffix(az)}`] = this.faultRate(az);
    }
    const mean = `AVG([${others.map((az) => `FILL(rate${this.idSuffix(az)}, 0)`).join(', ')}])`;
    return new cloudwatch.MathExpression({
      expression: `IF(${own} >= ${floor}, IF(${own} >= ${factor} * ${mean}, ${own}, 0), 0)`,
      usingMetrics,
      label: `outlier fault rate ${availabilityZone}`,
      period: this.options.period,
    });
  }

  /**
   * UnHealthyHostCount (Maximum) of the target group in one AZ, with the
   * `TargetGroup`, `LoadBalancer` and `AvailabilityZone` dimensions.
   * The target group dimension is derived from its ARN, so imported target
   * groups work without their load balancer ARNs.
   */
  public unhealthyHosts(availabilityZone: string): cloudwatch.Metric {
    const targetGroup = this.options.targetGroup;
    if (!targetGroup) {
      throw new Error('unhealthyHosts needs a target group');
    }
    return this.options.loadBalancer.metrics.custom('UnHealthyHostCount', {
      statistic: 'Maximum',
      period: this.options.period,
      dimensionsMap: {
        TargetGroup: targetGroupFullName(targetGroup.targetGroupArn),
        LoadBalancer: this.loadBalancerDimension,
        AvailabilityZone: availabilityZone,
      },
    });
  }

  private get guard(): number {
    return Math.max(1, this.options.minimumRequests);
  }

  private metricOptions(statistic: string, availabilityZone?: string): cloudwatch.MetricOptions {
    const dimensionsMap: cloudwatch.DimensionsMap = availabilityZone === undefined
      ? { LoadBalancer: this.loadBalancerDimension }
      : { LoadBalancer: this.loadBalancerDimension, AvailabilityZone: availabilityZone };
    return { statistic, period: this.options.period, dimensionsMap };
  }

  private idSuffix(availabilityZone?: string): string {
    if (availabilityZone === undefined) {
      return '';
    }
    const index = this.options.availabilityZones.indexOf(availabilityZone);
    if (index < 0) {
      throw new Error(`Unknown availability zone ${availabilityZone}`);
    }
    return `_z${index}`;
  }
}

/** The `LoadBalancer` dimension value (`app/name/id`) of an ALB, as its L2 metrics render it. */
export function loadBalancerDimension(loadBalancer: elbv2.IApplicationLoadBalancer): string {
  return (loadBalancer.metrics.requestCount().dimensions ?? {}).LoadBalancer;
}

/** Names of the probe function's metrics; the function gets them from its environment. */
export const PROBE_METRIC_NAMES = {
  faultRate: 'FaultRate',
  latency: 'Latency',
  cycles: 'Cycles',
} as const;

/** Options of the probe metric factory. */
export interface ZonalProbeMetricsOptions {
  /** Namespace the probe function publishes to. */
  readonly namespace: string;
  /** The `LoadBalancer` dimension value (`app/name/id`), the same the ALB metrics carry. */
  readonly loadBalancerDimension: string;
}

/**
 * The probe metrics, defined once for the probe function's environment, the alarms and the
 * dashboard. Per AZ: `FaultRate` (each request 0 or 100, Percent; the period's Average is the
 * percentage of failed requests) and `Latency` (seconds, one value per answered request), both with
 * `LoadBalancer` and `AvailabilityZone`, so the zonal-shift function reads them like ALB metrics.
 * `Cycles` (Count, `LoadBalancer` only) is the heartbeat.
 */
export class ZonalProbeMetrics {
  constructor(private readonly options: ZonalProbeMetricsOptions) {}

  /** Percentage of failed probe requests to one AZ (Average). */
  public faultRate(availabilityZone: string, period: Duration): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.options.namespace,
      metricName: PROBE_METRIC_NAMES.faultRate,
      dimensionsMap: this.zonal(availabilityZone),
      statistic: 'Average',
      period,
      label: `probe ${availabilityZone}`,
    });
  }

  /**
   * Median latency of answered probe requests to one AZ, in seconds: with several requests per
   * period, one slow request does not move it.
   */
  public latency(availabilityZone: string, period: Duration): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.options.namespace,
      metricName: PROBE_METRIC_NAMES.latency,
      dimensionsMap: this.zonal(availabilityZone),
      statistic: 'p50',
      period,
      label: `probe ${availabilityZone}`,
    });
  }

  /** Probe cycles completed and published (Sum): the heartbeat. */
  public cycles(period: Duration): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.options.namespace,
      metricName: PROBE_METRIC_NAMES.cycles,
      dimensionsMap: { LoadBalancer: this.options.loadBalancerDimension },
      statistic: 'Sum',
      period,
    });
  }

  private zonal(availabilityZone: string): cloudwatch.DimensionsMap {
    return { LoadBalancer: this.options.loadBalancerDimension, AvailabilityZone: availabilityZone };
  }
}

/**
 * `targetgroup/name/id` from a target group ARN
 * (`arn:partition:elasticloadbalancing:region:account:targetgroup/name/id`).
 */
export function targetGroupFullName(targetGroupArn: string): string {
  if (Token.isUnresolved(targetGroupArn)) {
    return Fn.select(5, Fn.split(':', targetGroupArn));
  }
  const parts = targetGroupArn.split(':');
  if (parts.length < 6 || !parts[5].startsWith('targetgroup/')) {
    throw new Error(`Cannot read the target group name from ARN ${targetGroupArn}: expected arn:<partition>:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>`);
  }
  return parts[5];
}
