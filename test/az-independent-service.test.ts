import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AzIndependentService, AzIndependentServiceProps } from '../lib';

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

function synthService(props: AzIndependentServiceProps = {}): { service: AzIndependentService; template: Template } {
  const stack = new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
  const service = new AzIndependentService(stack, 'Service', { availabilityZones: ZONES, ...props });
  return { service, template: Template.fromStack(stack) };
}

describe('AzIndependentService', () => {
  const { service, template } = synthService();

  test('wires every part and exposes it', () => {
    expect(service.fleet.zones).toHaveLength(3);
    expect(service.alarms.zones.map((zone) => zone.availabilityZone)).toEqual(ZONES);
    expect(service.responder).toBeDefined();
    expect(service.deployment.deploymentGroup).toBeDefined();
    expect(service.dashboard.dashboard).toBeDefined();
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 1);
  });

  test('each isolated-impact alarm, and only those, invokes the zonal-shift function', () => {
    const handlerId = Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } }))[0];
    const invoking = Object.entries(template.findResources('AWS::CloudWatch::CompositeAlarm'))
      .filter(([, alarm]) => JSON.stringify(alarm.Properties.AlarmActions ?? []).includes(handlerId))
      .map(([logicalId]) => logicalId);
    expect(invoking).toHaveLength(3);
    expect(invoking.every((id) => /IsolatedImpact/.test(id))).toBe(true);
    const metricAlarmsInvoking = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .filter((alarm) => JSON.stringify(alarm.Properties.AlarmActions ?? []).includes(handlerId));
    expect(metricAlarmsInvoking).toHaveLength(0);
  });

  test('the deployment group covers the three per-AZ groups with traffic control, alarms and rollback on alarm', () => {
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      LoadBalancerInfo: { TargetGroupInfoList: [{ Name: Match.anyValue() }] },
      DeploymentStyle: { DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
      AlarmConfiguration: Match.objectLike({ Enabled: true }),
      AutoRollbackConfiguration: { Enabled: true, Events: Match.arrayWith(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']) },
    });
    const group = Object.values(template.findResources('AWS::CodeDeploy::DeploymentGroup'))[0];
    expect(group.Properties.AutoScalingGroups).toHaveLength(3);
    expect(group.Properties.AlarmConfiguration.Alarms).toHaveLength(6);
  });

  test('bakes longer than the alarms need to fire plus a minute, and longer still after the first AZ', () => {
    const config = Object.values(template.findResources('AWS::CodeDeploy::DeploymentConfig'))[0];
    const zonal = config.Properties.ZonalConfig;
    expect(zonal.MonitorDurationInSeconds).toBeGreaterThan(service.alarms.timeToAlarm.toSeconds() + 60);
    expect(zonal.FirstZoneMonitorDurationInSeconds).toBeGreaterThan(zonal.MonitorDurationInSeconds);
  });

  test('passes detection and mitigation settings through', () => {
    const custom = synthService({ faultRateThresholdPercent: 5, shiftExpiresIn: Duration.hours(2), zonalShiftDryRun: true });
    const fn = Object.values(custom.template.findResources('AWS::Lambda::Function'))
      .find((resource) => resource.Properties.Environment?.Variables?.ZONAL_SHIFT_CONFIG);
    expect(JSON.stringify(fn?.Properties.Environment.Variables.ZONAL_SHIFT_CONFIG)).toMatch(/\\"expiresIn\\":\\"2h\\".*\\"dryRun\\":true/);
    custom.template.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 5 });
  });

  test('without automatic zonal shift there is no function and no alarm action', () => {
    const manual = synthService({ automaticZonalShift: false });
    expect(manual.service.responder).toBeUndefined();
    manual.template.resourceCountIs('AWS::Lambda::Function', 0);
    for (const alarm of Object.values(manual.template.findResources('AWS::CloudWatch::CompositeAlarm'))) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
    }
  });

  test('a too-short bake time is refused with both numbers', () => {
    expect(() => synthService({ monitorDuration: Duration.minutes(2) })).toThrow(/monitorDuration of .* is not longer than/);
  });
});

test('past five zones, deployments stop on the availability alarms only, with a warning', () => {
  const stack = new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
  const zones = ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1e', 'us-east-1f'];
  const service = new AzIndependentService(stack, 'Service', { availabilityZones: zones });
  const template = Template.fromStack(stack);
  const group = Object.values(template.findResources('AWS::CodeDeploy::DeploymentGroup'))[0];
  expect(group.Properties.AlarmConfiguration.Alarms).toHaveLength(6);
  const availabilityNames = service.alarms.zones.map((zone) => stack.resolve(zone.availabilityAlarm.alarmName));
  expect(group.Properties.AlarmConfiguration.Alarms.map((a: { Name: unknown }) => a.Name)).toEqual(availabilityNames);
  Annotations.fromStack(stack).hasWarning('/Stack/Service', Match.stringLikeRegexp('6 zones need 12 availability and latency alarms'));
});

describe('review: the service wires its zonal-shift function', () => {
  // respondTo without options leaves the alarm out of the function's allow-list: the function
  // refuses every event of the service's isolated-impact alarms and never shifts.
  test("every isolated-impact alarm is in the function's allow-list with its zone and the other zones", () => {
    const stack = new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
    const service = new AzIndependentService(stack, 'Service', { availabilityZones: ZONES });
    const variables = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))
      .map((resource) => resource.Properties.Environment?.Variables?.ZONAL_SHIFT_CONFIG)
      .filter((value) => value !== undefined);
    expect(variables).toHaveLength(1);
    const value = stack.resolve(variables[0]);
    const text = typeof value === 'string' ? value : (value['Fn::Join'][1] as unknown[]).map((part) => (typeof part === 'string' ? part : '<token>')).join('');
    const config = JSON.parse(text);
    expect(config.alarms.map((alarm: { az: string }) => alarm.az)).toEqual(ZONES);
    for (const alarm of config.alarms) {
      expect(alarm.others).toHaveLength(ZONES.length - 1);
      expect(alarm.dims.length).toBeGreaterThan(0);
    }
    Annotations.fromStack(stack).hasNoWarning('/Stack/Service/ZonalShift', Match.stringLikeRegexp('respondToWithoutOptions|was given no options'));
    expect(service.responder).toBeDefined();
  });
});
