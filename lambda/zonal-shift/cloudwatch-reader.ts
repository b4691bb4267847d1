import {
  CloudWatchClient,
  CompositeAlarm,
  DescribeAlarmsCommand,
  Dimension,
  MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { AlarmStateValue } from './alarm-rule';
import { AlarmReader, AlarmState, DimensionSet } from './types';

/** DescribeAlarms accepts at most this many names per call. */
export const DESCRIBE_ALARMS_BATCH = 100;
const MAX_PAGES_PER_BATCH = 10;

function stateOf(value: string | undefined): AlarmStateValue {
  return value === 'ALARM' || value === 'OK' ? value : 'INSUFFICIENT_DATA';
}

function dimensionSet(dimensions: Dimension[] | undefined): DimensionSet {
  const out: DimensionSet = {};
  for (const dimension of dimensions ?? []) {
    if (dimension.Name && dimension.Value !== undefined) {
      out[dimension.Name] = dimension.Value;
    }
  }
  return out;
}

function stateSince(alarm: { StateTransitionedTimestamp?: Date; StateUpdatedTimestamp?: Date }): number | undefined {
  const stamp = alarm.StateTransitionedTimestamp ?? alarm.StateUpdatedTimestamp;
  return stamp instanceof Date && !Number.isNaN(stamp.getTime()) ? stamp.getTime() : undefined;
}

/** The alarm's own metric (if any) and the metric of every `MetricStat` in its metric math. */
export function metricAlarmState(alarm: MetricAlarm): AlarmState {
  const sets: DimensionSet[] = [];
  if (alarm.MetricName || alarm.Dimensions?.length) {
    sets.push(dimensionSet(alarm.Dimensions));
  }
  for (const query of alarm.Metrics ?? []) {
    if (query.MetricStat?.Metric) {
      sets.push(dimensionSet(query.MetricStat.Metric.Dimensions));
    }
  }
  return {
    name: alarm.AlarmName ?? '',
    arn: alarm.AlarmArn,
    type: 'metric',
    state: stateOf(alarm.StateValue),
    dimensionSets: sets,
    stateSince: stateSince(alarm),
  };
}

/** A composite alarm's rule and state. */
export function compositeAlarmState(alarm: CompositeAlarm): AlarmState {
  return {
    name: alarm.AlarmName ?? '',
    arn: alarm.AlarmArn,
    type: 'composite',
    state: stateOf(alarm.StateValue),
    rule: alarm.AlarmRule ?? '',
    dimensionSets: [],
    stateSince: stateSince(alarm),
  };
}

/**
 * Reads alarm states with cloudwatch:DescribeAlarms, up to 100 names per call: one call for the
 * names of one load balancer and zone (the construct keeps them under 100).
 */
export class CloudWatchAlarmReader implements AlarmReader {
  constructor(private readonly client: CloudWatchClient) {}

  async describeAlarms(names: string[]): Promise<AlarmState[]> {
    const unique = [...new Set(names)];
    const out: AlarmState[] = [];
    for (let start = 0; start < unique.length; start += DESCRIBE_ALARMS_BATCH) {
      const batch = unique.slice(start, start + DESCRIBE_ALARMS_BATCH);
      let nextToken: string | undefined;
      let pages = 0;
      do {
        if (pages++ === MAX_PAGES_PER_BATCH) {
          // A partial answer could hide an alarm of a second AZ: fail rather than decide on it.
          throw new Error(`DescribeAlarms returned more than ${MAX_PAGES_PER_BATCH} pages for ${batch.length} alarm names`);
        }
        const response = await this.client.send(new DescribeAlarmsCommand({
          AlarmNames: batch,
          AlarmTypes: ['CompositeAlarm', 'MetricAlarm'],
          MaxRecords: DESCRIBE_ALARMS_BATCH,
          NextToken: nextToken,
        }));
        out.push(...(response.MetricAlarms ?? []).map(metricAlarmState));
        out.push(...(response.CompositeAlarms ?? []).map(compositeAlarmState));
        nextToken = response.NextToken;
      } while (nextToken);
    }
    return out;
  }
}
