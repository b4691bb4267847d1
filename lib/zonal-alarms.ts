import { Annotations, Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { fastestTimeToAlarm, probeFastestTimeToAlarm, worstCaseTimeToAlarm, SUB_MINUTE_EVALUATION_INTERVAL } from './private/alarm-timing';
import { ZonalMetrics } from './private/zonal-metrics';
import { requireDistinctZones } from './private/validation';
import { IZonalProbes } from './zonal-probes';

/**
 * Properties of `ZonalAlarms`.
 */
export interface ZonalAlarmsProps {
  /**
   * The load balancer whose per-AZ metrics are watched. Created in this app or
   * imported with `ApplicationLoadBalancer.fromApplicationLoadBalancerAttributes`.
   */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;

  /**
   * Names (not IDs) of the availability zones the load balancer serves, e.g.
   * `['us-east-1a', 'us-east-1b', 'us-east-1c']`. At least two, no duplicates.
   * ALB metrics carry the AZ name in their `AvailabilityZone` dimension.
   */
  readonly availabilityZones: string[];

  /**
   * The target group behind the load balancer. Needed only for the
   * unhealthy-hosts alarm.
   *
   * @default - no target group; `alarmOnUnhealthyHosts` must stay false
   */
  readonly targetGroup?: elbv2.IApplicationTargetGroup;

  /**
   * Fault rate, in percent, at or above which an AZ's availability alarm
   * breaches. The fault rate is (HTTPCode_Target_5XX_Count +
   * HTTPCode_ELB_5XX_Count) / RequestCount * 100 in that AZ, where the larger
   * of RequestCount and HTTPCode_ELB_5XX_Count stands in for RequestCount:
   * RequestCount leaves out requests rejected before a target was chosen, such
   * as 503s from an AZ without registered targets. Must be in (0, 100].
   *
   * @default 1
   */
  readonly faultRateThresholdPercent?: number;

  /**
   * Requests per period an AZ must serve before its fault rate and latency
   * count. Below it both read as 0, so a quiet AZ (or one that drained after a
   * zonal shift) does not alarm on a handful of requests. A value of 0
   * behaves as 1: without requests there is no fault rate. Integer >= 0.
   *
   * @default 20
   */
  readonly minimumRequests?: number;

  /**
   * Target response time at or above which an AZ's latency alarm breaches,
   * compared with the `latencyPercentile` of `TargetResponseTime` in that AZ.
   *
   * @default Duration.seconds(1)
   */
  readonly latencyThreshold?: Duration;

  /**
   * Percentile of `TargetResponseTime` the latency alarm watches, in (0, 100).
   *
   * @default 99
   */
  readonly latencyPercentile?: number;

  /**
   * Whether to create a per-AZ alarm on the target group's `UnHealthyHostCount`.
   * Requires `targetGroup`.
   *
   * @default false
   */
  readonly alarmOnUnhealthyHosts?: boolean;

  /**
   * Number of unhealthy hosts in one AZ at or above which the unhealthy-hosts
   * alarm breaches. Integer >= 1.
   *
   * @default 1
   */
  readonly unhealthyHostThreshold?: number;

  /**
   * Period of every metric. A multiple of 60 seconds (ALB metrics are
   * one-minute metrics).
   *
   * @default Duration.minutes(1)
   */
  readonly period?: Duration;

  /**
   * Number of periods each metric alarm evaluates (N of "M of N").
   * `evaluationPeriods * period` must not exceed one day.
   *
   * @default 5
   */
  readonly evaluationPeriods?: number;

  /**
   * Number of breaching datapoints within `evaluationPeriods` that put a metric
   * alarm into ALARM (M of "M of N"); 1 <= M <= N.
   *
   * @default 3
   */
  readonly datapointsToAlarm?: number;

  /**
   * How the metric alarms treat missing datapoints. ALB metrics are published
   * only while requests flow, so a missing datapoint means "no traffic", not
   * "broken".
   *
   * @default cloudwatch.TreatMissingData.NOT_BREACHING
   */
  readonly treatMissingData?: cloudwatch.TreatMissingData;

  /**
   * Prefix of every alarm name. Names become `<prefix>-<az>-availability`,
   * `-latency`, `-unhealthy-hosts`, `-probe-availability`, `-probe-latency`,
   * `-outlier`, `-impaired`, `-isolated-impact` and
   * `<prefix>-regional-impact`; each must stay within 255 characters.
   *
   * @default - generated names: CloudFormation names the metric alarms,
   * aws-cdk-lib names the composite alarms after their construct paths
   */
  readonly alarmNamePrefix?: string;

  /**
   * Synthetic probes of each AZ's zonal endpoint (`ZonalProbes`). With them, each AZ gets a
   * probe availability and a probe latency alarm at sub-minute periods in its impaired
   * composite; they keep measuring an AZ after a zonal shift has drained it, which is what
   * `recoveryAlarms` exposes.
   *
   * @default - no probe alarms; detection reads load-balancer metrics only
   */
  readonly probes?: IZonalProbes;

  /**
   * Period of the probe alarms: 10 or 30 seconds (high-resolution alarms, evaluated every
   * 10 seconds; aws-cdk-lib refuses 20) or a multiple of 60 seconds. At least the probes' `interval`, so every period
   * holds a probe cycle.
   *
   * @default Duration.seconds(10)
   */
  readonly probePeriod?: Duration;

  /**
   * Number of periods each probe alarm evaluates (N).
   *
   * @default 3
   */
  readonly probeEvaluationPeriods?: number;

  /**
   * Breaching periods within `probeEvaluationPeriods` that put a probe alarm into ALARM (M).
   * At least 2, so that one bad period (a blip) never alarms.
   *
   * @default 2
   */
  readonly probeDatapointsToAlarm?: number;

  /**
   * Percentage of failed probe requests in a period at or above which the period breaches.
   * In (0, 100]. With the default 3 requests per cycle and one cycle per period, 50 means two
   * of the three requests failed.
   *
   * @default 50
   */
  readonly probeFaultRateThresholdPercent?: number;

  /**
   * Median probe latency at or above which a period breaches. Keep it below the probes'
   * timeout: a request slower than the timeout is a fault, not a latency.
   *
   * @default - `latencyThreshold`
   */
  readonly probeLatencyThreshold?: Duration;

  /**
   * Whether each AZ gets an outlier alarm: its load-balancer fault rate is at least
   * `outlierFactor` times the mean of the other AZs' AND at least
   * `outlierMinimumFaultRatePercent`. It catches one AZ degrading below the static threshold and
   * never fires when every AZ degrades together. The expression reads 3 metrics per AZ and a
   * metric-math alarm takes at most 10 metrics, so it needs 3 AZs or fewer.
   *
   * @default - true for up to 3 AZs; with more, false and a warning
   */
  readonly outlierDetection?: boolean;

  /**
   * How many times the mean fault rate of the other AZs an AZ's fault rate must reach to be an
   * outlier. Greater than 1.
   *
   * @default 3
   */
  readonly outlierFactor?: number;

  /**
   * Fault rate, in percent, an AZ must reach before it can be an outlier, so that 0.01 % against
   * 0 % is not one. In (0, `faultRateThresholdPercent`].
   *
   * @default - half of `faultRateThresholdPercent`
   */
  readonly outlierMinimumFaultRatePercent?: number;

  /**
   * More alarms that count as one AZ's impairment and join that AZ's impaired composite, such as
   * the replica-lag and availability alarms of the AZ's database reader (`ZonalDataTier`): a bad
   * dependency in one AZ is that AZ's problem. Their metrics need not carry load-balancer
   * dimensions (the zonal-shift function checks dimensions only on `metricAlarms`).
   *
   * @default - none
   */
  readonly additionalAlarms?: ZoneAlarm[];
}

/**
 * An alarm that belongs to one availability zone.
 */
export interface ZoneAlarm {
  /** The AZ name the alarm is about. */
  readonly availabilityZone: string;
  /** The alarm. */
  readonly alarm: cloudwatch.IAlarm;
}

/**
 * The alarms of one availability zone.
 */
export interface ZonalAlarmSet {
  /** The AZ name these alarms watch. */
  readonly availabilityZone: string;
  /** Fault rate of the AZ at or above the threshold. */
  readonly availabilityAlarm: cloudwatch.Alarm;
  /** Target response time percentile of the AZ at or above the threshold. */
  readonly latencyAlarm: cloudwatch.Alarm;
  /**
   * Unhealthy targets of the target group in the AZ.
   *
   * @default - not created unless `alarmOnUnhealthyHosts` is true
   */
  readonly unhealthyHostsAlarm?: cloudwatch.Alarm;
  /**
   * Percentage of failed probe requests to the AZ at or above the threshold.
   *
   * @default - only with `probes`
   */
  readonly probeAvailabilityAlarm?: cloudwatch.Alarm;
  /**
   * Median probe latency of the AZ at or above the threshold.
   *
   * @default - only with `probes`
   */
  readonly probeLatencyAlarm?: cloudwatch.Alarm;
  /**
   * The AZ's load-balancer fault rate is an outlier against the other AZs'. Its expression reads
   * every AZ's metrics, so it is not in `metricAlarms`.
   *
   * @default - only with outlier detection
   */
  readonly outlierAlarm?: cloudwatch.Alarm;
  /**
   * The AZ's metric alarms whose every metric carries exactly this load balancer's
   * `LoadBalancer` and this AZ's `AvailabilityZone` dimensions: availability, latency,
   * unhealthy hosts and the probe alarms, as far as they exist.
   */
  readonly metricAlarms: cloudwatch.Alarm[];
  /**
   * The alarms that still measure the AZ after its traffic has been shifted away: the probe
   * alarms. Empty without probes (load-balancer metrics of a drained AZ read as healthy).
   */
  readonly recoveryAlarms: cloudwatch.IAlarm[];
  /** The `additionalAlarms` of this AZ, members of its impaired composite. */
  readonly additionalAlarms: cloudwatch.IAlarm[];
  /** ANY of this AZ's metric alarms (including the outlier alarm) is in ALARM. */
  readonly impairedAlarm: cloudwatch.CompositeAlarm;
  /**
   * This AZ is impaired AND no other AZ is. The only alarm meant to trigger
   * automation such as a zonal shift.
   */
  readonly isolatedImpactAlarm: cloudwatch.CompositeAlarm;
}

const MAX_RULE_LENGTH = 10240;
const MAX_RULE_CHILDREN = 100;
const MAX_ALARM_NAME_LENGTH = 255;
const ONE_DAY_SECONDS = 86400;
const AZ_ID_PATTERN = /^[a-z]{2,5}\d+-az\d+$/;

/**
 * Per-AZ detection for a service behind an Application Load Balancer.
 *
 * For every AZ it creates an availability alarm (fault rate), a latency alarm
 * (percentile of target response time), optionally an unhealthy-hosts alarm,
 * an "impaired" composite (any of them) and an "isolated impact" composite
 * (this AZ impaired and no other). One "regional impact" composite fires when
 * two or more AZs are impaired: that is a case for people, never for a zonal
 * shift. Every metric in every metric alarm carries the `LoadBalancer` and
 * `AvailabilityZone` dimensions.
 */
export class ZonalAlarms extends Construct {
  /** The alarms of each AZ, in the order of `availabilityZones`. */
  public readonly zones: ZonalAlarmSet[];

  /** Two or more AZs are impaired. */
  public readonly regionalImpactAlarm: cloudwatch.CompositeAlarm;

  /**
   * Worst-case time from a sustained breach starting to the isolated-impact
   * alarm firing: `evaluationPeriods * period + 1 minute` (the window needed
   * to collect the breaching datapoints, plus one evaluation interval).
   * Composite alarms add no period of their own. The delay with which ALB
   * metrics arrive is not included.
   */
  public readonly timeToAlarm: Duration;

  /**
   * Modelled time from the onset of a total AZ failure to the isolated-impact alarm firing on the
   * fastest detection path, delivery delay included. With probes: probe interval (until the
   * first failing probe) + `probeDatapointsToAlarm * probePeriod` + the probes' delivery delay
   * (timeout + ingestion) + one 10-second evaluation. Without: one period (until the first
   * whole breaching period) + `datapointsToAlarm * period` + 60 s ALB metric delivery (the low
   * end of what is seen; undocumented) + one 60-second evaluation.
   */
  public readonly fastestTimeToAlarm: Duration;

  /** The AZ names, as given. */
  public readonly availabilityZones: string[];

  /** The probes the probe alarms read, when given. */
  public readonly probes?: IZonalProbes;

  /** Period of the probe alarms (meaningful only with probes). */
  public readonly probePeriod: Duration;

  private readonly metrics: ZonalMetrics;

  constructor(scope: Construct, id: string, props: ZonalAlarmsProps) {
    super(scope, id);

    const faultRateThreshold = props.faultRateThresholdPercent ?? 1;
    const minimumRequests = props.minimumRequests ?? 20;
    const latencyThreshold = props.latencyThreshold ?? Duration.seconds(1);
    const latencyPercentile = props.latencyPercentile ?? 99;
    const unhealthyHostThreshold = props.unhealthyHostThreshold ?? 1;
    const period = props.period ?? Duration.minutes(1);
    const evaluationPeriods = props.evaluationPeriods ?? 5;
    const datapointsToAlarm = props.datapointsToAlarm ?? 3;
    const treatMissingData = props.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING;

    validateZones(props.availabilityZones);
    for (const extra of props.additionalAlarms ?? []) {
      if (!Token.isUnresolved(extra.availabilityZone) && !props.availabilityZones.includes(extra.availabilityZone)) {
        throw new Error(`additionalAlarms has an alarm for '${extra.availabilityZone}', which is not one of availabilityZones (${props.availabilityZones.join(', ')}); fix its availabilityZone.`);
      }
    }
    validateThresholds(faultRateThreshold, minimumRequests, latencyThreshold, latencyPercentile, unhealthyHostThreshold);
    validateTiming(period, evaluationPeriods, datapointsToAlarm);
    if (props.alarmOnUnhealthyHosts && !props.targetGroup) {
      throw new Error('alarmOnUnhealthyHosts is true but no targetGroup is given: pass targetGroup, or leave alarmOnUnhealthyHosts unset');
    }
    validateNamePrefix(props.alarmNamePrefix, props.availabilityZones, props.probes !== undefined);
    if (treatMissingData === cloudwatch.TreatMissingData.BREACHING) {
      Annotations.of(this).addWarningV2('cdk-azi:breachingMissingData',
        'treatMissingData BREACHING makes an AZ without traffic look impaired; ALB metrics are only published while requests flow. Prefer NOT_BREACHING.');
    }

    this.availabilityZones = [...props.availabilityZones];
    const probes = props.probes;
    const probePeriod = props.probePeriod ?? Duration.seconds(10);
    const probeEvaluationPeriods = props.probeEvaluationPeriods ?? 3;
    const probeDatapointsToAlarm = props.probeDatapointsToAlarm ?? 2;
    const probeFaultRateThreshold = props.probeFaultRateThresholdPercent ?? 50;
    const probeLatencyThreshold = props.probeLatencyThreshold ?? latencyThreshold;
    if (probes) {
      validateProbes(this, probes, props.loadBalancer, this.availabilityZones, probePeriod, probeEvaluationPeriods,
        probeDatapointsToAlarm, probeFaultRateThreshold, probeLatencyThreshold);
    }
    const outlier = outlierSettings(this, props, this.availabilityZones.length, faultRateThreshold);

    const albSlowest = worstCaseTimeToAlarm(period, evaluationPeriods);
    const probeSlowest = probes && !probePeriod.isUnresolved()
      ? Duration.seconds(probeEvaluationPeriods * probePeriod.toSeconds() + SUB_MINUTE_EVALUATION_INTERVAL.toSeconds())
      : undefined;
    this.timeToAlarm = probeSlowest && probeSlowest.toSeconds() > albSlowest.toSeconds() ? probeSlowest : albSlowest;
    this.fastestTimeToAlarm = probes
      ? probeFastestTimeToAlarm(probes.interval, probePeriod, probeDatapointsToAlarm, probes.deliveryDelay)
      : fastestTimeToAlarm(period, datapointsToAlarm);
    this.probes = probes;
    this.probePeriod = probePeriod;
    this.metrics = new ZonalMetrics({
      loadBalancer: props.loadBalancer,
      targetGroup: props.targetGroup,
      availabilityZones: this.availabilityZones,
      period,
      minimumRequests,
      latencyPercentile,
    });

    const prefix = props.alarmNamePrefix;
    const name = (suffix: string) => (prefix === undefined ? undefined : `${prefix}-${suffix}`);
    const arnOverhead = alarmArnOverhead(Stack.of(this));
    const child = (alarm: cloudwatch.IAlarm, alarmName: string | undefined): RuleChild =>
      ({ alarm, arnLength: arnOverhead + alarmNameLengthBound(alarm, alarmName) });
    const timing = { evaluationPeriods, datapointsToAlarm, treatMissingData };
    const window = `${datapointsToAlarm} of ${evaluationPeriods} periods of ${period.toSeconds()} s`;

    const partial = this.availabilityZones.map((az, index) => {
      const zoneScope = new Construct(this, Token.isUnresolved(az) ? `Zone${index}` : az);
      const availabilityAlarm = new cloudwatch.Alarm(zoneScope, 'Availability', {
        metric: this.metrics.faultRate(az),
        threshold: faultRateThreshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        alarmName: name(`${az}-availability`),
        alarmDescription: `Fault rate (target and load balancer 5XX) in ${az} at or above ${faultRateThreshold}% for ${window}, counted when the AZ serves at least ${minimumRequests} requests per period.`,
        ...timing,
      });
      const latencyAlarm = new cloudwatch.Alarm(zoneScope, 'Latency', {
        metric: this.metrics.guardedLatency(az),
        threshold: latencyThreshold.toMilliseconds() / 1000,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        alarmName: name(`${az}-latency`),
        alarmDescription: `p${latencyPercentile} target response time in ${az} at or above ${latencyThreshold.toHumanString()} for ${window}, counted when the AZ serves at least ${minimumRequests} requests per period.`,
        ...timing,
      });
      const unhealthyHostsAlarm = props.alarmOnUnhealthyHosts
        ? new cloudwatch.Alarm(zoneScope, 'UnhealthyHosts', {
          metric: this.metrics.unhealthyHosts(az),
          threshold: unhealthyHostThreshold,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          alarmName: name(`${az}-unhealthy-hosts`),
          alarmDescription: `${unhealthyHostThreshold} or more unhealthy targets in ${az} for ${window}.`,
          ...timing,
        })
        : undefined;
      const probeTiming = {
        evaluationPeriods: probeEvaluationPeriods,
        datapointsToAlarm: probeDatapointsToAlarm,
        // A probe that stops publishing leaves the probe alarms without data: INSUFFICIENT_DATA,
        // neither impaired (no shift, no page from here) nor OK (never "recovered", so a shift
        // stays). The probes' own health alarm pages.
        treatMissingData: cloudwatch.TreatMissingData.MISSING,
      };
      const probeWindow = `${probeDatapointsToAlarm} of ${probeEvaluationPeriods} periods of ${probePeriod.toSeconds()} s`;
      const probeAvailabilityAlarm = probes
        ? new cloudwatch.Alarm(zoneScope, 'ProbeAvailability', {
          metric: probes.metricFaultRate(az, probePeriod),
          threshold: probeFaultRateThreshold,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          alarmName: name(`${az}-probe-availability`),
          alarmDescription: `Failed probe requests to the zonal endpoint of ${az} at or above ${probeFaultRateThreshold}% for ${probeWindow}. Still measures the AZ after a zonal shift.`,
          ...probeTiming,
        })
        : undefined;
      const probeLatencyAlarm = probes
        ? new cloudwatch.Alarm(zoneScope, 'ProbeLatency', {
          metric: probes.metricLatency(az, probePeriod),
          threshold: probeLatencyThreshold.toMilliseconds() / 1000,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          alarmName: name(`${az}-probe-latency`),
          alarmDescription: `Median probe latency of the zonal endpoint of ${az} at or above ${probeLatencyThreshold.toHumanString()} for ${probeWindow}.`,
          ...probeTiming,
        })
        : undefined;
      const outlierAlarm = outlier.enabled
        ? new cloudwatch.Alarm(zoneScope, 'Outlier', {
          metric: this.metrics.outlierFaultRate(az, outlier.factor, outlier.floor),
          threshold: outlier.floor,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          alarmName: name(`${az}-outlier`),
          alarmDescription: `Fault rate in ${az} at least ${outlier.factor} times the mean of the other AZs and at least ${outlier.floor}% for ${window}.`,
          ...timing,
        })
        : undefined;
      const metricAlarms = [availabilityAlarm, latencyAlarm, unhealthyHostsAlarm, probeAvailabilityAlarm, probeLatencyAlarm]
        .filter((alarm): alarm is cloudwatch.Alarm => alarm !== undefined);
      const recoveryAlarms = [probeAvailabilityAlarm, probeLatencyAlarm]
        .filter((alarm): alarm is cloudwatch.Alarm => alarm !== undefined);
      const members: RuleChild[] = [
        child(availabilityAlarm, name(`${az}-availability`)),
        child(latencyAlarm, name(`${az}-latency`)),
      ];
      if (unhealthyHostsAlarm) {
        members.push(child(unhealthyHostsAlarm, name(`${az}-unhealthy-hosts`)));
      }
      if (probeAvailabilityAlarm && probeLatencyAlarm) {
        members.push(child(probeAvailabilityAlarm, name(`${az}-probe-availability`)));
        members.push(child(probeLatencyAlarm, name(`${az}-probe-latency`)));
      }
      if (outlierAlarm) {
        members.push(child(outlierAlarm, name(`${az}-outlier`)));
      }
      const additionalAlarms = (props.additionalAlarms ?? []).filter((extra) => extra.availabilityZone === az).map((extra) => extra.alarm);
      members.push(...additionalAlarms.map((alarm) => child(alarm, alarm.alarmName)));
      const impairedRule = cloudwatch.AlarmRule.anyOf(...members.map((member) => member.alarm));
      checkRule(`impaired alarm of ${az}`, impairedRule, members);
      const impairedAlarm = new cloudwatch.CompositeAlarm(zoneScope, 'Impaired', {
        alarmRule: impairedRule,
        compositeAlarmName: name(`${az}-impaired`),
        alarmDescription: `${az} is impaired: at least one of its availability, latency, unhealthy-host, probe or outlier alarms is in ALARM.`,
      });
      const impairedChild = child(impairedAlarm, name(`${az}-impaired`));
      return {
        availabilityZone: az, zoneScope, availabilityAlarm, latencyAlarm, unhealthyHostsAlarm, probeAvailabilityAlarm,
        probeLatencyAlarm, outlierAlarm, metricAlarms, recoveryAlarms, additionalAlarms, impairedAlarm, impairedChild,
      };
    });

    this.zones = partial.map((zone) => {
      const others = partial.filter((other) => other !== zone).map((other) => other.impairedAlarm);
      const isolatedRule = cloudwatch.AlarmRule.allOf(
        cloudwatch.AlarmRule.fromAlarm(zone.impairedAlarm, cloudwatch.AlarmState.ALARM),
        cloudwatch.AlarmRule.not(cloudwatch.AlarmRule.anyOf(...others)),
      );
      checkRule(`isolated impact alarm of ${zone.availabilityZone}`, isolatedRule, partial.map((z) => z.impairedChild));
      const isolatedImpactAlarm = new cloudwatch.CompositeAlarm(zone.zoneScope, 'IsolatedImpact', {
        alarmRule: isolatedRule,
        compositeAlarmName: name(`${zone.availabilityZone}-isolated-impact`),
        alarmDescription: `${zone.availabilityZone} is impaired and no other AZ is: impact isolated to one AZ, safe to shift traffic away from it.`,
      });
      return {
        availabilityZone: zone.availabilityZone,
        availabilityAlarm: zone.availabilityAlarm,
        latencyAlarm: zone.latencyAlarm,
        unhealthyHostsAlarm: zone.unhealthyHostsAlarm,
        probeAvailabilityAlarm: zone.probeAvailabilityAlarm,
        probeLatencyAlarm: zone.probeLatencyAlarm,
        outlierAlarm: zone.outlierAlarm,
        metricAlarms: zone.metricAlarms,
        recoveryAlarms: zone.recoveryAlarms,
        additionalAlarms: zone.additionalAlarms,
        impairedAlarm: zone.impairedAlarm,
        isolatedImpactAlarm,
      };
    });

    const regionalRule = atLeastTwoInAlarm(partial.map((zone) => zone.impairedAlarm));
    checkRule('regional impact alarm', regionalRule, partial.map((zone) => zone.impairedChild));
    this.regionalImpactAlarm = new cloudwatch.CompositeAlarm(this, 'RegionalImpact', {
      alarmRule: regionalRule,
      compositeAlarmName: name('regional-impact'),
      alarmDescription: 'Two or more AZs are impaired: a regional event. Page people; shifting traffic between AZs will not help.',
    });
  }

  /**
   * The alarms of one AZ. Throws for an AZ that is not in `availabilityZones`.
   */
  public zone(availabilityZone: string): ZonalAlarmSet {
    const found = this.zones.find((zone) => zone.availabilityZone === availabilityZone);
    if (!found) {
      throw new Error(`Unknown availability zone '${availabilityZone}': expected one of ${this.availabilityZones.join(', ')}`);
    }
    return found;
  }

  /**
   * Fault rate in percent ((target 5XX + load balancer 5XX) / requests * 100,
   * with requests at least the load balancer 5XX count), reading 0 while
   * requests are below the minimum. The metric the availability alarms watch.
   *
   * @param availabilityZone an AZ name from `availabilityZones`; omit it for
   * the whole load balancer (all AZs)
   */
  public metricFaultRate(availabilityZone?: string): cloudwatch.IMetric {
    if (availabilityZone !== undefined) {
      this.zone(availabilityZone);
    }
    return this.metrics.faultRate(availabilityZone);
  }

  /**
   * Target response time at the configured percentile, in seconds.
   *
   * @param availabilityZone an AZ name from `availabilityZones`; omit it for
   * the whole load balancer (all AZs)
   */
  public metricLatency(availabilityZone?: string): cloudwatch.IMetric {
    if (availabilityZone !== undefined) {
      this.zone(availabilityZone);
    }
    return this.metrics.latency(availabilityZone);
  }

  /**
   * Percentage of failed probe requests to one AZ at the probe alarms' period. Throws without
   * probes.
   *
   * @param availabilityZone an AZ name from `availabilityZones`
   */
  public metricProbeFaultRate(availabilityZone: string): cloudwatch.IMetric {
    return this.requireProbes(availabilityZone).metricFaultRate(availabilityZone, this.probePeriod);
  }

  /**
   * Median probe latency of one AZ, in seconds, at the probe alarms' period. Throws without
   * probes.
   *
   * @param availabilityZone an AZ name from `availabilityZones`
   */
  public metricProbeLatency(availabilityZone: string): cloudwatch.IMetric {
    return this.requireProbes(availabilityZone).metricLatency(availabilityZone, this.probePeriod);
  }

  private requireProbes(availabilityZone: string): IZonalProbes {
    this.zone(availabilityZone);
    if (!this.probes) {
      throw new Error('These ZonalAlarms have no probes: pass probes (a ZonalProbes) to get probe metrics.');
    }
    return this.probes;
  }
}

/**
 * "At least two of these alarms are in ALARM", written with AND, OR and NOT only:
 * `(A AND (B OR C OR D)) OR (B AND (C OR D)) OR (C AND D)`.
 */
function atLeastTwoInAlarm(alarms: cloudwatch.IAlarm[]): cloudwatch.IAlarmRule {
  const terms: cloudwatch.IAlarmRule[] = [];
  for (let i = 0; i < alarms.length - 1; i++) {
    terms.push(cloudwatch.AlarmRule.allOf(
      cloudwatch.AlarmRule.fromAlarm(alarms[i], cloudwatch.AlarmState.ALARM),
      cloudwatch.AlarmRule.anyOf(...alarms.slice(i + 1)),
    ));
  }
  return cloudwatch.AlarmRule.anyOf(...terms);
}

/** An alarm a composite rule references, with an upper bound of the length of its ARN. */
interface RuleChild {
  readonly alarm: cloudwatch.IAlarm;
  readonly arnLength: number;
}

/**
 * Checks a composite rule against CloudWatch's limits on children and length.
 * Alarm ARNs are tokens until deployment, so each is measured as the upper
 * bound of its length before the rule is measured.
 */
function checkRule(what: string, rule: cloudwatch.IAlarmRule, children: RuleChild[]): void {
  if (children.length > MAX_RULE_CHILDREN) {
    throw new Error(`The ${what} would reference ${children.length} alarms; a composite alarm allows at most ${MAX_RULE_CHILDREN}. Use fewer availability zones.`);
  }
  let rendered = rule.renderAlarmRule();
  for (const { alarm, arnLength } of children) {
    rendered = rendered.split(alarm.alarmArn).join('a'.repeat(arnLength));
  }
  if (!Token.isUnresolved(rendered) && rendered.length > MAX_RULE_LENGTH) {
    throw new Error(`The rule of the ${what} can be up to ${rendered.length} characters long; a composite alarm allows at most ${MAX_RULE_LENGTH}. Use a shorter alarmNamePrefix or fewer availability zones.`);
  }
}

/** Length of `arn:<partition>:cloudwatch:<region>:<account>:alarm:` (longest possible for unresolved parts). */
function alarmArnOverhead(stack: Stack): number {
  const part = (value: string, longest: number) => (Token.isUnresolved(value) ? longest : value.length);
  return 'arn::cloudwatch:::alarm:'.length + part(stack.partition, 10) + part(stack.region, 16) + part(stack.account, 12);
}

/**
 * Upper bound of an alarm's name: the given name, else the name aws-cdk-lib
 * derives from the construct path for a composite alarm, else (a name
 * CloudFormation generates) the longest name CloudWatch allows.
 */
function alarmNameLengthBound(alarm: cloudwatch.IAlarm, alarmName: string | undefined): number {
  if (alarmName !== undefined) {
    return Token.isUnresolved(alarmName) ? MAX_ALARM_NAME_LENGTH : alarmName.length;
  }
  if (alarm instanceof cloudwatch.CompositeAlarm) {
    return Math.min(Names.uniqueId(alarm).length, MAX_ALARM_NAME_LENGTH);
  }
  return MAX_ALARM_NAME_LENGTH;
}

function validateZones(zones: string[]): void {
  requireDistinctZones(zones, 'availabilityZones');
  for (const az of zones) {
    if (!Token.isUnresolved(az) && AZ_ID_PATTERN.test(az)) {
      throw new Error(`availabilityZones entry '${az}' looks like an AZ ID; ALB metrics carry the AZ name (e.g. 'us-east-1a'). Pass AZ names.`);
    }
  }
}

function validateThresholds(
  faultRate: number, minimumRequests: number, latency: Duration, percentile: number, unhealthyHosts: number,
): void {
  if (!Token.isUnresolved(faultRate) && !(faultRate > 0 && faultRate <= 100)) {
    throw new Error(`faultRateThresholdPercent is ${faultRate}; it must be a percentage in (0, 100], e.g. 1.`);
  }
  if (!Token.isUnresolved(minimumRequests) && !(Number.isInteger(minimumRequests) && minimumRequests >= 0)) {
    throw new Error(`minimumRequests is ${minimumRequests}; it must be an integer >= 0, e.g. 20.`);
  }
  if (!latency.isUnresolved() && !(latency.toMilliseconds() > 0)) {
    throw new Error(`latencyThreshold is ${latency.toHumanString()}; it must be greater than zero, e.g. Duration.seconds(1).`);
  }
  if (!Token.isUnresolved(percentile) && !(percentile > 0 && percentile < 100)) {
    throw new Error(`latencyPercentile is ${percentile}; it must be in (0, 100), e.g. 99.`);
  }
  if (!Token.isUnresolved(unhealthyHosts) && !(Number.isInteger(unhealthyHosts) && unhealthyHosts >= 1)) {
    throw new Error(`unhealthyHostThreshold is ${unhealthyHosts}; it must be an integer >= 1.`);
  }
}

function validateTiming(period: Duration, evaluationPeriods: number, datapointsToAlarm: number): void {
  if (!period.isUnresolved()) {
    const seconds = period.toSeconds({ integral: false });
    if (!(seconds >= 60 && seconds % 60 === 0)) {
      throw new Error(`period is ${period.toHumanString()}; ALB metrics are one-minute metrics, so use a multiple of 60 seconds, e.g. Duration.minutes(1).`);
    }
  }
  if (!Token.isUnresolved(evaluationPeriods) && !(Number.isInteger(evaluationPeriods) && evaluationPeriods >= 1)) {
    throw new Error(`evaluationPeriods is ${evaluationPeriods}; it must be an integer >= 1, e.g. 5.`);
  }
  if (!Token.isUnresolved(datapointsToAlarm) && !Token.isUnresolved(evaluationPeriods)
    && !(Number.isInteger(datapointsToAlarm) && datapointsToAlarm >= 1 && datapointsToAlarm <= evaluationPeriods)) {
    throw new Error(`datapointsToAlarm is ${datapointsToAlarm}; it must be an integer between 1 and evaluationPeriods (${evaluationPeriods}).`);
  }
  if (!period.isUnresolved() && !Token.isUnresolved(evaluationPeriods) && evaluationPeriods * period.toSeconds() > ONE_DAY_SECONDS) {
    throw new Error(`evaluationPeriods * period is ${evaluationPeriods * period.toSeconds()} s; CloudWatch allows an evaluation window of at most one day (86400 s). Lower evaluationPeriods or period.`);
  }
}

function validateNamePrefix(prefix: string | undefined, zones: string[], withProbes: boolean): void {
  if (prefix === undefined || Token.isUnresolved(prefix)) {
    return;
  }
  if (prefix.length === 0) {
    throw new Error('alarmNamePrefix is empty; pass a non-empty prefix or leave it unset for generated names.');
  }
  const longestZone = Math.max(...zones.filter((az) => !Token.isUnresolved(az)).map((az) => az.length), 0);
  const longestSuffix = withProbes ? '-probe-availability' : '-isolated-impact';
  const longest = `${prefix}-`.length + longestZone + longestSuffix.length;
  if (longest > MAX_ALARM_NAME_LENGTH) {
    throw new Error(`alarmNamePrefix '${prefix}' makes alarm names ${longest} characters long; CloudWatch allows ${MAX_ALARM_NAME_LENGTH}. Use a prefix of at most ${prefix.length - (longest - MAX_ALARM_NAME_LENGTH)} characters.`);
  }
}

function validateProbes(
  scope: Construct, probes: IZonalProbes, loadBalancer: elbv2.IApplicationLoadBalancer, zones: string[], period: Duration,
  evaluationPeriods: number, datapointsToAlarm: number, faultRateThreshold: number, latencyThreshold: Duration,
): void {
  const missing = zones.filter((az) => !probes.availabilityZones.includes(az));
  if (missing.length > 0) {
    throw new Error(`The probes do not cover ${missing.join(', ')}: give ZonalProbes the same availabilityZones as ZonalAlarms.`);
  }
  const stack = Stack.of(scope);
  const own = loadBalancer.metrics.requestCount().dimensions?.LoadBalancer;
  if (JSON.stringify(stack.resolve(own)) !== JSON.stringify(stack.resolve(probes.loadBalancerDimension))) {
    throw new Error('The probes watch another load balancer than these alarms: give ZonalProbes the same loadBalancer.');
  }
  if (period.isUnresolved()) {
    throw new Error('probePeriod must be a concrete duration, not a token.');
  }
  const seconds = period.toSeconds({ integral: false });
  if (!([10, 30].includes(seconds) || (seconds >= 60 && seconds % 60 === 0))) {
    throw new Error(`probePeriod is ${period.toHumanString()}; use 10 or 30 seconds (high-resolution alarms) or a multiple of 60, e.g. Duration.seconds(10).`);
  }
  if (seconds < probes.interval.toSeconds({ integral: false })) {
    throw new Error(`probePeriod (${period.toHumanString()}) is shorter than the probes' interval (${probes.interval.toHumanString()}): some periods would hold no probe. Use a probePeriod of at least the interval.`);
  }
  if (!(Number.isInteger(evaluationPeriods) && evaluationPeriods >= 1 && evaluationPeriods * seconds <= ONE_DAY_SECONDS)) {
    throw new Error(`probeEvaluationPeriods is ${evaluationPeriods}; it must be an integer >= 1 with probeEvaluationPeriods * probePeriod at most one day, e.g. 3.`);
  }
  if (!(Number.isInteger(datapointsToAlarm) && datapointsToAlarm >= 2 && datapointsToAlarm <= evaluationPeriods)) {
    throw new Error(`probeDatapointsToAlarm is ${datapointsToAlarm}; it must be an integer from 2 (one bad period never alarms) to probeEvaluationPeriods (${evaluationPeriods}).`);
  }
  if (!(faultRateThreshold > 0 && faultRateThreshold <= 100)) {
    throw new Error(`probeFaultRateThresholdPercent is ${faultRateThreshold}; it must be a percentage in (0, 100], e.g. 50.`);
  }
  if (latencyThreshold.isUnresolved() || !(latencyThreshold.toMilliseconds() > 0)) {
    throw new Error('probeLatencyThreshold must be a concrete duration greater than zero, e.g. Duration.seconds(1).');
  }
  if (latencyThreshold.toMilliseconds() >= probes.timeout.toMilliseconds()) {
    Annotations.of(scope).addWarningV2('cdk-azi:probeLatencyAboveTimeout',
      `probeLatencyThreshold (${latencyThreshold.toHumanString()}) is not below the probes' timeout (${probes.timeout.toHumanString()}); slower requests are faults, so the probe latency alarm can never fire.`);
  }
}

/** Metrics a metric-math alarm may read (CloudWatch's limit). */
const MAX_ALARM_METRICS = 10;
/** Metrics the fault rate of one AZ reads. */
const FAULT_RATE_METRICS = 3;

function outlierSettings(scope: Construct, props: ZonalAlarmsProps, zoneCount: number, faultRateThreshold: number) {
  const fits = zoneCount * FAULT_RATE_METRICS <= MAX_ALARM_METRICS;
  if (props.outlierDetection === true && !fits) {
    throw new Error(`outlierDetection needs ${zoneCount * FAULT_RATE_METRICS} metrics for ${zoneCount} AZs; a metric-math alarm takes at most ${MAX_ALARM_METRICS}. Use it with 3 AZs or fewer, or leave it unset.`);
  }
  if (props.outlierDetection === undefined && !fits) {
    Annotations.of(scope).addWarningV2('cdk-azi:outlierDetectionOff',
      `Outlier detection is off: ${zoneCount} AZs need ${zoneCount * FAULT_RATE_METRICS} metrics in one alarm, CloudWatch allows ${MAX_ALARM_METRICS}.`);
  }
  const enabled = props.outlierDetection ?? fits;
  const factor = props.outlierFactor ?? 3;
  const floor = props.outlierMinimumFaultRatePercent ?? faultRateThreshold / 2;
  if (!Token.isUnresolved(factor) && !(factor > 1)) {
    throw new Error(`outlierFactor is ${factor}; it must be greater than 1, e.g. 3 (an AZ at 3 times the others' mean fault rate).`);
  }
  if (!Token.isUnresolved(floor) && !Token.isUnresolved(faultRateThreshold) && !(floor > 0 && floor <= faultRateThreshold)) {
    throw new Error(`outlierMinimumFaultRatePercent is ${floor}; it must be in (0, faultRateThresholdPercent = ${faultRateThreshold}], e.g. ${faultRateThreshold / 2}.`);
  }
  return { enabled, factor, floor };
}
