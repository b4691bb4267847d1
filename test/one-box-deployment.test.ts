import { App, Stack, aws_cloudwatch as cloudwatch } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { OneBoxDeployment, ZonalFleet } from '../lib';

function setup(alarmCount: number) {
  const stack = new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
  const fleet = new ZonalFleet(stack, 'Fleet', { availabilityZones: ['us-east-1a', 'us-east-1b'], oneBox: true });
  const alarms = Array.from({ length: alarmCount }, (_, index) => new cloudwatch.Alarm(stack, `Alarm${index}`, {
    metric: new cloudwatch.Metric({ namespace: 'Test', metricName: 'Faults' }), threshold: 1, evaluationPeriods: 1,
  }));
  return { stack, fleet, alarms };
}

test('deploys the one-box group all at once with traffic control, and rolls back on failure and alarm', () => {
  const { stack, fleet, alarms } = setup(1);
  new OneBoxDeployment(stack, 'OneBox', { autoScalingGroup: fleet.oneBoxGroup!, targetGroup: fleet.targetGroup, alarms });
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
    AutoScalingGroups: [{ Ref: stack.getLogicalId(fleet.oneBoxGroup!.node.defaultChild as any) }],
    DeploymentConfigName: 'CodeDeployDefault.AllAtOnce',
    DeploymentStyle: { DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
    LoadBalancerInfo: { TargetGroupInfoList: [{ Name: Match.anyValue() }] },
    AlarmConfiguration: { Enabled: true, Alarms: [{ Name: { Ref: stack.getLogicalId(alarms[0].node.defaultChild as any) } }] },
    AutoRollbackConfiguration: { Enabled: true, Events: Match.arrayWith(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']) },
  });
});

test('more than ten alarms is an error', () => {
  const { stack, fleet, alarms } = setup(11);
  expect(() => new OneBoxDeployment(stack, 'OneBox', { autoScalingGroup: fleet.oneBoxGroup!, targetGroup: fleet.targetGroup, alarms }))
    .toThrow(/alarms has 11 alarms, but a CodeDeploy deployment group takes at most 10/);
});
