import { parseConfig } from '../../lambda/zonal-probe/config';
import { ProbeResult } from '../../lambda/zonal-probe/probe';
import { cycleMetricData } from '../../lambda/zonal-probe/publish';
import { LB_DIMENSION, env } from './support/fixtures';

const TIMESTAMP = new Date('2030-01-01T00:00:00.000Z');

function dimensions(az: string) {
  return [{ Name: 'LoadBalancer', Value: LB_DIMENSION }, { Name: 'AvailabilityZone', Value: az }];
}

test('per AZ one fault rate, and a latency of the requests that got a response (a 503 too) if any did; one Cycles count', () => {
  const config = parseConfig(env({ AVAILABILITY_ZONES: JSON.stringify(['us-east-1a', 'us-east-1b', 'us-east-1c']), REQUESTS_PER_CYCLE: '2' }));
  const results: ProbeResult[] = [
    { availabilityZone: 'us-east-1a', outcome: 'ok', status: 200, latencySeconds: 0.012 },
    { availabilityZone: 'us-east-1b', outcome: 'ok', status: 204, latencySeconds: 0.004 },
    { availabilityZone: 'us-east-1c', outcome: 'dns', detail: 'ENOTFOUND' },
    { availabilityZone: 'us-east-1a', outcome: 'status', status: 503, latencySeconds: 0.034 },
    { availabilityZone: 'us-east-1b', outcome: 'timeout', detail: 'no response within 300 ms' },
    { availabilityZone: 'us-east-1c', outcome: 'connection', detail: 'ECONNREFUSED' },
  ];
  const fault = (az: string, values: number[], counts: number[]) =>
    ({ MetricName: 'FaultRate', Dimensions: dimensions(az), Timestamp: TIMESTAMP, Values: values, Counts: counts, Unit: 'Percent', StorageResolution: 1 });
  const latency = (az: string, values: number[]) =>
    ({ MetricName: 'Latency', Dimensions: dimensions(az), Timestamp: TIMESTAMP, Values: values, Counts: values.map(() => 1), Unit: 'Seconds', StorageResolution: 1 });

  expect(cycleMetricData(config, results, TIMESTAMP)).toEqual([
    fault('us-east-1a', [0, 100], [1, 1]),
    latency('us-east-1a', [0.012, 0.034]),
    fault('us-east-1b', [0, 100], [1, 1]),
    latency('us-east-1b', [0.004]),
    fault('us-east-1c', [100], [2]),
    { MetricName: 'Cycles', Dimensions: [{ Name: 'LoadBalancer', Value: LB_DIMENSION }], Timestamp: TIMESTAMP, Value: 1, Unit: 'Count', StorageResolution: 1 },
  ]);
});
