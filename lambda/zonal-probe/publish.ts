import { MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ProbeConfig } from './config';
import { ProbeResult } from './probe';

/** Sends one PutMetricData request; the CloudWatch client in production. */
export interface MetricSink {
  send(command: PutMetricDataCommand): Promise<unknown>;
}

/**
 * The datapoints of one cycle, stamped with the cycle's start: per AZ the fault rate (each
 * request 0 or 100 percent, so the period's Average is the percentage of failed requests) and the
 * latency of every request that got a response, both at one-second storage resolution; plus one
 * `Cycles` count without an AZ, the probe's heartbeat.
 */
export function cycleMetricData(config: ProbeConfig, results: ProbeResult[], timestamp: Date): MetricDatum[] {
  const data: MetricDatum[] = [];
  for (const az of config.availabilityZones) {
    const mine = results.filter((result) => result.availabilityZone === az);
    const failed = mine.filter((result) => result.outcome !== 'ok').length;
    const dimensions = [
      { Name: 'LoadBalancer', Value: config.loadBalancerDimension },
      { Name: 'AvailabilityZone', Value: az },
    ];
    const values: number[] = [];
    const counts: number[] = [];
    if (mine.length - failed > 0) {
      values.push(0);
      counts.push(mine.length - failed);
    }
    if (failed > 0) {
      values.push(100);
      counts.push(failed);
    }
    data.push({
      MetricName: config.faultRateMetric,
      Dimensions: dimensions,
      Timestamp: timestamp,
      Values: values,
      Counts: counts,
      Unit: 'Percent',
      StorageResolution: 1,
    });
    const latencies = mine.filter((result) => result.latencySeconds !== undefined).map((result) => result.latencySeconds as number);
    if (latencies.length > 0) {
      data.push({
        MetricName: config.latencyMetric,
        Dimensions: dimensions,
        Timestamp: timestamp,
        Values: latencies,
        Counts: latencies.map(() => 1),
        Unit: 'Seconds',
        StorageResolution: 1,
      });
    }
  }
  data.push({
    MetricName: config.cyclesMetric,
    Dimensions: [{ Name: 'LoadBalancer', Value: config.loadBalancerDimension }],
    Timestamp: timestamp,
    Value: 1,
    Unit: 'Count',
    StorageResolution: 1,
  });
  return data;
}

/** Publishes one cycle in one request (a cycle of up to 49 AZs fits PutMetricData's 1000 items). */
export async function publishCycle(sink: MetricSink, config: ProbeConfig, results: ProbeResult[], timestamp: Date): Promise<number> {
  const data = cycleMetricData(config, results, timestamp);
  await sink.send(new PutMetricDataCommand({ Namespace: config.namespace, MetricData: data }));
  return data.length;
}
