import { CloudWatchClient, DescribeAlarmsCommand, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { BudgetRetryStrategy, CloudWatchAlarmReader, cloudWatchClient, compositeAlarmState, metricAlarmState } from '../../lambda/zonal-shift/cloudwatch-reader';
import { metricAlarm } from './support/fixtures';

/** A client whose every DescribeAlarms page says there is another. */
function endlessClient(): { client: CloudWatchClient; calls: DescribeAlarmsCommand[] } {
  const calls: DescribeAlarmsCommand[] = [];
  const client = {
    send: async (command: DescribeAlarmsCommand) => {
      calls.push(command);
      return { MetricAlarms: [metricAlarm(`a-${calls.length}`)], NextToken: `t${calls.length}` };
    },
  } as unknown as CloudWatchClient;
  return { client, calls };
}

test('an answer that keeps paging fails instead of returning a partial alarm set', async () => {
  const { client, calls } = endlessClient();
  await expect(new CloudWatchAlarmReader(client).describeAlarms(['a'])).rejects.toThrow(/more than 10 pages/);
  expect(calls).toHaveLength(10);
});

/** A client that answers each DescribeAlarms from `pages` (by call) and records the commands. */
function scriptedClient(pages: (input: DescribeAlarmsCommand['input'], call: number) => object): { client: CloudWatchClient; inputs: DescribeAlarmsCommand['input'][]; options: unknown[] } {
  const inputs: DescribeAlarmsCommand['input'][] = [];
  const options: unknown[] = [];
  const client = {
    send: async (command: DescribeAlarmsCommand, option: unknown) => {
      inputs.push(command.input);
      options.push(option);
      return pages(command.input, inputs.length);
    },
  } as unknown as CloudWatchClient;
  return { client, inputs, options };
}

describe('DescribeAlarms calls', () => {
  test('names are read once each, 100 per call, both alarm types, with an abort signal', async () => {
    const names = Array.from({ length: 250 }, (_, i) => `alarm-${i}`);
    const { client, inputs, options } = scriptedClient((input) => ({ MetricAlarms: input.AlarmNames!.map((name) => metricAlarm(name)) }));
    const states = await new CloudWatchAlarmReader(client).describeAlarms([...names, ...names.slice(0, 20)]);
    expect(states.map((state) => state.name)).toEqual(names);
    expect(inputs.map((input) => input.AlarmNames!.length)).toEqual([100, 100, 50]);
    expect(inputs[1].AlarmNames![0]).toBe('alarm-100');
    for (const input of inputs) {
      expect(input).toMatchObject({ AlarmTypes: ['CompositeAlarm', 'MetricAlarm'], MaxRecords: 100, NextToken: undefined });
    }
    expect(options.every((option) => (option as { abortSignal?: unknown }).abortSignal instanceof AbortSignal)).toBe(true);
  });

  test('pages are followed with their token, metric alarms and composites both kept; ten pages are allowed', async () => {
    const { client, inputs } = scriptedClient((_input, call) => ({
      MetricAlarms: [metricAlarm(`m-${call}`)],
      CompositeAlarms: [{ AlarmName: `c-${call}`, AlarmRule: 'TRUE', StateValue: 'ALARM' }],
      ...(call < 10 ? { NextToken: `page+${call}/=` } : {}),
    }));
    const states = await new CloudWatchAlarmReader(client).describeAlarms(['x']);
    expect(states).toHaveLength(20);
    expect(states.slice(0, 2).map((state) => [state.name, state.type])).toEqual([['m-1', 'metric'], ['c-1', 'composite']]);
    expect(inputs.map((input) => input.NextToken)).toEqual([undefined, ...Array.from({ length: 9 }, (_, i) => `page+${i + 1}/=`)]);
  });

  test('an answer with only composites, or with neither list, adds no metric alarm', async () => {
    const { client } = scriptedClient((_input, call) => (call === 1 ? { CompositeAlarms: [{ AlarmName: 'c', AlarmRule: 'TRUE' }] } : {}));
    const reader = new CloudWatchAlarmReader(client);
    expect((await reader.describeAlarms(['c'])).map((state) => [state.name, state.type])).toEqual([['c', 'composite']]);
    expect(await reader.describeAlarms(['d'])).toEqual([]);
  });

  test('no names, no call', async () => {
    const { client, inputs } = scriptedClient(() => ({}));
    await expect(new CloudWatchAlarmReader(client).describeAlarms([])).resolves.toEqual([]);
    expect(inputs).toHaveLength(0);
  });

  test('the paging limit is named with the batch size', async () => {
    const { client } = endlessClient();
    await expect(new CloudWatchAlarmReader(client).describeAlarms(['a', 'b', 'a'])).rejects.toThrow(new Error('DescribeAlarms returned more than 10 pages for 2 alarm names'));
  });
});

describe('alarm states', () => {
  const T1 = new Date('2026-11-26T10:00:00Z');
  const T2 = new Date('2026-11-26T11:00:00Z');

  test('a metric alarm: its own metric and every MetricStat of its math, in order', () => {
    expect(metricAlarmState({
      AlarmName: 'm', AlarmArn: 'arn:m', StateValue: 'ALARM', MetricName: 'HTTPCode_Target_5XX_Count',
      Dimensions: [{ Name: 'LoadBalancer', Value: 'app/web/1' }, { Name: 'AvailabilityZone', Value: 'us-east-1a' }, { Name: '', Value: 'nameless' }, { Name: 'Empty', Value: '' }, { Name: 'NoValue', Value: undefined as unknown as string }],
      Metrics: [
        { Id: 'e', Expression: 'm1 / m2' },
        { Id: 'm1', MetricStat: { Metric: { MetricName: 'RequestCount', Dimensions: [{ Name: 'LoadBalancer', Value: 'app/web/2' }] }, Period: 60, Stat: 'Sum' } },
        { Id: 'm2', MetricStat: { Metric: { MetricName: 'RequestCount' }, Period: 60, Stat: 'Sum' } },
      ],
      StateTransitionedTimestamp: T1, StateUpdatedTimestamp: T2,
      ActionsEnabled: true, AlarmActions: ['arn:fn'], OKActions: ['arn:ok'],
    })).toEqual({
      name: 'm', arn: 'arn:m', type: 'metric', state: 'ALARM',
      dimensionSets: [{ LoadBalancer: 'app/web/1', AvailabilityZone: 'us-east-1a', Empty: '' }, { LoadBalancer: 'app/web/2' }, {}],
      stateSince: T1.getTime(),
      actions: { enabled: true, onAlarm: ['arn:fn'], onOk: ['arn:ok'] },
    });
  });

  test.each<[string, object, object]>([
    ['a metric-math alarm has no metric of its own', { Metrics: [] }, { dimensionSets: [] }],
    ['dimensions without a metric name still count', { Dimensions: [{ Name: 'A', Value: 'b' }] }, { dimensionSets: [{ A: 'b' }] }],
    ['a metric name without dimensions is one empty set', { MetricName: 'x' }, { dimensionSets: [{}] }],
    ['OK stays OK', { StateValue: 'OK' }, { state: 'OK' }],
    ['an unknown state is insufficient data', { StateValue: 'PENDING' }, { state: 'INSUFFICIENT_DATA' }],
    ['no state is insufficient data', {}, { state: 'INSUFFICIENT_DATA', name: '' }],
    ['the update time when there is no transition time', { StateUpdatedTimestamp: T2 }, { stateSince: T2.getTime() }],
    ['an invalid time is no time', { StateTransitionedTimestamp: new Date('nonsense') }, { stateSince: undefined }],
    ['a time that is not a Date is no time', { StateTransitionedTimestamp: '2026-11-26T10:00:00Z' }, { stateSince: undefined }],
    ['no ActionsEnabled: actions unknown', { AlarmActions: ['arn:fn'] }, { actions: undefined }],
    ['actions disabled, with no lists', { ActionsEnabled: false }, { actions: { enabled: false, onAlarm: [], onOk: [] } }],
  ])('%s', (_name, alarm, fields) => {
    expect(metricAlarmState(alarm as MetricAlarm)).toMatchObject(fields);
  });

  test('a composite alarm: its rule, state and actions; no dimensions', () => {
    expect(compositeAlarmState({ AlarmName: 'c', AlarmArn: 'arn:c', AlarmRule: 'ALARM(a)', StateValue: 'OK', StateUpdatedTimestamp: T2, ActionsEnabled: true })).toEqual({
      name: 'c', arn: 'arn:c', type: 'composite', state: 'OK', rule: 'ALARM(a)', dimensionSets: [], stateSince: T2.getTime(),
      actions: { enabled: true, onAlarm: [], onOk: [] },
    });
    expect(compositeAlarmState({})).toEqual({ name: '', arn: undefined, type: 'composite', state: 'INSUFFICIENT_DATA', rule: '', dimensionSets: [], stateSince: undefined, actions: undefined });
  });
});

describe('the retry strategy of the CloudWatch client', () => {
  const policy = { attempts: 3, baseDelayMs: 500, maxDelayMs: 1000, timeoutMs: 3000 };

  test('throttling and transient errors back off with full jitter, doubling to the cap, for the policy\'s attempts', async () => {
    const slept: number[] = [];
    const strategy = new BudgetRetryStrategy(policy, () => 0.999, async (ms) => { slept.push(ms); });
    expect(strategy.mode).toBe('standard');
    const first = await strategy.acquireInitialRetryToken('scope');
    expect([first.getRetryCount(), first.getRetryDelay()]).toEqual([0, 0]);
    const second = await strategy.refreshRetryTokenForRetry(first, { errorType: 'THROTTLING' });
    const third = await strategy.refreshRetryTokenForRetry(second, { errorType: 'TRANSIENT' });
    expect([second.getRetryCount(), third.getRetryCount()]).toEqual([1, 2]);
    expect(slept).toEqual([499, 999]);
    await expect(strategy.refreshRetryTokenForRetry(third, { errorType: 'THROTTLING' })).rejects.toThrow('No retry token available');
    expect(slept).toHaveLength(2);
    strategy.recordSuccess(third);
  });

  test('the cap bounds a later backoff, and a random draw of zero sleeps nothing', async () => {
    const slept: number[] = [];
    const wide = new BudgetRetryStrategy({ ...policy, attempts: 5, baseDelayMs: 400 }, () => 0.5, async (ms) => { slept.push(ms); });
    let token = await wide.acquireInitialRetryToken('s');
    for (let i = 0; i < 4; i++) {
      token = await wide.refreshRetryTokenForRetry(token, { errorType: 'TRANSIENT' });
    }
    expect(slept).toEqual([200, 400, 500, 500]);
    const none: number[] = [];
    const zero = new BudgetRetryStrategy(policy, () => 0, async (ms) => { none.push(ms); });
    await zero.refreshRetryTokenForRetry(await zero.acquireInitialRetryToken('s'), { errorType: 'THROTTLING' });
    expect(none).toEqual([0]);
  });

  test.each(['CLIENT_ERROR', 'SERVER_ERROR', ''])('an error of type %j is not retried', async (errorType) => {
    const strategy = new BudgetRetryStrategy(policy, () => 0.5, async () => undefined);
    await expect(strategy.refreshRetryTokenForRetry(await strategy.acquireInitialRetryToken('s'), { errorType })).rejects.toThrow('No retry token available');
  });

  test('by default it sleeps in real time', async () => {
    const strategy = new BudgetRetryStrategy({ ...policy, baseDelayMs: 40, maxDelayMs: 40 }, () => 0.99);
    const began = Date.now();
    await strategy.refreshRetryTokenForRetry(await strategy.acquireInitialRetryToken('s'), { errorType: 'THROTTLING' });
    expect(Date.now() - began).toBeGreaterThanOrEqual(35);
  });

  test('the handler\'s client makes at most the policy\'s attempts', async () => {
    const client = cloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });
    expect(await client.config.maxAttempts()).toBe(3);
    expect(client.config.retryStrategy).toBeDefined();
    expect(await client.config.region()).toBe('us-east-1');
  });
});
