import {
  CloudWatchClient,
  CompositeAlarm,
  DescribeAlarmsCommand,
  Dimension,
  MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { AlarmStateValue } from './alarm-rule';
import { AlarmDefinition, AlarmReader, DimensionSet } from './types';

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

/** The alarm's own metric (if any) and the metric of every `MetricStat` in its metric math. */
export function metricAlarmDefinition(alarm: MetricAlarm): AlarmDefinition {
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
  };
}

/** A composite alarm's rule and state. */
export function compositeAlarmDefinition(alarm: CompositeAlarm): AlarmDefinition {
  return {
    name: alarm.AlarmName ?? '',
    arn: alarm.AlarmArn,
    type: 'composite',
    state: stateOf(alarm.StateValue),
    rule: alarm.AlarmRule ?? '',
    dimensionSets: [],
  };
}

/** Reads alarm definitions with cloudwatch:DescribeAlarms, up to 100 names per call. */
export class CloudWatchAlarmReader implements AlarmReader {
  constructor(private readonly client: CloudWatchClient) {}

  async describeAlarms(names: string[]): Promise<AlarmDefinition[]> {
    const unique = [...new Set(names)];
    const out: AlarmDefinition[] = [];
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
        out.push(...(response.MetricAlarms ?? []).map(metricAlarmDefinition));
        out.push(...(response.CompositeAlarms ?? []).map(compositeAlarmDefinition));
        nextToken = response.NextToken;
      } while (nextToken);
    }
    return out;
  }
}
