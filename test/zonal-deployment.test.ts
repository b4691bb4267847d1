import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { ZonalDeployment, ZonalDeploymentProps } from '../lib/zonal-deployment';

interface Fixture {
  readonly stack: Stack;
  readonly groups: autoscaling.AutoScalingGroup[];
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly alarm: cloudwatch.Alarm;
}

/** A small test-only service: three groups in one target group behind an ALB, one 3-of-5 alarm. */
function fixture(): Fixture {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    natGateways: 0,
    subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC }],
  });
  const groups = [0, 1, 2].map((i) => new autoscaling.AutoScalingGroup(stack, `Group${i}`, {
    vpc,
    vpcSubnets: { subnets: [vpc.publicSubnets[i % vpc.publicSubnets.length]] },
    instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
    machineImage: ec2.MachineImage.latestAmazonLinux2023(),
    minCapacity: 2,
  }));
  const targetGroup = new elbv2.ApplicationTargetGroup(stack, 'TargetGroup', {
    vpc,
    port: 80,
    targets: groups,
    crossZoneEnabled: false,
  });
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true });
  alb.addListener('Listener', { port: 80, defaultTargetGroups: [targetGroup] });
  // 5 one-minute periods + 1 evaluation minute = 360 s to fire.
  const alarm = new cloudwatch.Alarm(stack, 'Alarm', {
    metric: new cloudwatch.Metric({
      namespace: 'AWS/ApplicationELB',
      metricName: 'HTTPCode_Target_5XX_Count',
      statistic: 'Sum',
      period: Duration.minutes(1),
    }),
    threshold: 5,
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
  });
  return { stack, groups, targetGroup, alarm };
}

function deploy(f: Fixture, props: Partial<ZonalDeploymentProps> = {}): ZonalDeployment {
  return new ZonalDeployment(f.stack, 'Deployment', {
    autoScalingGroups: f.groups,
    targetGroup: f.targetGroup,
    alarms: [f.alarm],
    ...props,
  });
}

function importedAlarm(stack: Stack, name: string): cloudwatch.IAlarm {
  return cloudwatch.Alarm.fromAlarmArn(stack, `Imported${name}`, `arn:aws:cloudwatch:us-east-1:111111111111:alarm:${name}`);
}

describe('zonal configuration', () => {
  test('bake times default to the concrete alarms\' time to fire plus metric delay, rounded up, plus a minute', () => {
    const f = fixture();
    deploy(f);
    // 360 s to fire + 120 s delay = 480 s = 8 min; + 1 min margin = 540 s; first zone twice that.
    Template.fromStack(f.stack).hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      ZonalConfig: Match.objectLike({ MonitorDurationInSeconds: 540, FirstZoneMonitorDurationInSeconds: 1080 }),
    });
  });

  test('bake times default from alarmTimeToFire when it is given', () => {
    const f = fixture();
    deploy(f, { alarms: [importedAlarm(f.stack, 'A')], alarmTimeToFire: Duration.minutes(10) });
    // 600 + 120 = 720 s = 12 min; + 1 = 13 min.
    Template.fromStack(f.stack).hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      ZonalConfig: Match.objectLike({ MonitorDurationInSeconds: 780, FirstZoneMonitorDurationInSeconds: 1560 }),
    });
  });

  test.each([
    [Duration.seconds(250), Duration.minutes(2), 480], // 370 s rounds up to 7 min, + 1
    [Duration.seconds(240), Duration.minutes(2), 420], // 360 s is exactly 6 min, + 1
    [Duration.minutes(5), Duration.seconds(30), 420], // 330 s rounds up to 6 min, + 1
  ])('alarmTimeToFire %s with metricDelay %s gives a bake time of %d seconds', (fire, delay, expected) => {
    const f = fixture();
    const deployment = deploy(f, { alarmTimeToFire: fire, metricDelay: delay });
    expect(deployment.monitorDuration.toSeconds()).toBe(expected);
    Template.fromStack(f.stack).hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      ZonalConfig: Match.objectLike({ MonitorDurationInSeconds: expected }),
    });
  });

  test('the slowest of several concrete alarms sets the default', () => {
    const f = fixture();
    const slow = new cloudwatch.Alarm(f.stack, 'SlowAlarm', {
      metric: new cloudwatch.Metric({ namespace: 'Test', metricName: 'Latency', period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 3,
    });
    const deployment = deploy(f, { alarms: [f.alarm, slow] });
    // 900 + 60 = 960 s to fire.
    expect(deployment.alarmTimeToFire.toSeconds()).toBe(960);
    // 960 + 120 = 1080 s = 18 min; + 1 = 19 min.
    expect(deployment.monitorDuration.toSeconds()).toBe(1140);
  });

  test('a metric math alarm is timed by the longest period among its metrics', () => {
    const f = fixture();
    const math = new cloudwatch.MathExpression({
      expression: 'errors / requests',
      usingMetrics: {
        errors: new cloudwatch.Metric({ namespace: 'Test', metricName: 'Errors', period: Duration.minutes(2) }),
        requests: new cloudwatch.Metric({ namespace: 'Test', metricName: 'Requests', period: Duration.minutes(2) }),
      },
      period: Duration.minutes(2),
    });
    const alarm = math.createAlarm(f.stack, 'MathAlarm', { threshold: 0.1, evaluationPeriods: 3 });
    const deployment = deploy(f, { alarms: [alarm] });
    // 3 x 120 + 60 = 420 s.
    expect(deployment.alarmTimeToFire.toSeconds()).toBe(420);
  });

  test('a metric math alarm whose metrics have different periods is timed by the longest one', () => {
    const f = fixture();
    const math = new cloudwatch.MathExpression({
      expression: 'errors / requests',
      usingMetrics: {
        errors: new cloudwatch.Metric({ namespace: 'Test', metricName: 'Errors' }),
        requests: new cloudwatch.Metric({ namespace: 'Test', metricName: 'Requests' }),
      },
    });
    const alarm = math.createAlarm(f.stack, 'MixedAlarm', { threshold: 0.1, evaluationPeriods: 3 });
    // aws-cdk-lib gives every metric of an expression the expression's period; CloudFormation
    // does not, so write the queries as an escape hatch would: one metric of 1 minute, one of 5.
    const cfn = alarm.node.defaultChild as cloudwatch.CfnAlarm;
    const queries = f.stack.resolve(cfn.metrics) as any[];
    cfn.metrics = queries.map((query) => (query.metricStat
      ? { ...query, metricStat: { ...query.metricStat, period: query.id === 'errors' ? 60 : 300 } }
      : query));
    const deployment = deploy(f, { alarms: [alarm] });
    // 3 x 300 + 60 = 960 s (the shortest period would give 3 x 60 + 60 = 240 s).
    expect(deployment.alarmTimeToFire.toSeconds()).toBe(960);
  });

  test('explicit bake times are rendered in seconds and the first zone defaults to twice the others', () => {
    const f = fixture();
    deploy(f, { monitorDuration: Duration.minutes(15) });
    Template.fromStack(f.stack).hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      ZonalConfig: Match.objectLike({ MonitorDurationInSeconds: 900, FirstZoneMonitorDurationInSeconds: 1800 }),
    });
  });

  test('an explicit first-zone bake time is rendered', () => {
    const f = fixture();
    deploy(f, { monitorDuration: Duration.minutes(15), firstZoneMonitorDuration: Duration.minutes(20) });
    Template.fromStack(f.stack).hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      ZonalConfig: Match.objectLike({ FirstZoneMonitorDurationInSeconds: 1200 }),
    });
  });

  test('minimum healthy hosts per zone and for the fleet default to 50 percent', () => {
    const f = fixture();
    deploy(f);
    Template.fromStack(f.stack).hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      MinimumHealthyHosts: { Type: 'FLEET_PERCENT', Value: 50 },
      ZonalConfig: Match.objectLike({ MinimumHealthyHostsPerZone: { Type: 'FLEET_PERCENT', Value: 50 } }),
    });
  });

  test('a minimum healthy host count per zone is rendered', () => {
    const f = fixture();
    deploy(f, { minimumHealthyHostsPerZone: codedeploy.MinimumHealthyHostsPerZone.count(3), hostsPerZone: 4 });
    Template.fromStack(f.stack).hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      ZonalConfig: Match.objectLike({ MinimumHealthyHostsPerZone: { Type: 'HOST_COUNT', Value: 3 } }),
    });
  });
});

describe('deployment group', () => {
  test('covers every Auto Scaling group with traffic control on the target group', () => {
    const f = fixture();
    deploy(f);
    const stack = f.stack;
    Template.fromStack(stack).hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AutoScalingGroups: f.groups.map((g) => stack.resolve(g.autoScalingGroupName)),
      LoadBalancerInfo: { TargetGroupInfoList: [{ Name: stack.resolve(f.targetGroup.targetGroupName) }] },
      DeploymentStyle: { DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
    });
  });

  test('uses the zonal deployment configuration', () => {
    const f = fixture();
    const deployment = deploy(f);
    Template.fromStack(f.stack).hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      DeploymentConfigName: f.stack.resolve(deployment.deploymentConfig.deploymentConfigName),
    });
  });

  test('enables the alarm configuration with the alarms\' names', () => {
    const f = fixture();
    const imported = importedAlarm(f.stack, 'Other');
    deploy(f, { alarms: [f.alarm, imported], alarmTimeToFire: Duration.minutes(6) });
    Template.fromStack(f.stack).hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AlarmConfiguration: Match.objectLike({
        Enabled: true,
        Alarms: [{ Name: f.stack.resolve(f.alarm.alarmName) }, { Name: 'Other' }],
      }),
    });
  });

  test('rolls back automatically on failure and on alarm', () => {
    const f = fixture();
    deploy(f);
    Template.fromStack(f.stack).hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AutoRollbackConfiguration: {
        Enabled: true,
        Events: Match.arrayWith(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']),
      },
    });
  });

  test('installs the CodeDeploy agent on groups defined in the app by default', () => {
    const f = fixture();
    deploy(f);
    const userData = JSON.stringify(Template.fromStack(f.stack).toJSON());
    expect(userData).toMatch(/aws-codedeploy-.*latest\/install/);
  });

  test('installAgent false adds no agent user data', () => {
    const f = fixture();
    deploy(f, { installAgent: false });
    const userData = JSON.stringify(Template.fromStack(f.stack).toJSON());
    expect(userData).not.toMatch(/aws-codedeploy-.*latest\/install/);
  });

  test('creates an application unless one is given', () => {
    const f = fixture();
    const application = codedeploy.ServerApplication.fromServerApplicationName(f.stack, 'App', 'existing-app');
    deploy(f, { application });
    const template = Template.fromStack(f.stack);
    template.resourceCountIs('AWS::CodeDeploy::Application', 0);
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', { ApplicationName: 'existing-app' });
  });

  test('creates one server application by default', () => {
    const f = fixture();
    deploy(f);
    Template.fromStack(f.stack).resourcePropertiesCountIs('AWS::CodeDeploy::Application', { ComputePlatform: 'Server' }, 1);
  });

  test('works with imported Auto Scaling groups and imported alarms', () => {
    const f = fixture();
    const groups = ['web-a', 'web-b', 'web-c'].map((name) =>
      autoscaling.AutoScalingGroup.fromAutoScalingGroupName(f.stack, `Imported-${name}`, name));
    deploy(f, {
      autoScalingGroups: groups,
      alarms: [importedAlarm(f.stack, 'a-impaired'), importedAlarm(f.stack, 'b-impaired')],
      alarmTimeToFire: Duration.minutes(5),
    });
    Template.fromStack(f.stack).hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AutoScalingGroups: ['web-a', 'web-b', 'web-c'],
      AlarmConfiguration: Match.objectLike({ Alarms: [{ Name: 'a-impaired' }, { Name: 'b-impaired' }] }),
    });
  });

  test('a mix of imported and app-defined groups lists all of them and installs the agent where it can', () => {
    const f = fixture();
    const imported = autoscaling.AutoScalingGroup.fromAutoScalingGroupName(f.stack, 'ImportedGroup', 'web-d');
    deploy(f, { autoScalingGroups: [...f.groups, imported] });
    const template = Template.fromStack(f.stack);
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AutoScalingGroups: [...f.groups.map((g) => f.stack.resolve(g.autoScalingGroupName)), 'web-d'],
    });
    expect(JSON.stringify(template.toJSON())).toMatch(/aws-codedeploy-.*latest\/install/);
  });

  test('warns that imported groups must already run the agent', () => {
    const f = fixture();
    const imported = autoscaling.AutoScalingGroup.fromAutoScalingGroupName(f.stack, 'ImportedGroup', 'web-a');
    deploy(f, { autoScalingGroups: [imported] });
    Annotations.fromStack(f.stack).hasWarning('/Stack/Deployment', Match.stringLikeRegexp('already run the agent'));
  });
});

describe('alarms', () => {
  test('more than 10 alarms is an error', () => {
    const f = fixture();
    const alarms = Array.from({ length: 11 }, (_, i) => importedAlarm(f.stack, `a${i}`));
    expect(() => deploy(f, { alarms, alarmTimeToFire: Duration.minutes(5) })).toThrow(/11 alarms.*at most 10/);
  });

  test('exactly 10 alarms is accepted', () => {
    const f = fixture();
    const alarms = Array.from({ length: 10 }, (_, i) => importedAlarm(f.stack, `a${i}`));
    expect(() => deploy(f, { alarms, alarmTimeToFire: Duration.minutes(5) })).not.toThrow();
  });

  test('no alarms draws a warning and no alarm rollback', () => {
    const f = fixture();
    deploy(f, { alarms: [] });
    Annotations.fromStack(f.stack).hasWarning('/Stack/Deployment', Match.stringLikeRegexp('alarms is empty'));
    Template.fromStack(f.stack).hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AutoRollbackConfiguration: { Enabled: true, Events: ['DEPLOYMENT_FAILURE'] },
    });
  });

  test('an imported alarm without alarmTimeToFire is an error', () => {
    const f = fixture();
    expect(() => deploy(f, { alarms: [f.alarm, importedAlarm(f.stack, 'x')] })).toThrow(/alarm 'x' \(Stack\/Importedx\).*Pass alarmTimeToFire/);
  });

  test('a composite alarm without alarmTimeToFire is an error', () => {
    const f = fixture();
    const composite = new cloudwatch.CompositeAlarm(f.stack, 'Composite', {
      alarmRule: cloudwatch.AlarmRule.fromAlarm(f.alarm, cloudwatch.AlarmState.ALARM),
    });
    expect(() => deploy(f, { alarms: [composite] })).toThrow(/Composite.*Pass alarmTimeToFire/);
  });

  test('alarmTimeToFire shorter than a concrete alarm needs draws a warning', () => {
    const f = fixture();
    deploy(f, { alarmTimeToFire: Duration.minutes(2) });
    Annotations.fromStack(f.stack).hasWarning('/Stack/Deployment', Match.stringLikeRegexp('needs up to 360 seconds'));
  });
});

describe('bake time validation', () => {
  test.each([
    [Duration.minutes(5)],
    [Duration.minutes(8)], // equal to 360 + 120 is not strictly longer
  ])('monitorDuration %s is too short for alarms that need 360 s plus 120 s delay', (monitorDuration) => {
    const f = fixture();
    expect(() => deploy(f, { monitorDuration }))
      .toThrow(new RegExp(`monitorDuration of ${monitorDuration.toSeconds()} seconds.*360 \\+ 120 = 480 seconds`));
  });

  test('the too-short error names the fix', () => {
    const f = fixture();
    expect(() => deploy(f, { monitorDuration: Duration.minutes(5) })).toThrow(/more than 480 seconds, or leave it unset for the default of 540 seconds \(9 minutes\)/);
  });

  test('one second longer than required is accepted', () => {
    const f = fixture();
    expect(() => deploy(f, { monitorDuration: Duration.seconds(481) })).not.toThrow();
  });

  test('a first-zone bake time shorter than the others is an error', () => {
    const f = fixture();
    expect(() => deploy(f, { monitorDuration: Duration.minutes(15), firstZoneMonitorDuration: Duration.minutes(10) }))
      .toThrow(/firstZoneMonitorDuration of 600 seconds.*shorter than monitorDuration of 900 seconds/);
  });

  test('a first-zone bake time shorter than the default bake time is an error', () => {
    const f = fixture();
    expect(() => deploy(f, { firstZoneMonitorDuration: Duration.minutes(8) }))
      .toThrow(/firstZoneMonitorDuration of 480 seconds.*shorter than monitorDuration of 540 seconds/);
  });

  test('a bake time that is not whole seconds is an error', () => {
    const f = fixture();
    expect(() => deploy(f, { monitorDuration: Duration.millis(600500) })).toThrow(/monitorDuration must be a whole/);
  });

  test('bake times adding up to exactly 12 hours are refused: nothing would be left for the deployments', () => {
    const f = fixture();
    // Three zones: the first-zone bake and one more bake happen for certain.
    expect(() => deploy(f, { monitorDuration: Duration.hours(4), firstZoneMonitorDuration: Duration.hours(8) }))
      .toThrow(/add up to 43200 seconds.*at most 43200 seconds/);
  });

  test('bake times one second under 12 hours are accepted', () => {
    const f = fixture();
    expect(() => deploy(f, { monitorDuration: Duration.hours(4), firstZoneMonitorDuration: Duration.seconds(8 * 3600 - 1) }))
      .not.toThrow();
  });

  test('bake times beyond the in-place deployment run limit are an error', () => {
    const f = fixture();
    // First zone 12 h + one more zone at 6 h, with three zones.
    expect(() => deploy(f, { monitorDuration: Duration.hours(6) })).toThrow(/add up to 64800 seconds.*at most 43200 seconds/);
  });
});

describe('capacity check', () => {
  test.each([
    ['90% of 1 host', codedeploy.MinimumHealthyHostsPerZone.percentage(90), 1, /keeps 1 of 1 hosts.*no host that can be deployed/],
    ['30% of 1 host (rounded up)', codedeploy.MinimumHealthyHostsPerZone.percentage(30), 1, /keeps 1 of 1 hosts.*no host/],
    ['90% of 2 hosts', codedeploy.MinimumHealthyHostsPerZone.percentage(90), 2, /keeps 2 of 2 hosts.*no host/],
    ['100% of 10 hosts', codedeploy.MinimumHealthyHostsPerZone.percentage(100), 10, /keeps 10 of 10 hosts.*no host/],
    ['a count equal to the hosts', codedeploy.MinimumHealthyHostsPerZone.count(3), 3, /keeps 3 of 3 hosts.*no host/],
    ['a count above the hosts', codedeploy.MinimumHealthyHostsPerZone.count(5), 3, /keeps 5 of 3 hosts.*no host/],
    ['a count of 0', codedeploy.MinimumHealthyHostsPerZone.count(0), 3, /keeps 0 of 3 hosts.*all of the zone's hosts/],
    ['0%', codedeploy.MinimumHealthyHostsPerZone.percentage(0), 4, /keeps 0 of 4 hosts.*all of the zone's hosts/],
    ['a percentage above 100', codedeploy.MinimumHealthyHostsPerZone.percentage(120), 4, /120% is out of range/],
  ])('%s is an error', (_name, minimumHealthyHostsPerZone, hostsPerZone, message) => {
    const f = fixture();
    expect(() => deploy(f, { minimumHealthyHostsPerZone, hostsPerZone })).toThrow(message);
  });

  test.each([
    ['the default 50% of 2 hosts', undefined, 2],
    ['90% of 10 hosts', codedeploy.MinimumHealthyHostsPerZone.percentage(90), 10],
    ['a count of 1 of 2 hosts', codedeploy.MinimumHealthyHostsPerZone.count(1), 2],
    ['66% of 3 hosts', codedeploy.MinimumHealthyHostsPerZone.percentage(66), 3],
  ])('%s is accepted', (_name, minimumHealthyHostsPerZone, hostsPerZone) => {
    const f = fixture();
    expect(() => deploy(f, { minimumHealthyHostsPerZone, hostsPerZone })).not.toThrow();
  });

  test('any minimum is accepted when hostsPerZone is not given', () => {
    const f = fixture();
    expect(() => deploy(f, { minimumHealthyHostsPerZone: codedeploy.MinimumHealthyHostsPerZone.percentage(90) })).not.toThrow();
  });

  test.each([[0], [1.5], [-2]])('hostsPerZone %d is an error', (hostsPerZone) => {
    const f = fixture();
    expect(() => deploy(f, { hostsPerZone })).toThrow(/hostsPerZone must be a whole number of at least 1/);
  });

  test('a fleet minimum that leaves no host to deploy is an error', () => {
    const f = fixture();
    expect(() => deploy(f, {
      minimumHealthyHosts: codedeploy.MinimumHealthyHosts.count(6),
      minimumHealthyHostsPerZone: codedeploy.MinimumHealthyHostsPerZone.count(1),
      hostsPerZone: 2,
    })).toThrow(/minimumHealthyHosts of 6 hosts keeps 6 of 6 hosts \(3 zones of 2\)/);
  });
});

test('no Auto Scaling groups is an error', () => {
  const f = fixture();
  expect(() => deploy(f, { autoScalingGroups: [] })).toThrow(/autoScalingGroups is empty/);
});
