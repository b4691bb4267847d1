import { Duration } from 'aws-cdk-lib';

/**
 * How often CloudWatch evaluates a metric alarm whose period is 60 seconds or more.
 */
export const EVALUATION_INTERVAL = Duration.minutes(1);

/**
 * Worst-case time from the start of a sustained breach until an alarm built on
 * `evaluationPeriods` datapoints of `period` changes state:
 *
 *   evaluationPeriods * period + one evaluation interval (60 s)
 *
 * A breach that lasts needs at most the whole evaluation window to collect
 * `datapointsToAlarm` breaching datapoints (fewer when M < N, so this is an upper
 * bound), and the alarm may have been evaluated just before the last datapoint
 * arrived. Composite alarms follow their children without a period of their own,
 * so they add nothing. The delay with which the service publishes its metrics
 * is not included.
 */
export function worstCaseTimeToAlarm(period: Duration, evaluationPeriods: number): Duration {
  return Duration.seconds(evaluationPeriods * period.toSeconds() + EVALUATION_INTERVAL.toSeconds());
}

/** How often CloudWatch evaluates an alarm with a period under a minute (high resolution). */
export const SUB_MINUTE_EVALUATION_INTERVAL = Duration.seconds(10);

/**
 * ALB metric delivery assumed on the fastest path: the low end of the 60-120 s commonly seen
 * (not documented). Only `fastestTimeToAlarm` includes it; `worstCaseTimeToAlarm` leaves delivery
 * to its callers, as `ZonalDeployment` adds its own `metricDelay`.
 */
export const ALB_METRIC_DELAY = Duration.seconds(60);

/**
 * Modelled onset of a total failure to ALARM on load-balancer metrics: the onset falls inside a
 * period, so the first wholly breaching period ends up to one period later; then
 * `datapointsToAlarm` breaching periods; then delivery; then one 60-second evaluation.
 */
export function fastestTimeToAlarm(period: Duration, datapointsToAlarm: number): Duration {
  return Duration.seconds((1 + datapointsToAlarm) * period.toSeconds() + ALB_METRIC_DELAY.toSeconds() + EVALUATION_INTERVAL.toSeconds());
}

/**
 * Modelled onset of a total AZ failure to ALARM on probe metrics:
 *
 *   interval (until the first probe after the onset)
 *   + datapointsToAlarm * period (until the M-th breaching period has ended)
 *   + deliveryDelay (the last probe of that period may start at its very end: timeout + ingestion)
 *   + 10 s (one evaluation of a sub-minute alarm)
 *
 * Composite alarms follow their children without a period of their own, so they add nothing.
 */
export function probeFastestTimeToAlarm(interval: Duration, period: Duration, datapointsToAlarm: number, deliveryDelay: Duration): Duration {
  return Duration.millis(interval.toMilliseconds() + datapointsToAlarm * period.toMilliseconds()
    + deliveryDelay.toMilliseconds() + SUB_MINUTE_EVALUATION_INTERVAL.toMilliseconds());
}
