import { Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/** One evaluation cycle of a CloudWatch alarm with a period of a minute or more. */
export const EVALUATION_INTERVAL_SECONDS = 60;

/**
 * Run-time limit of an EC2/on-premises in-place deployment, for deployment configurations created
 * since June 2023 (older ones: 8 hours). The bake times between zones count against it.
 */
export const MAX_IN_PLACE_DEPLOYMENT_SECONDS = 12 * 3600;

/** Most alarms a deployment group's alarm configuration takes (CodeDeploy API reference). */
export const MAX_DEPLOYMENT_GROUP_ALARMS = 10;

/** Minimum healthy hosts per zone as rendered in CloudFormation. */
export interface HealthyHostsSpec {
  readonly type: string;
  readonly value: number;
}

/** Both numbers of a check, so that an error message can show them. */
export interface ZoneCapacity {
  /** Hosts that must stay healthy in the zone while a batch is out. */
  readonly minimumHealthy: number;
  /** Hosts CodeDeploy may take out of service in the zone at once. */
  readonly batchSize: number;
}

/**
 * How CodeDeploy turns a per-zone minimum into hosts: a count is used as is, a percentage of the
 * zone's hosts is rounded up to a whole host. The batch is what is left.
 */
export function zoneCapacity(spec: HealthyHostsSpec, hostsPerZone: number): ZoneCapacity {
  const minimumHealthy = spec.type === 'FLEET_PERCENT'
    ? Math.floor((spec.value * hostsPerZone + 99) / 100)
    : spec.value;
  return { minimumHealthy, batchSize: hostsPerZone - minimumHealthy };
}

/** Text such as `300 seconds (5 minutes)` for error messages. */
export function describeSeconds(seconds: number): string {
  const minutes = Math.round((seconds / 60) * 100) / 100;
  return `${seconds} seconds (${minutes} minute${minutes === 1 ? '' : 's'})`;
}

/**
 * Default bake time for a wait of `requiredSeconds`: rounded up to whole minutes, plus one minute
 * of margin.
 */
export function defaultBakeSeconds(requiredSeconds: number): number {
  return (Math.ceil(requiredSeconds / 60) + 1) * 60;
}

/**
 * The worst-case seconds a metric alarm defined in this app needs to go to ALARM: the period
 * times the evaluation periods, plus one evaluation cycle. For a metric math alarm the longest
 * period among its queries is used. Returns `undefined` when the alarm cannot be inspected:
 * imported, composite, or a period or count that is a token.
 */
export function inspectAlarmTimeToFire(alarm: cloudwatch.IAlarm): number | undefined {
  if (!(alarm instanceof cloudwatch.Alarm)) {
    return undefined;
  }
  const cfn = alarm.node.defaultChild as cloudwatch.CfnAlarm;
  const stack = Stack.of(alarm);
  const evaluationPeriods = stack.resolve(cfn.evaluationPeriods);
  let period = stack.resolve(cfn.period);
  if (period === undefined) {
    const metrics = stack.resolve(cfn.metrics);
    if (!Array.isArray(metrics)) {
      return undefined;
    }
    const periods = metrics
      .map((query: any) => query?.metricStat?.period ?? query?.period)
      .filter((value: unknown) => value !== undefined);
    if (periods.length === 0 || !periods.every(isConcreteNumber)) {
      return undefined;
    }
    period = Math.max(...periods);
  }
  if (!isConcreteNumber(period) || !isConcreteNumber(evaluationPeriods)) {
    return undefined;
  }
  return period * evaluationPeriods + EVALUATION_INTERVAL_SECONDS;
}

function isConcreteNumber(value: unknown): value is number {
  return typeof value === 'number' && !Token.isUnresolved(value);
}
