import {
  CloudWatchClient,
  CloudWatchClientConfig,
  CompositeAlarm,
  DescribeAlarmsCommand,
  Dimension,
  MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { AlarmStateValue } from './alarm-rule';
import { CLOUDWATCH_RETRY, RetryPolicy, worstCallMs } from './budget';
import { AlarmActions, AlarmReader, AlarmState, DimensionSet } from './types';

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

function actionsOf(alarm: { ActionsEnabled?: boolean; AlarmActions?: string[]; OKActions?: string[] }): AlarmActions | undefined {
  if (alarm.ActionsEnabled === undefined) {
    return undefined;
  }
  return { enabled: alarm.ActionsEnabled, onAlarm: alarm.AlarmActions ?? [], onOk: alarm.OKActions ?? [] };
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
    actions: actionsOf(alarm),
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
    actions: actionsOf(alarm),
  };
}

/**
 * Reads alarm states with cloudwatch:DescribeAlarms, up to 100 names per call: one call for the
 * names of one load balancer and zone (the construct keeps them under 100).
 */
export class CloudWatchAlarmReader implements AlarmReader {
  /**
   * @param deadlineMs the deadline of one call, retries included: by default the worst case of
   * {@link CLOUDWATCH_RETRY}, which the time budget counts on (tests cut it shorter).
   */
  constructor(private readonly client: CloudWatchClient, readonly deadlineMs: number = worstCallMs(CLOUDWATCH_RETRY)) {}

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
        // The SDK's requestTimeout is an idle timeout; this is the deadline the budget counts on.
        const response = await this.client.send(new DescribeAlarmsCommand({
          AlarmNames: batch,
          AlarmTypes: ['CompositeAlarm', 'MetricAlarm'],
          MaxRecords: DESCRIBE_ALARMS_BATCH,
          NextToken: nextToken,
        }), { abortSignal: AbortSignal.timeout(this.deadlineMs) });
        out.push(...(response.MetricAlarms ?? []).map(metricAlarmState));
        out.push(...(response.CompositeAlarms ?? []).map(compositeAlarmState));
        nextToken = response.NextToken;
      } while (nextToken);
    }
    return out;
  }
}

/** Options of {@link cloudWatchClient}. */
export interface CloudWatchClientOptions {
  readonly region: string;
  readonly credentials: CloudWatchClientConfig['credentials'];
  /** Endpoint override (tests); the SDK also honours `AWS_ENDPOINT_URL_CLOUDWATCH`. */
  readonly endpoint?: string;
}

/** A retry token: the retries so far. The backoff is slept in `refreshRetryTokenForRetry`. */
class RetryCount {
  constructor(private readonly count: number) {}
  getRetryCount(): number {
    return this.count;
  }
  getRetryDelay(): number {
    return 0;
  }
}

/**
 * The SDK's retry contract with the backoff of a {@link RetryPolicy} and nothing else: full
 * jitter, `baseDelayMs * 2^retry` capped at `maxDelayMs`, `attempts` in all. The SDK's standard
 * strategy backs off from a larger throttling base and lengthens each backoff by up to 5 s when an
 * answer carries Retry-After, which the time budget checked against the function's timeout
 * cannot bound; a Retry-After is ignored here (Lambda's own retry takes over after the attempts).
 */
export class BudgetRetryStrategy {
  readonly mode = 'standard';

  constructor(
    private readonly policy: RetryPolicy,
    private readonly random: () => number = Math.random,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  async acquireInitialRetryToken(_scope: string): Promise<RetryCount> {
    return new RetryCount(0);
  }

  async refreshRetryTokenForRetry(token: { getRetryCount(): number }, info: { errorType: string }): Promise<RetryCount> {
    const retries = token.getRetryCount();
    if (retries + 1 >= this.policy.attempts || (info.errorType !== 'THROTTLING' && info.errorType !== 'TRANSIENT')) {
      throw new Error('No retry token available');
    }
    await this.sleep(Math.floor(this.random() * Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** retries)));
    return new RetryCount(retries + 1);
  }

  recordSuccess(_token: unknown): void {}
}

/** The CloudWatch client of the handler, with the retry budget of {@link CLOUDWATCH_RETRY}. */
export function cloudWatchClient(options: CloudWatchClientOptions): CloudWatchClient {
  return new CloudWatchClient({
    region: options.region,
    credentials: options.credentials,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    maxAttempts: CLOUDWATCH_RETRY.attempts,
    retryStrategy: new BudgetRetryStrategy(CLOUDWATCH_RETRY),
    requestHandler: { requestTimeout: CLOUDWATCH_RETRY.timeoutMs, connectionTimeout: 1000 },
  });
}
