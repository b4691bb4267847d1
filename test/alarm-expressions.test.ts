import { App, Stack, aws_cloudwatch as cloudwatch, aws_ec2 as ec2, aws_elasticloadbalancingv2 as elbv2 } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { ZonalAlarms, ZonalAlarmsProps } from '../lib/zonal-alarms';
import { MetricQuery, Value, evaluateAlarmQueries } from './support/metric-math';

/*
 * The synthesized metric-math expressions, evaluated on datapoints: what the alarms would see,
 * not what their text looks like.
 */

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

/** Datapoints of one period per AZ; a missing key means no datapoint (the ALB publishes none). */
interface ZoneData {
  readonly requests?: number;
  readonly target5xx?: number;
  readonly elb5xx?: number;
}

const METRIC_KEYS: Record<string, keyof ZoneData> = {
  RequestCount: 'requests',
  HTTPCode_Target_5XX_Count: 'target5xx',
  HTTPCode_ELB_5XX_Count: 'elb5xx',
};

function build(props: Partial<ZonalAlarmsProps> = {}) {
  const stack = new Stack(new App(), 'Stack');
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0 });
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
  alb.addListener('Http', { port: 80 }).addAction('Fixed', { action: elbv2.ListenerAction.fixedResponse(200) });
  const alarms = new ZonalAlarms(stack, 'Alarms', { loadBalancer: alb, availabilityZones: ZONES, ...props });
  const template = Template.fromStack(stack).toJSON();
  const resource = (alarm: cloudwatch.Alarm) => template.Resources[stack.getLogicalId(alarm.node.defaultChild as cloudwatch.CfnAlarm)].Properties;
  return { alarms, resource };
}

/** Evaluates an alarm's expression for one period, and whether that period breaches. */
function evaluate(properties: any, data: Record<string, ZoneData>): { value: Value; breaching: boolean | undefined } {
  const value = evaluateAlarmQueries(properties.Metrics as MetricQuery[], (query) => {
    const metric = query.MetricStat!.Metric;
    const az = metric.Dimensions!.find((d) => d.Name === 'AvailabilityZone')!.Value as string;
    const key = METRIC_KEYS[metric.MetricName];
    if (!key) {
      throw new Error(`no datapoints for ${metric.MetricName}`);
    }
    return data[az]?.[key];
  });
  expect(properties.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
  return { value, breaching: value === undefined ? undefined : value >= properties.Threshold };
}

describe('fault-rate expression on datapoints (threshold 1 %, at least 20 requests)', () => {
  const { alarms, resource } = build({ outlierDetection: false });
  const availability = resource(alarms.zones[0].availabilityAlarm);
  const a = (data: ZoneData) => evaluate(availability, { 'us-east-1a': data });

  test('zero 5xx: the ALB publishes no 5xx datapoints, the rate is 0', () => {
    expect(a({ requests: 500 })).toEqual({ value: 0, breaching: false });
  });

  test('only load-balancer 5xx count as faults', () => {
    expect(a({ requests: 100, elb5xx: 5 })).toEqual({ value: 5, breaching: true });
  });

  test('target and load-balancer 5xx add up', () => {
    expect(a({ requests: 200, target5xx: 1, elb5xx: 1 })).toEqual({ value: 1, breaching: true });
  });

  test('exactly the threshold breaches; just below does not', () => {
    expect(a({ requests: 100, target5xx: 1 })).toEqual({ value: 1, breaching: true });
    expect(a({ requests: 101, target5xx: 1 }).breaching).toBe(false);
  });

  test('below the request minimum the rate reads 0, even with every request failing', () => {
    expect(a({ requests: 19, target5xx: 19 })).toEqual({ value: 0, breaching: false });
    expect(a({ requests: 20, target5xx: 20 })).toEqual({ value: 100, breaching: true });
  });

  test('RequestCount smaller than ELB 5xx: the rejected requests are the traffic, 100 %', () => {
    expect(a({ requests: 5, elb5xx: 30 })).toEqual({ value: 100, breaching: true });
    expect(a({ elb5xx: 30 })).toEqual({ value: 100, breaching: true });
  });

  test('no datapoints at all (a drained AZ) is no value: missing data, not breaching', () => {
    expect(a({})).toEqual({ value: undefined, breaching: undefined });
  });
});

describe('outlier rule on datapoints (factor 3, floor 0.5 %, static threshold 1 %)', () => {
  const { alarms, resource } = build();
  const outlier = alarms.zones.map((zone) => resource(zone.outlierAlarm!));
  const rates = (percent: Array<number | undefined>): Record<string, ZoneData> =>
    Object.fromEntries(ZONES.map((az, i) => [az, percent[i] === undefined ? {} : { requests: 1000, target5xx: percent[i]! * 10 }]));
  const outliers = (percent: Array<number | undefined>) => outlier.map((properties) => evaluate(properties, rates(percent)).breaching);

  test('one AZ at 0.8 % against 0.1 % elsewhere is an outlier, below the static threshold', () => {
    expect(outliers([0.8, 0.1, 0.1])).toEqual([true, false, false]);
  });

  test('every AZ degrading together is never an outlier', () => {
    for (const rate of [0.5, 0.8, 2, 10, 50, 100]) {
      expect(outliers([rate, rate, rate])).toEqual([false, false, false]);
    }
  });

  test('below the floor is never an outlier, however far from the others', () => {
    expect(outliers([0.4, 0, 0])).toEqual([false, false, false]);
  });

  test('less than factor times the mean of the others is not an outlier', () => {
    // mean of the others 0.3, 3 x 0.3 = 0.9 > 0.8
    expect(outliers([0.8, 0.3, 0.3])).toEqual([false, false, false]);
    // exactly 3 x the mean (0.3 x 3 = 0.9) is one
    expect(outliers([0.9, 0.3, 0.3])).toEqual([true, false, false]);
  });

  test('two bad AZs are not outliers against each other (a regional event)', () => {
    expect(outliers([5, 5, 0])).toEqual([false, false, false]);
  });

  test('an AZ without traffic counts as 0 among the others', () => {
    expect(outliers([0.8, undefined, 0.1])).toEqual([true, undefined, false]);
  });

  test('with factor 3 > N - 1, at most one AZ is an outlier at a time, whatever the rates', () => {
    let outlierRuns = 0;
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 3, maxLength: 3 }), (faults) => {
      const found = outliers(faults.map((count) => count / 10)).filter((breaching) => breaching === true).length;
      outlierRuns += found > 0 ? 1 : 0;
      return found <= 1;
    }), { numRuns: 300, seed: 8 });
    // The property is only worth something if the generator reaches outliers.
    expect(outlierRuns).toBeGreaterThanOrEqual(300 / 10);
  });

  test('alarm threshold is the floor and the expression reads every AZ: 3 metrics per AZ, within the 10-metric limit', () => {
    expect(outlier[0].Threshold).toBe(0.5);
    expect((outlier[0].Metrics as MetricQuery[]).filter((query) => query.MetricStat)).toHaveLength(9);
  });
});
