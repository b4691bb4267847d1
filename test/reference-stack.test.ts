import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { FROM_PARTS_VPC, ReferenceServiceStack, buildReferenceApp } from '../examples/app';

describe('reference stack', () => {
  const app = buildReferenceApp(new App());
  const stack = app.node.findChild('CdkAziReference') as ReferenceServiceStack;
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: any }>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('has one target group with cross-zone off, and no listener forwards to several', () => {
    expect(ofType('AWS::ElasticLoadBalancingV2::TargetGroup')).toHaveLength(1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetGroupAttributes: Match.arrayWith([{ Key: 'load_balancing.cross_zone.enabled', Value: 'false' }]),
    });
    for (const [, listener] of ofType('AWS::ElasticLoadBalancingV2::Listener')) {
      expect(JSON.stringify(listener.Properties.DefaultActions)).not.toContain('TargetGroups');
    }
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'zonal_shift.config.enabled', Value: 'true' }]),
    });
  });

  test('runs three Auto Scaling groups, each in exactly one AZ, each registered in the target group', () => {
    const zoneOfSubnet = new Map(ofType('AWS::EC2::Subnet').map(([id, s]) => [id, s.Properties.AvailabilityZone as string]));
    const groups = ofType('AWS::AutoScaling::AutoScalingGroup');
    expect(groups).toHaveLength(3);
    const zones = groups.map(([, g]) => {
      const inZones = new Set((g.Properties.VPCZoneIdentifier as Array<{ Ref: string }>).map((ref) => zoneOfSubnet.get(ref.Ref)));
      expect(inZones.size).toBe(1);
      expect(g.Properties.TargetGroupARNs).toHaveLength(1);
      return [...inZones][0];
    });
    expect(zones.sort()).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
  });

  test('every metric alarm on ALB metrics carries the LoadBalancer and AvailabilityZone dimensions', () => {
    const albAlarms = ofType('AWS::CloudWatch::Alarm').filter(([, a]) => JSON.stringify(a.Properties).includes('AWS/ApplicationELB'));
    // Availability, latency and outlier in each of 3 AZs.
    expect(albAlarms).toHaveLength(9);
    for (const [, alarm] of albAlarms) {
      const stats = (alarm.Properties.Metrics ?? []).filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric.Dimensions);
      expect(stats.length).toBeGreaterThan(0);
      for (const dimensions of stats) {
        expect(dimensions.map((d: { Name: string }) => d.Name).sort()).toEqual(['AvailabilityZone', 'LoadBalancer']);
      }
    }
  });

  test('probes every AZ: probe alarms carry LoadBalancer and AvailabilityZone, and detection is modelled within a minute', () => {
    const probeAlarms = ofType('AWS::CloudWatch::Alarm').filter(([, a]) => JSON.stringify(a.Properties).includes('CdkAzi/Probes')
      && JSON.stringify(a.Properties).includes('AvailabilityZone'));
    expect(probeAlarms).toHaveLength(6);
    for (const [, alarm] of probeAlarms) {
      const stats = (alarm.Properties.Metrics ?? []).filter((m: any) => m.MetricStat);
      expect(stats).toHaveLength(1);
      expect(stats[0].MetricStat.Period).toBe(10);
      expect(stats[0].MetricStat.Metric.Dimensions.map((d: { Name: string }) => d.Name).sort()).toEqual(['AvailabilityZone', 'LoadBalancer']);
    }
    expect(stack.service.alarms.fastestTimeToAlarm.toSeconds()).toBeLessThanOrEqual(60);
  });

  test('each isolated-impact alarm invokes the zonal-shift function; failures land in an encrypted DLQ', () => {
    const fn = stack.service.responder!.handler;
    const fnId = stack.getLogicalId(fn.node.defaultChild as any);
    const invoking = ofType('AWS::CloudWatch::CompositeAlarm').filter(([, a]) => JSON.stringify(a.Properties.AlarmActions ?? []).includes(fnId));
    expect(invoking.map(([id]) => id).every((id) => id.includes('IsolatedImpact'))).toBe(true);
    expect(invoking).toHaveLength(3);
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::Lambda::Function', { DeadLetterConfig: Match.objectLike({ TargetArn: Match.anyValue() }) });
  });

  test('the function may start shifts only on the managed load balancer', () => {
    const lbId = stack.getLogicalId(stack.service.fleet.loadBalancer.node.defaultChild as any);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: Match.arrayWith(['arc-zonal-shift:StartZonalShift']),
          Resource: { Ref: lbId },
          Condition: { StringEquals: { 'arc-zonal-shift:ResourceIdentifier': [{ Ref: lbId }] } },
        })]),
      },
    });
  });

  test('deploys one AZ at a time with a bake longer than the alarms need plus a minute, and a longer first bake', () => {
    const [[, config]] = ofType('AWS::CodeDeploy::DeploymentConfig');
    const zonal = config.Properties.ZonalConfig;
    expect(zonal.MonitorDurationInSeconds).toBeGreaterThan(stack.service.alarms.timeToAlarm.toSeconds() + 60);
    expect(zonal.FirstZoneMonitorDurationInSeconds).toBeGreaterThan(zonal.MonitorDurationInSeconds);
    const [[, group]] = ofType('AWS::CodeDeploy::DeploymentGroup');
    expect(group.Properties.AutoScalingGroups).toHaveLength(3);
    expect(group.Properties.DeploymentStyle.DeploymentOption).toBe('WITH_TRAFFIC_CONTROL');
    expect(group.Properties.AlarmConfiguration.Enabled).toBe(true);
    expect(group.Properties.AutoRollbackConfiguration.Events).toContain('DEPLOYMENT_STOP_ON_ALARM');
  });
});

test('the from-parts stack synthesizes into the existing VPC', () => {
  const app = buildReferenceApp(new App({ context: { fromPartsVpc: 'example' } }));
  const template = Template.fromStack(app.node.findChild('CdkAziFromParts') as Stack);
  template.resourceCountIs('AWS::EC2::VPC', 0);
  template.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', 3);
  template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 1);
});

test("review: the from-parts stack puts every isolated-impact alarm in the function's allow-list", () => {
  const app = buildReferenceApp(new App({ context: { [FROM_PARTS_VPC]: 'example' } }));
  const stack = app.node.findChild('CdkAziFromParts') as Stack;
  const [value] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))
    .map((resource) => resource.Properties.Environment?.Variables?.ZONAL_SHIFT_CONFIG)
    .filter((candidate) => candidate !== undefined);
  const resolved = stack.resolve(value);
  const text = typeof resolved === 'string' ? resolved : (resolved['Fn::Join'][1] as unknown[]).map((part) => (typeof part === 'string' ? part : '<token>')).join('');
  expect(JSON.parse(text).alarms).toHaveLength(3);
});
