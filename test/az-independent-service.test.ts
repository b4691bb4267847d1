import { App, CfnResource, Duration, Stack } from 'aws-cdk-lib';
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
    const stack = Stack.of(service);
    const handlerId = stack.getLogicalId(service.responder!.handler.node.defaultChild as CfnResource);
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

  test('without automatic zonal shift there is no zonal-shift function and no alarm action', () => {
    const manual = synthService({ automaticZonalShift: false });
    expect(manual.service.responder).toBeUndefined();
    // Only the probe function is left.
    const functions = Object.keys(manual.template.findResources('AWS::Lambda::Function'));
    expect(functions).toEqual([Stack.of(manual.service).getLogicalId(manual.service.probes!.handler.node.defaultChild as CfnResource)]);
    for (const alarm of Object.values(manual.template.findResources('AWS::CloudWatch::CompositeAlarm'))) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
    }
  });

  test('probes every zone by default: probe alarms in each zone, onset to isolated alarm within a minute', () => {
    expect(service.probes).toBeDefined();
    expect(service.probes!.availabilityZones).toEqual(ZONES);
    for (const zone of service.alarms.zones) {
      expect(zone.recoveryAlarms).toEqual([zone.probeAvailabilityAlarm, zone.probeLatencyAlarm]);
      expect(zone.outlierAlarm).toBeDefined();
    }
    expect(service.alarms.fastestTimeToAlarm.toSeconds()).toBeLessThanOrEqual(60);
    // Internet-facing: probed from outside the VPC.
    const probeId = Stack.of(service).getLogicalId(service.probes!.handler.node.defaultChild as CfnResource);
    expect(template.toJSON().Resources[probeId].Properties.VpcConfig).toBeUndefined();
  });

  test('probe settings pass through; the listener port is probed', () => {
    const custom = synthService({ probePath: '/health', probeExpectedStatusCodes: '200', probeHostHeader: 'shop.example.com', listenerPort: 8080 });
    custom.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PROBE_PATH: '/health', EXPECTED_STATUS_CODES: '200', HOST_HEADER: 'shop.example.com', PORT: '8080' }) },
    });
  });

  test('an internal load balancer is probed from inside the fleet\'s VPC', () => {
    const internal = synthService({ internetFacing: false });
    const stack = Stack.of(internal.service);
    const probeId = stack.getLogicalId(internal.service.probes!.handler.node.defaultChild as CfnResource);
    const subnets = internal.service.fleet.vpc.privateSubnets.map((subnet) => ({ Ref: stack.getLogicalId(subnet.node.defaultChild as CfnResource) }));
    expect(internal.template.toJSON().Resources[probeId].Properties.VpcConfig.SubnetIds).toEqual(subnets);
  });

  test('zonalProbes false: no probes, no probe alarms, and recovery alarms are empty', () => {
    const plain = synthService({ zonalProbes: false });
    expect(plain.service.probes).toBeUndefined();
    expect(plain.service.alarms.zones.every((zone) => zone.recoveryAlarms.length === 0)).toBe(true);
    expect(JSON.stringify(plain.template.findResources('AWS::CloudWatch::Alarm'))).not.toContain('CdkAzi/Probes');
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

describe('AzIndependentService wiring of the zonal-shift function', () => {
  test("puts every isolated-impact alarm on the function's allow-list, with its zone's probe alarms for recovery", () => {
    const { service, template } = synthService({ alarmNamePrefix: 'svc' });
    const fn = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^cdk-azi: shifts') } }))[0];
    const config = JSON.stringify(fn.Properties.Environment.Variables.ZONAL_SHIFT_CONFIG);
    for (const zone of ZONES) {
      expect(config).toContain(`svc-${zone}-isolated-impact`);
      expect(config).toContain(`svc-${zone}-probe-availability`);
      expect(config).toContain(`svc-${zone}-probe-latency`);
    }
    expect(config).not.toContain('outlier');
    expect(service.alarms.zones.every((zone) => zone.recoveryAlarms.length === 2)).toBe(true);
    expect(Annotations.fromStack(Stack.of(service)).findWarning('*', Match.stringLikeRegexp('.*no recoveryAlarms.*'))).toHaveLength(0);
  });
});

describe('AzIndependentService options beyond the load balancer', () => {
  test('zonal autoshift: the regional availability alarm judges practice runs, a composite of impaired AZs blocks them', () => {
    const { service, template } = synthService({ zonalAutoshift: true, alarmNamePrefix: 'svc', practiceRunBlockedDates: ['2026-12-24'] });
    const stack = Stack.of(service);
    const outcomeId = stack.getLogicalId(service.regionalAvailabilityAlarm!.node.defaultChild as CfnResource);
    template.hasResourceProperties('AWS::ARCZonalShift::ZonalAutoshiftConfiguration', {
      ZonalAutoshiftStatus: 'ENABLED',
      PracticeRunConfiguration: {
        OutcomeAlarms: [{ Type: 'CLOUDWATCH', AlarmIdentifier: { 'Fn::GetAtt': [outcomeId, 'Arn'] } }],
        BlockingAlarms: [{ Type: 'CLOUDWATCH', AlarmIdentifier: Match.anyValue() }],
        BlockedDates: ['2026-12-24'],
      },
    });
    const blocker = Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm', { Properties: { AlarmName: 'svc-practice-run-blocker' } }));
    expect(blocker).toHaveLength(1);
    const rule = JSON.stringify(blocker[0].Properties.AlarmRule);
    for (const alarm of [service.alarms.regionalImpactAlarm, ...service.alarms.zones.map((zone) => zone.impairedAlarm)]) {
      expect(rule).toContain(stack.getLogicalId(alarm.node.defaultChild as CfnResource));
    }
    // The outcome alarm watches the whole load balancer: no AvailabilityZone dimension anywhere.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'svc-regional-availability',
      Metrics: Match.arrayWith([Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ Dimensions: [{ Name: 'LoadBalancer', Value: Match.anyValue() }] }) }) })]),
    });
  });

  test('autoshift is off by default, and blocked dates without it are refused', () => {
    const { template } = synthService();
    template.resourceCountIs('AWS::ARCZonalShift::ZonalAutoshiftConfiguration', 0);
    expect(() => synthService({ practiceRunBlockedWindows: ['Mon:00:00-Mon:01:00'] })).toThrow('apply only with zonalAutoshift: true');
  });

  test("data tier: each reader's alarms join its own AZ's impaired alarm, and no other", () => {
    const { service, template } = synthService({ dataTier: true, alarmNamePrefix: 'svc' });
    const stack = Stack.of(service);
    for (const zone of service.dataTier!.zones) {
      const own = [zone.replicaLagAlarm, zone.readerAvailabilityAlarm].map((alarm) => stack.getLogicalId(alarm.node.defaultChild as CfnResource));
      for (const other of ZONES) {
        const impaired = Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm', { Properties: { AlarmName: `svc-${other}-impaired` } }))[0];
        const rule = JSON.stringify(impaired.Properties.AlarmRule);
        for (const id of own) {
          expect(rule.includes(id)).toBe(other === zone.availabilityZone);
        }
      }
    }
    expect(service.alarms.zone('us-east-1b').additionalAlarms).toHaveLength(2);
  });

  test('static stability: a peak sizes every zone for the loss of one', () => {
    const { service } = synthService({ peakCapacity: 10 });
    expect(service.fleet.minCapacityPerZone).toBe(5);
  });
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
