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
