import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchAlarmReader } from '../../lambda/zonal-shift/cloudwatch-reader';
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
