import { App, CfnParameter, Duration, Stack, aws_cloudwatch as cloudwatch, aws_ec2 as ec2, aws_elasticloadbalancingv2 as elbv2 } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ZonalAlarms, ZonalAlarmsProps } from '../lib/zonal-alarms';
import { ZonalProbes, ZonalProbesProps } from '../lib/zonal-probes';

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const ALB_ARN = 'arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/shop/50dc6c495c0c9188';
const TG_ARN = 'arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/shop-tg/73e2d6bc24d8a067';

interface Fixture {
  readonly stack: Stack;
  readonly alb: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
}

/** A fresh stack with a minimal test-only ALB and target group. */
function fixture(): Fixture {
  const stack = new Stack(new App(), 'Stack');
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0 });
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
  const targetGroup = new elbv2.ApplicationTargetGroup(stack, 'Targets', { vpc, port: 80 });
  alb.addListener('Http', { port: 80, defaultTargetGroups: [targetGroup] });
  return { stack, alb, targetGroup };
}

function synth(props: Partial<ZonalAlarmsProps> = {}, withTargetGroup = false) {
  const { stack, alb, targetGroup } = fixture();
  const alarms = new ZonalAlarms(stack, 'Alarms', {
    loadBalancer: alb,
    availabilityZones: ZONES,
    targetGroup: withTargetGroup ? targetGroup : undefined,
    // The tests of the static alarms leave out the outlier alarms; their own tests turn them on.
    outlierDetection: false,
    ...props,
  });
  return { stack, alb, alarms, template: Template.fromStack(stack) };
}

function logicalId(stack: Stack, alarm: cloudwatch.Alarm | cloudwatch.CompositeAlarm): string {
  return stack.getLogicalId(alarm.node.defaultChild as cloudwatch.CfnAlarm);
}

/** A composite alarm's rule as text, with every alarm reference replaced by its logical ID. */
function ruleText(template: Template, compositeLogicalId: string): string {
  const rule = template.toJSON().Resources[compositeLogicalId].Properties.AlarmRule;
  if (typeof rule === 'string') {
    return rule;
  }
  const parts: unknown[] = rule['Fn::Join'][1];
  return parts.map((part) => {
    if (typeof part === 'string') {
      return part;
    }
    const getAtt = (part as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt'];
    if (getAtt && getAtt[1] === 'Arn') {
      return getAtt[0];
    }
    throw new Error(`unexpected rule part ${JSON.stringify(part)}`);
  }).join('');
}

/** Every MetricStat of every metric alarm, keyed by alarm logical ID. */
function metricStats(template: Template): Array<{ alarm: string; stat: any }> {
  const out: Array<{ alarm: string; stat: any }> = [];
  for (const [id, resource] of Object.entries(template.findResources('AWS::CloudWatch::Alarm'))) {
    const props = resource.Properties;
    if (props.MetricName) {
      // A single-metric alarm: the metric is rendered at the top level.
      out.push({
        alarm: id,
        stat: {
          Metric: { Namespace: props.Namespace, MetricName: props.MetricName, Dimensions: props.Dimensions },
          Period: props.Period,
          Stat: props.Statistic ?? props.ExtendedStatistic,
        },
      });
    }
    for (const query of props.Metrics ?? []) {
      if (query.MetricStat) {
        out.push({ alarm: id, stat: query.MetricStat });
      }
    }
  }
  return out;
}

function dimensionNames(stat: any): string[] {
  return (stat.Metric.Dimensions as Array<{ Name: string }>).map((d) => d.Name).sort();
}

describe('resources created', () => {
  test('two metric alarms per AZ by default', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2 * ZONES.length);
  });

  test('three metric alarms per AZ with the unhealthy-hosts alarm', () => {
    const { template } = synth({ alarmOnUnhealthyHosts: true }, true);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3 * ZONES.length);
  });

  test('two composites per AZ plus one regional composite', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 2 * ZONES.length + 1);
  });

  test('zones are exposed in the order given', () => {
    const { alarms } = synth();
    expect(alarms.zones.map((zone) => zone.availabilityZone)).toEqual(ZONES);
  });

  test('unhealthyHostsAlarm is undefined unless enabled', () => {
    const { alarms } = synth();
    expect(alarms.zones.every((zone) => zone.unhealthyHostsAlarm === undefined)).toBe(true);
  });
});

describe('dimensions', () => {
  test('every member metric of every metric alarm has LoadBalancer and AvailabilityZone', () => {
    const { template } = synth({ alarmOnUnhealthyHosts: true }, true);
    const stats = metricStats(template);
    expect(stats.length).toBe(ZONES.length * (3 + 2 + 1));
    for (const { stat } of stats) {
      expect(dimensionNames(stat)).toEqual(expect.arrayContaining(['AvailabilityZone', 'LoadBalancer']));
      expect(stat.Metric.Namespace).toBe('AWS/ApplicationELB');
    }
  });

  test('each alarm reads only its own AZ', () => {
    const { stack, alarms, template } = synth({ alarmOnUnhealthyHosts: true }, true);
    const stats = metricStats(template);
    for (const zone of alarms.zones) {
      const ids = [zone.availabilityAlarm, zone.latencyAlarm, zone.unhealthyHostsAlarm!].map((a) => logicalId(stack, a));
      const zoneValues = stats.filter((s) => ids.includes(s.alarm))
        .map((s) => s.stat.Metric.Dimensions.find((d: any) => d.Name === 'AvailabilityZone').Value);
      expect(new Set(zoneValues)).toEqual(new Set([zone.availabilityZone]));
    }
  });

  test('the LoadBalancer dimension is the load balancer full name', () => {
    const { stack, alb, template } = synth();
    const albId = stack.getLogicalId(alb.node.defaultChild as elbv2.CfnLoadBalancer);
    const stats = metricStats(template);
    expect(stats).toHaveLength(ZONES.length * (3 + 2));
    for (const { stat } of stats) {
      const lb = stat.Metric.Dimensions.find((d: any) => d.Name === 'LoadBalancer');
      expect(lb.Value).toEqual({ 'Fn::GetAtt': [albId, 'LoadBalancerFullName'] });
    }
  });

  test('unhealthy-hosts alarm also carries the TargetGroup dimension', () => {
    const { stack, alarms, template } = synth({ alarmOnUnhealthyHosts: true }, true);
    const id = logicalId(stack, alarms.zones[0].unhealthyHostsAlarm!);
    const stats = metricStats(template).filter((s) => s.alarm === id);
    expect(stats).toHaveLength(1);
    expect(stats[0].stat.Metric.MetricName).toBe('UnHealthyHostCount');
    expect(dimensionNames(stats[0].stat)).toEqual(['AvailabilityZone', 'LoadBalancer', 'TargetGroup']);
  });
});

describe('availability alarm', () => {
  test('is fault-rate metric math over target and load balancer 5XX with a request minimum', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', Match.objectLike({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Metrics: Match.arrayWith([
        Match.objectLike({
          Expression: 'IF(MAX([requests_z0, elbFaults_z0]) >= 20, 100 * SUM([FILL(targetFaults_z0, 0), FILL(elbFaults_z0, 0)]) / MAX([requests_z0, elbFaults_z0]), 0)',
          ReturnData: true,
        }),
        Match.objectLike({ Id: 'requests_z0', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'RequestCount' }), Stat: 'Sum', Period: 60 }), ReturnData: false }),
        Match.objectLike({ Id: 'targetFaults_z0', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'HTTPCode_Target_5XX_Count' }), Stat: 'Sum' }) }),
        Match.objectLike({ Id: 'elbFaults_z0', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'HTTPCode_ELB_5XX_Count' }), Stat: 'Sum' }) }),
      ]),
    }));
  });

  test('uses the configured threshold and request minimum', () => {
    const { template } = synth({ faultRateThresholdPercent: 5, minimumRequests: 100 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', Match.objectLike({
      Threshold: 5,
      Metrics: Match.arrayWith([Match.objectLike({ Expression: Match.stringLikeRegexp('^IF\\(MAX\\(\\[requests_z1, elbFaults_z1\\]\\) >= 100, ') })]),
    }));
  });

  test('a request minimum of 0 guards with 1 so a period without requests never divides by zero', () => {
    const { template } = synth({ minimumRequests: 0 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', Match.objectLike({
      Metrics: Match.arrayWith([Match.objectLike({ Expression: Match.stringLikeRegexp('^IF\\(MAX\\(\\[requests_z0, elbFaults_z0\\]\\) >= 1, 100') })]),
    }));
  });

  test('requests rejected before a target is chosen count as traffic: ELB 5XX above RequestCount is the denominator', () => {
    // RequestCount leaves out requests rejected before a target was chosen (503s from an AZ
    // without registered targets); without this the AZ would fall under the request minimum.
    const { template } = synth();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', Match.objectLike({
      Metrics: Match.arrayWith([Match.objectLike({
        Expression: Match.stringLikeRegexp('^IF\\(MAX\\(\\[requests_z2, elbFaults_z2\\]\\) >= 20, .* / MAX\\(\\[requests_z2, elbFaults_z2\\]\\), 0\\)$'),
      })]),
    }));
  });
});

describe('latency alarm', () => {
  test('defaults to p99 TargetResponseTime at or above 1 second', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', Match.objectLike({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(requests_z2 >= 20, latency_z2, 0)' }),
        Match.objectLike({ Id: 'latency_z2', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'TargetResponseTime' }), Stat: 'p99' }) }),
      ]),
    }));
  });

  test('uses the configured percentile and threshold in seconds', () => {
    const { template } = synth({ latencyPercentile: 99.9, latencyThreshold: Duration.millis(250) });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', Match.objectLike({
      Threshold: 0.25,
      Metrics: Match.arrayWith([
        Match.objectLike({ Id: 'latency_z0', MetricStat: Match.objectLike({ Stat: 'p99.9' }) }),
      ]),
    }));
  });
});

describe('timing', () => {
  test.each([
    ['defaults', {}, 60, 5, 3, 'notBreaching'],
    ['custom', { period: Duration.minutes(2), evaluationPeriods: 4, datapointsToAlarm: 2, treatMissingData: cloudwatch.TreatMissingData.IGNORE }, 120, 4, 2, 'ignore'],
  ])('%s: every metric alarm uses the period, M of N and missing-data treatment', (_name, props, period, n, m, missing) => {
    const { template } = synth({ ...props, alarmOnUnhealthyHosts: true }, true);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(9);
    for (const alarm of alarms) {
      expect(alarm.Properties).toMatchObject({ EvaluationPeriods: n, DatapointsToAlarm: m, TreatMissingData: missing });
    }
    const stats = metricStats(template);
    expect(stats).toHaveLength(3 * (3 + 2 + 1));
    for (const { stat } of stats) {
      expect(stat.Period).toBe(period);
    }
  });

  test.each([
    [{}, 360],
    [{ period: Duration.minutes(2), evaluationPeriods: 3, datapointsToAlarm: 3 }, 420],
    [{ evaluationPeriods: 1, datapointsToAlarm: 1 }, 120],
  ])('timeToAlarm for %j is %i seconds (N * period + 60 s)', (props, seconds) => {
    const { alarms } = synth(props);
    expect(alarms.timeToAlarm.toSeconds()).toBe(seconds);
  });
});

describe('composite rules', () => {
  test('impaired is ANY of the AZ metric alarms', () => {
    const { stack, alarms, template } = synth({ alarmOnUnhealthyHosts: true }, true);
    const zone = alarms.zones[1];
    const [a, l, u] = [zone.availabilityAlarm, zone.latencyAlarm, zone.unhealthyHostsAlarm!].map((x) => logicalId(stack, x));
    expect(ruleText(template, logicalId(stack, zone.impairedAlarm))).toBe(`(ALARM("${a}") OR ALARM("${l}") OR ALARM("${u}"))`);
  });

  test('isolated impact is this AZ impaired AND NOT any other AZ impaired', () => {
    const { stack, alarms, template } = synth();
    const [i0, i1, i2] = alarms.zones.map((zone) => logicalId(stack, zone.impairedAlarm));
    expect(ruleText(template, logicalId(stack, alarms.zones[1].isolatedImpactAlarm)))
      .toBe(`(ALARM("${i1}") AND (NOT ((ALARM("${i0}") OR ALARM("${i2}")))))`);
  });

  test('regional impact is "two or more AZs impaired" written with AND and OR', () => {
    const { stack, alarms, template } = synth();
    const [i0, i1, i2] = alarms.zones.map((zone) => logicalId(stack, zone.impairedAlarm));
    expect(ruleText(template, logicalId(stack, alarms.regionalImpactAlarm)))
      .toBe(`((ALARM("${i0}") AND (ALARM("${i1}") OR ALARM("${i2}"))) OR (ALARM("${i1}") AND (ALARM("${i2}"))))`);
  });

  test('no composite has actions of its own', () => {
    const { template } = synth();
    for (const composite of Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm'))) {
      expect(composite.Properties.AlarmActions).toBeUndefined();
    }
  });
});

describe('names', () => {
  test('alarmNamePrefix names every alarm', () => {
    const { template } = synth({ alarmNamePrefix: 'shop', alarmOnUnhealthyHosts: true }, true);
    const metricNames = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((r) => r.Properties.AlarmName).sort();
    const compositeNames = Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm')).map((r) => r.Properties.AlarmName).sort();
    expect(metricNames).toEqual(ZONES.flatMap((az) => [`shop-${az}-availability`, `shop-${az}-latency`, `shop-${az}-unhealthy-hosts`]).sort());
    expect(compositeNames).toEqual([...ZONES.flatMap((az) => [`shop-${az}-impaired`, `shop-${az}-isolated-impact`]), 'shop-regional-impact'].sort());
  });

  test('without a prefix CloudFormation generates names', () => {
    const { template } = synth();
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmName).toBeUndefined();
    }
  });
});

describe('lookups', () => {
  test('zone() returns the set of that AZ', () => {
    const { alarms } = synth();
    expect(alarms.zone('us-east-1b')).toBe(alarms.zones[1]);
  });

  test('zone() throws for an unknown AZ', () => {
    const { alarms } = synth();
    expect(() => alarms.zone('us-east-1z')).toThrow(/Unknown availability zone 'us-east-1z'/);
  });

  test('metricFaultRate() throws for an unknown AZ', () => {
    const { alarms } = synth();
    expect(() => alarms.metricFaultRate('eu-west-1a')).toThrow(/Unknown availability zone/);
  });

  test('metricLatency(az) is the percentile of TargetResponseTime in that AZ', () => {
    const { alarms } = synth();
    const config = alarms.metricLatency('us-east-1c').toMetricConfig();
    expect(config.metricStat?.metricName).toBe('TargetResponseTime');
    expect(config.metricStat?.statistic).toBe('p99');
    expect(config.metricStat?.dimensions?.map((d) => d.name).sort()).toEqual(['AvailabilityZone', 'LoadBalancer']);
  });

  test('metricFaultRate() without an AZ is regional: no AvailabilityZone dimension', () => {
    const { alarms } = synth();
    const config = alarms.metricFaultRate().toMetricConfig();
    const members = Object.values(config.mathExpression!.usingMetrics);
    expect(members).toHaveLength(3);
    for (const member of members) {
      expect(member.toMetricConfig().metricStat?.dimensions?.map((d) => d.name)).toEqual(['LoadBalancer']);
    }
  });
});

describe('validation', () => {
  test.each<[string, Partial<ZonalAlarmsProps>, RegExp]>([
    ['one AZ', { availabilityZones: ['us-east-1a'] }, /at least 2 Availability Zones, got 1/],
    ['duplicate AZ', { availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1a'] }, /'us-east-1a' more than once/],
    ['AZ ID instead of name', { availabilityZones: ['use1-az1', 'use1-az2'] }, /'use1-az1' looks like an AZ ID/],
    ['fault rate 0', { faultRateThresholdPercent: 0 }, /faultRateThresholdPercent is 0; .*\(0, 100\]/],
    ['fault rate above 100', { faultRateThresholdPercent: 101 }, /faultRateThresholdPercent is 101/],
    ['negative request minimum', { minimumRequests: -1 }, /minimumRequests is -1; .*integer >= 0/],
    ['fractional request minimum', { minimumRequests: 2.5 }, /minimumRequests is 2.5/],
    ['zero latency', { latencyThreshold: Duration.seconds(0) }, /latencyThreshold is .*greater than zero/],
    ['percentile 100', { latencyPercentile: 100 }, /latencyPercentile is 100; .*\(0, 100\)/],
    ['percentile 0', { latencyPercentile: 0 }, /latencyPercentile is 0/],
    ['sub-minute period', { period: Duration.seconds(30) }, /period is 30 seconds; .*multiple of 60 seconds/],
    ['period not a multiple of 60', { period: Duration.seconds(90) }, /period is 1 minute 30 seconds/],
    ['M above N', { evaluationPeriods: 3, datapointsToAlarm: 4 }, /datapointsToAlarm is 4; .*between 1 and evaluationPeriods \(3\)/],
    ['M zero', { datapointsToAlarm: 0 }, /datapointsToAlarm is 0/],
    ['N zero', { evaluationPeriods: 0, datapointsToAlarm: 1 }, /evaluationPeriods is 0/],
    ['window above a day', { period: Duration.hours(1), evaluationPeriods: 25, datapointsToAlarm: 1 }, /90000 s; .*at most one day/],
    ['unhealthy alarm without target group', { alarmOnUnhealthyHosts: true }, /no targetGroup is given/],
    ['unhealthy threshold 0', { unhealthyHostThreshold: 0 }, /unhealthyHostThreshold is 0/],
    ['empty name prefix', { alarmNamePrefix: '' }, /alarmNamePrefix is empty/],
    ['name prefix too long', { alarmNamePrefix: 'x'.repeat(240) }, /makes alarm names 267 characters long; .*at most 228 characters/],
  ])('%s throws', (_name, props, message) => {
    const { stack, alb } = fixture();
    expect(() => new ZonalAlarms(stack, 'Alarms', { loadBalancer: alb, availabilityZones: ZONES, ...props })).toThrow(message);
  });

  test('a day-long window is accepted', () => {
    expect(() => synth({ period: Duration.hours(1), evaluationPeriods: 24, datapointsToAlarm: 1 })).not.toThrow();
  });

  test('more than 100 AZs exceeds the composite child limit', () => {
    const { stack, alb } = fixture();
    const zones = Array.from({ length: 101 }, (_, i) => `zz-test-1-${i}`);
    expect(() => new ZonalAlarms(stack, 'Alarms', { loadBalancer: alb, availabilityZones: zones })).toThrow(/reference 101 alarms; .*at most 100/);
  });

  test('a composite rule longer than 10240 characters is an error, though alarm ARNs are tokens', () => {
    // 12 AZs and a 200-character prefix: the regional rule references 77 ARNs of about 290 characters.
    const { stack, alb } = fixture();
    const zones = Array.from({ length: 12 }, (_, i) => `us-east-1${String.fromCharCode(97 + i)}`);
    expect(() => new ZonalAlarms(stack, 'Alarms', { loadBalancer: alb, availabilityZones: zones, alarmNamePrefix: 'x'.repeat(200) }))
      .toThrow(/rule of the regional impact alarm can be up to \d{5} characters long; .*at most 10240/);
  });

  test('six AZs with the longest allowed prefix stay within the rule length', () => {
    const { stack, alb } = fixture();
    const zones = ['a', 'b', 'c', 'd', 'e', 'f'].map((letter) => `us-east-1${letter}`);
    expect(() => new ZonalAlarms(stack, 'Alarms', { loadBalancer: alb, availabilityZones: zones, alarmNamePrefix: 'x'.repeat(228) }))
      .not.toThrow();
  });

  test('treatMissingData BREACHING adds a warning', () => {
    const { stack } = synth({ treatMissingData: cloudwatch.TreatMissingData.BREACHING });
    Annotations.fromStack(stack).hasWarning('/Stack/Alarms', Match.stringLikeRegexp('treatMissingData BREACHING'));
  });

  test('the default treatMissingData adds no warning', () => {
    const { stack } = synth();
    Annotations.fromStack(stack).hasNoWarning('/Stack/Alarms', Match.anyValue());
  });
});

describe('brownfield', () => {
  function imported() {
    const stack = new Stack(new App(), 'Stack');
    const alb = elbv2.ApplicationLoadBalancer.fromApplicationLoadBalancerAttributes(stack, 'Alb', {
      loadBalancerArn: ALB_ARN,
      securityGroupId: 'sg-0123456789abcdef0',
    });
    const targetGroup = elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, 'Targets', { targetGroupArn: TG_ARN });
    const alarms = new ZonalAlarms(stack, 'Alarms', {
      loadBalancer: alb, targetGroup, availabilityZones: ZONES, alarmOnUnhealthyHosts: true, outlierDetection: false,
    });
    return { stack, alarms, template: Template.fromStack(stack) };
  }

  test('imported load balancer and target group create the same alarms', () => {
    const { template } = imported();
    template.resourceCountIs('AWS::CloudWatch::Alarm', 9);
    template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 7);
  });

  test('the LoadBalancer dimension is read from the imported ARN', () => {
    const { template } = imported();
    const stats = metricStats(template);
    expect(stats).toHaveLength(ZONES.length * (3 + 2 + 1));
    for (const { stat } of stats) {
      expect(stat.Metric.Dimensions).toEqual(expect.arrayContaining([{ Name: 'LoadBalancer', Value: 'app/shop/50dc6c495c0c9188' }]));
    }
  });

  test('the TargetGroup dimension is read from the imported ARN without load balancer ARNs', () => {
    const { template } = imported();
    const unhealthy = metricStats(template).filter((s) => s.stat.Metric.MetricName === 'UnHealthyHostCount');
    expect(unhealthy).toHaveLength(3);
    for (const { stat } of unhealthy) {
      expect(stat.Metric.Dimensions).toEqual(expect.arrayContaining([{ Name: 'TargetGroup', Value: 'targetgroup/shop-tg/73e2d6bc24d8a067' }]));
    }
  });

  test('an imported load balancer with a token ARN splits the ARN in CloudFormation', () => {
    const stack = new Stack(new App(), 'Stack');
    const arn = new CfnParameter(stack, 'AlbArn').valueAsString;
    const alb = elbv2.ApplicationLoadBalancer.fromApplicationLoadBalancerAttributes(stack, 'Alb', { loadBalancerArn: arn, securityGroupId: 'sg-1' });
    new ZonalAlarms(stack, 'Alarms', { loadBalancer: alb, availabilityZones: ZONES });
    const stats = metricStats(Template.fromStack(stack));
    // Availability (3), latency (2) and the outlier alarm (3 per AZ) in each AZ.
    expect(stats).toHaveLength(ZONES.length * (3 + 2 + 3 * ZONES.length));
    for (const { stat } of stats) {
      const lb = stat.Metric.Dimensions.find((d: any) => d.Name === 'LoadBalancer');
      expect(JSON.stringify(lb.Value)).toContain('AlbArn');
    }
  });

  test('AZ names given as tokens (stack.availabilityZones) synthesize with index-based construct IDs', () => {
    const stack = new Stack(new App(), 'Stack');
    const alb = elbv2.ApplicationLoadBalancer.fromApplicationLoadBalancerAttributes(stack, 'Alb', { loadBalancerArn: ALB_ARN, securityGroupId: 'sg-1' });
    const alarms = new ZonalAlarms(stack, 'Alarms', { loadBalancer: alb, availabilityZones: stack.availabilityZones });
    expect(alarms.zones[0].availabilityAlarm.node.path).toBe('Stack/Alarms/Zone0/Availability');
    const stats = metricStats(Template.fromStack(stack));
    const az = stats[0].stat.Metric.Dimensions.find((d: any) => d.Name === 'AvailabilityZone');
    expect(az.Value).toEqual({ 'Fn::Select': [0, { 'Fn::GetAZs': '' }] });
  });

  test('resolved AZ names are the construct IDs', () => {
    const { alarms } = synth();
    expect(alarms.zones[2].isolatedImpactAlarm.node.path).toBe('Stack/Alarms/us-east-1c/IsolatedImpact');
  });
});

describe('with probes', () => {
  function withProbes(props: Partial<ZonalAlarmsProps> = {}, probeProps: Partial<ZonalProbesProps> = {}) {
    const { stack, alb } = fixture();
    const probes = new ZonalProbes(stack, 'Probes', {
      loadBalancer: alb, availabilityZones: ZONES, vpc: alb.vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, ...probeProps,
    });
    const alarms = new ZonalAlarms(stack, 'Alarms', { loadBalancer: alb, availabilityZones: ZONES, probes, outlierDetection: false, ...props });
    return { stack, alb, probes, alarms, template: Template.fromStack(stack) };
  }

  test('each AZ gets a probe availability and a probe latency alarm: 10 s periods, 2 of 3, missing data kept missing', () => {
    const { stack, alarms, template } = withProbes();
    for (const zone of alarms.zones) {
      const availability = template.toJSON().Resources[logicalId(stack, zone.probeAvailabilityAlarm!)].Properties;
      expect(availability).toMatchObject({
        Threshold: 50, ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 3, DatapointsToAlarm: 2, TreatMissingData: 'missing',
      });
      const latency = template.toJSON().Resources[logicalId(stack, zone.probeLatencyAlarm!)].Properties;
      expect(latency).toMatchObject({ Threshold: 1, EvaluationPeriods: 3, DatapointsToAlarm: 2, TreatMissingData: 'missing' });
    }
    const probeStats = metricStats(template).filter((s) => s.stat.Metric.Namespace === 'CdkAzi/Probes');
    expect(probeStats.map((s) => [s.stat.Metric.MetricName, s.stat.Period, s.stat.Stat]).sort()).toEqual([
      ...ZONES.map(() => ['FaultRate', 10, 'Average']), ...ZONES.map(() => ['Latency', 10, 'p50']), ['Cycles', 60, 'Sum'],
    ].sort());
  });

  test('metricAlarms are the AZ\'s alarms whose every metric has exactly this load balancer and AZ', () => {
    const { stack, alb, alarms, template } = withProbes();
    const lb = stack.resolve(alb.metrics.requestCount().dimensions!.LoadBalancer);
    const stats = metricStats(template);
    for (const zone of alarms.zones) {
      expect(zone.metricAlarms).toEqual([zone.availabilityAlarm, zone.latencyAlarm, zone.probeAvailabilityAlarm, zone.probeLatencyAlarm]);
      for (const alarm of zone.metricAlarms) {
        const mine = stats.filter((s) => s.alarm === logicalId(stack, alarm));
        expect(mine.length).toBeGreaterThan(0);
        for (const { stat } of mine) {
          const dims = Object.fromEntries(stat.Metric.Dimensions.map((d: any) => [d.Name, d.Value]));
          expect(dims.AvailabilityZone).toBe(zone.availabilityZone);
          expect(dims.LoadBalancer).toEqual(lb);
        }
      }
    }
  });

  test('recoveryAlarms are the probe alarms; without probes there are none', () => {
    const { alarms } = withProbes();
    for (const zone of alarms.zones) {
      expect(zone.recoveryAlarms).toEqual([zone.probeAvailabilityAlarm, zone.probeLatencyAlarm]);
    }
    const plain = synth().alarms;
    expect(plain.zones.every((zone) => zone.recoveryAlarms.length === 0 && zone.probeAvailabilityAlarm === undefined)).toBe(true);
  });

  test('the probe alarms join the impaired composite', () => {
    const { stack, alarms, template } = withProbes();
    const zone = alarms.zones[0];
    const ids = [zone.availabilityAlarm, zone.latencyAlarm, zone.probeAvailabilityAlarm!, zone.probeLatencyAlarm!].map((x) => logicalId(stack, x));
    expect(ruleText(template, logicalId(stack, zone.impairedAlarm))).toBe(`(${ids.map((id) => `ALARM("${id}")`).join(' OR ')})`);
  });

  test('default onset to isolated alarm is 47 s with probes: 10 s interval + 2 x 10 s + 7 s delivery + 10 s evaluation', () => {
    const { alarms } = withProbes();
    expect(alarms.fastestTimeToAlarm.toSeconds()).toBe(47);
    expect(alarms.fastestTimeToAlarm.toSeconds()).toBeLessThanOrEqual(60);
    // The slowest path is still the load-balancer metrics', which deployments bake against.
    expect(alarms.timeToAlarm.toSeconds()).toBe(360);
  });

  test.each<[Partial<ZonalAlarmsProps>, Partial<ZonalProbesProps>, number]>([
    [{ probePeriod: Duration.seconds(30), probeDatapointsToAlarm: 3 }, {}, 10 + 90 + 7 + 10],
    [{}, { interval: Duration.seconds(5), timeout: Duration.seconds(1) }, 5 + 20 + 6 + 10],
  ])('fastestTimeToAlarm follows the settings (%j, %j) = %i s', (props, probeProps, seconds) => {
    expect(withProbes(props, probeProps).alarms.fastestTimeToAlarm.toSeconds()).toBe(seconds);
  });

  test('without probes the fastest path is a period, M periods, 60 s ALB delivery and a 60 s evaluation', () => {
    expect(synth().alarms.fastestTimeToAlarm.toSeconds()).toBe(60 + 3 * 60 + 60 + 60);
  });

  test('metricProbeFaultRate and metricProbeLatency use the probe period; without probes they throw', () => {
    const { alarms } = withProbes({ probePeriod: Duration.seconds(30) });
    expect(alarms.metricProbeFaultRate('us-east-1a').toMetricConfig().metricStat!.period.toSeconds()).toBe(30);
    expect(alarms.metricProbeLatency('us-east-1a').toMetricConfig().metricStat!.metricName).toBe('Latency');
    expect(() => synth().alarms.metricProbeFaultRate('us-east-1a')).toThrow(/no probes/);
  });

  test('alarmNamePrefix names the probe alarms and is checked against the longest probe name', () => {
    const { template } = withProbes({ alarmNamePrefix: 'shop' });
    const names = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((r) => r.Properties.AlarmName);
    expect(names).toEqual(expect.arrayContaining(['shop-us-east-1a-probe-availability', 'shop-us-east-1c-probe-latency']));
    // 255 - '-us-east-1a-probe-availability'.length = 225
    expect(() => withProbes({ alarmNamePrefix: 'x'.repeat(226) })).toThrow(/at most 225 characters/);
    expect(() => withProbes({ alarmNamePrefix: 'x'.repeat(225) })).not.toThrow();
  });

  test.each<[string, Partial<ZonalAlarmsProps>, Partial<ZonalProbesProps>, RegExp]>([
    ['a 15 s probe period', { probePeriod: Duration.seconds(15) }, {}, /probePeriod is 15 seconds; use 10 or 30 seconds/],
    ['a period shorter than the interval', { probePeriod: Duration.seconds(10) }, { interval: Duration.seconds(20) }, /probePeriod \(10 seconds\) is shorter than the probes' interval/],
    ['one datapoint to alarm', { probeDatapointsToAlarm: 1 }, {}, /probeDatapointsToAlarm is 1; .*from 2/],
    ['M above N', { probeEvaluationPeriods: 2, probeDatapointsToAlarm: 3 }, {}, /probeDatapointsToAlarm is 3/],
    ['probe fault rate 0', { probeFaultRateThresholdPercent: 0 }, {}, /probeFaultRateThresholdPercent is 0/],
    ['probe fault rate above 100', { probeFaultRateThresholdPercent: 100.5 }, {}, /probeFaultRateThresholdPercent is 100.5/],
  ])('%s throws', (_name, props, probeProps, message) => {
    expect(() => withProbes(props, probeProps)).toThrow(message);
  });

  test('a probe fault-rate threshold of exactly 100 is accepted', () => {
    const { stack, alarms, template } = withProbes({ probeFaultRateThresholdPercent: 100 });
    expect(template.toJSON().Resources[logicalId(stack, alarms.zones[0].probeAvailabilityAlarm!)].Properties.Threshold).toBe(100);
  });

  test('probes of other AZs or of another load balancer are refused', () => {
    const { stack, alb } = fixture();
    const vpcSubnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    const partial = new ZonalProbes(stack, 'Partial', { loadBalancer: alb, availabilityZones: ZONES.slice(0, 2), vpc: alb.vpc, vpcSubnets });
    expect(() => new ZonalAlarms(stack, 'A', { loadBalancer: alb, availabilityZones: ZONES, probes: partial }))
      .toThrow(/do not cover us-east-1c/);
    const other = new elbv2.ApplicationLoadBalancer(stack, 'Other', { vpc: alb.vpc! });
    const elsewhere = new ZonalProbes(stack, 'Elsewhere', { loadBalancer: other, availabilityZones: ZONES, vpc: alb.vpc, vpcSubnets });
    expect(() => new ZonalAlarms(stack, 'B', { loadBalancer: alb, availabilityZones: ZONES, probes: elsewhere }))
      .toThrow(/another load balancer/);
  });

  test('a probe latency threshold at or above the probe timeout warns that it can never fire', () => {
    const { stack } = withProbes({ probeLatencyThreshold: Duration.seconds(2) });
    Annotations.fromStack(stack).hasWarning('/Stack/Alarms', Match.stringLikeRegexp('can never fire'));
  });
});

describe('outlier detection', () => {
  test('on by default for 3 AZs: one outlier alarm per AZ in its impaired composite, not in metricAlarms', () => {
    const { stack, alarms, template } = synth({ outlierDetection: undefined });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3 * ZONES.length);
    for (const zone of alarms.zones) {
      expect(zone.outlierAlarm).toBeDefined();
      expect(zone.metricAlarms).not.toContain(zone.outlierAlarm);
      expect(ruleText(template, logicalId(stack, zone.impairedAlarm))).toContain(`ALARM("${logicalId(stack, zone.outlierAlarm!)}")`);
    }
  });

  test('uses the timing of the load-balancer alarms and the configured factor and floor', () => {
    const { stack, alarms, template } = synth({ outlierDetection: true, outlierFactor: 4, outlierMinimumFaultRatePercent: 0.2 });
    const properties = template.toJSON().Resources[logicalId(stack, alarms.zones[1].outlierAlarm!)].Properties;
    expect(properties).toMatchObject({ Threshold: 0.2, EvaluationPeriods: 5, DatapointsToAlarm: 3, TreatMissingData: 'notBreaching' });
    const returned = properties.Metrics.find((query: any) => query.ReturnData !== false);
    expect(returned.Expression).toBe('IF(rate_z1 >= 0.2, IF(rate_z1 >= 4 * AVG([FILL(rate_z0, 0), FILL(rate_z2, 0)]), rate_z1, 0), 0)');
  });

  test('past 3 AZs it is off by default with a warning, and an error when asked for', () => {
    const { stack, alb } = fixture();
    const zones = ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d'];
    const alarms = new ZonalAlarms(stack, 'Alarms', { loadBalancer: alb, availabilityZones: zones });
    expect(alarms.zones.every((zone) => zone.outlierAlarm === undefined)).toBe(true);
    Annotations.fromStack(stack).hasWarning('/Stack/Alarms', Match.stringLikeRegexp('Outlier detection is off: 4 AZs need 12 metrics'));
    expect(() => new ZonalAlarms(stack, 'Asked', { loadBalancer: alb, availabilityZones: zones, outlierDetection: true }))
      .toThrow(/outlierDetection needs 12 metrics for 4 AZs; .*at most 10/);
  });

  test.each<[string, Partial<ZonalAlarmsProps>, RegExp]>([
    ['factor 1', { outlierFactor: 1 }, /outlierFactor is 1; it must be greater than 1/],
    ['floor 0', { outlierMinimumFaultRatePercent: 0 }, /outlierMinimumFaultRatePercent is 0/],
    ['floor above the static threshold', { faultRateThresholdPercent: 2, outlierMinimumFaultRatePercent: 2.5 }, /outlierMinimumFaultRatePercent is 2.5; .*= 2\]/],
  ])('%s throws', (_name, props, message) => {
    expect(() => synth({ outlierDetection: true, ...props })).toThrow(message);
  });
});

describe('boundaries', () => {
  test('a fault-rate threshold of exactly 100 is accepted and rendered', () => {
    const { stack, alarms, template } = synth({ faultRateThresholdPercent: 100 });
    expect(template.toJSON().Resources[logicalId(stack, alarms.zones[0].availabilityAlarm)].Properties.Threshold).toBe(100);
  });

  describe('composite rule length: refused one character-per-reference over 10240, accepted at the limit', () => {
    // A stack with a concrete account and region, so every alarm ARN has an exact length.
    const zones = Array.from({ length: 12 }, (_, i) => `us-east-1${String.fromCharCode(97 + i)}`);
    function build(prefixLength: number) {
      const stack = new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
      const alb = elbv2.ApplicationLoadBalancer.fromApplicationLoadBalancerAttributes(stack, 'Alb', { loadBalancerArn: ALB_ARN, securityGroupId: 'sg-1' });
      const alarms = new ZonalAlarms(stack, 'Alarms', { loadBalancer: alb, availabilityZones: zones, alarmNamePrefix: 'p'.repeat(prefixLength) });
      return { stack, alarms };
    }
    /**
     * The regional rule with every ARN written out, measured independently of the construct. The
     * partition is unknown at synthesis, so the ARNs use the longest one (`aws-us-gov`): the rule
     * must fit wherever the stack is deployed.
     */
    function regionalRule(prefixLength: number): { length: number; references: number } {
      const { stack, alarms } = build(prefixLength);
      const rendered = stack.resolve(alarms.regionalImpactAlarm.node.defaultChild instanceof cloudwatch.CfnCompositeAlarm
        ? (alarms.regionalImpactAlarm.node.defaultChild as cloudwatch.CfnCompositeAlarm).alarmRule : undefined);
      const names = new Map(alarms.zones.map((zone) => [
        stack.getLogicalId(zone.impairedAlarm.node.defaultChild as cloudwatch.CfnCompositeAlarm), `${'p'.repeat(prefixLength)}-${zone.availabilityZone}-impaired`,
      ]));
      let references = 0;
      const text = (rendered['Fn::Join'][1] as unknown[]).map((part: any) => {
        if (typeof part === 'string') {
          return part;
        }
        references++;
        return `arn:aws-us-gov:cloudwatch:us-east-1:111111111111:alarm:${names.get(part['Fn::GetAtt'][0])}`;
      }).join('');
      return { length: text.length, references };
    }

    const base = regionalRule(10);
    // Each prefix character adds one character per reference.
    const longestPrefix = 10 + Math.floor((10240 - base.length) / base.references);

    test('the boundary lies within the prefixes CloudWatch names allow', () => {
      expect(base.references).toBeGreaterThan(28);
      expect(longestPrefix).toBeGreaterThan(10);
      expect(longestPrefix).toBeLessThan(228);
    });

    test('the longest prefix whose rule fits 10240 characters is accepted', () => {
      expect(regionalRule(longestPrefix).length).toBeLessThanOrEqual(10240);
    });

    test('one more character makes the rule too long, and it is refused', () => {
      expect(base.length + (longestPrefix + 1 - 10) * base.references).toBeGreaterThan(10240);
      expect(() => build(longestPrefix + 1)).toThrow(/rule of the regional impact alarm can be up to \d+ characters long; .*at most 10240/);
    });
  });
});
