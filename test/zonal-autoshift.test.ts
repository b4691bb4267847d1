import { App, Stack, aws_cloudwatch as cloudwatch, aws_ec2 as ec2, aws_elasticloadbalancingv2 as elbv2 } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ZonalAutoshift, ZonalAutoshiftProps } from '../lib';

const ACCOUNT = '111111111111';
const REGION = 'us-east-1';

interface Fixture {
  readonly app: App;
  readonly stack: Stack;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly outcome: cloudwatch.IAlarm;
}

function fixture(options: { zonalShift?: boolean; crossZone?: boolean } = {}): Fixture {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: ACCOUNT, region: REGION } });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-12345678',
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    publicSubnetIds: ['subnet-11111111', 'subnet-22222222'],
    publicSubnetRouteTableIds: ['rtb-11111111', 'rtb-22222222'],
  });
  const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'Lb', { vpc, internetFacing: true });
  if (options.zonalShift ?? true) {
    loadBalancer.setAttribute('zonal_shift.config.enabled', 'true');
  }
  const targetGroup = new elbv2.ApplicationTargetGroup(stack, 'Targets', {
    vpc,
    port: 80,
    crossZoneEnabled: options.crossZone ?? false,
  });
  loadBalancer.addListener('Http', { port: 80, defaultTargetGroups: [targetGroup] });
  const outcome = new cloudwatch.Alarm(stack, 'Outcome', {
    metric: new cloudwatch.Metric({ namespace: 'Test', metricName: 'Faults' }),
    threshold: 1,
    evaluationPeriods: 1,
  });
  return { app, stack, loadBalancer, targetGroup, outcome };
}

function autoshift(f: Fixture, overrides: Partial<ZonalAutoshiftProps> = {}): ZonalAutoshift {
  return new ZonalAutoshift(f.stack, 'Autoshift', {
    loadBalancer: f.loadBalancer,
    targetGroups: [f.targetGroup],
    outcomeAlarms: [f.outcome],
    ...overrides,
  });
}

function importedAlarm(stack: Stack, id: string, account = ACCOUNT, region = REGION): cloudwatch.IAlarm {
  return cloudwatch.Alarm.fromAlarmArn(stack, id, `arn:aws:cloudwatch:${region}:${account}:alarm:${id}`);
}

describe('configuration', () => {
  test('enables autoshift with a practice run configuration of the given alarms, dates and windows', () => {
    const f = fixture();
    const blocking = importedAlarm(f.stack, 'regional-impact');
    autoshift(f, { blockingAlarms: [blocking], blockedDates: ['2026-12-24'], blockedWindows: ['FRI:16:00-FRI:23:59'] });
    // ARC's pattern wants Mon..Sun; any case is accepted and rendered that way.
    const template = Template.fromStack(f.stack);
    template.resourceCountIs('AWS::ARCZonalShift::ZonalAutoshiftConfiguration', 1);
    template.hasResourceProperties('AWS::ARCZonalShift::ZonalAutoshiftConfiguration', {
      ResourceIdentifier: { Ref: Match.stringLikeRegexp('^Lb') },
      ZonalAutoshiftStatus: 'ENABLED',
      PracticeRunConfiguration: {
        OutcomeAlarms: [{ Type: 'CLOUDWATCH', AlarmIdentifier: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Outcome'), 'Arn'] } }],
        BlockingAlarms: [{ Type: 'CLOUDWATCH', AlarmIdentifier: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:regional-impact` }],
        BlockedDates: ['2026-12-24'],
        BlockedWindows: ['Fri:16:00-Fri:23:59'],
      },
    });
  });

  test('leaves empty lists out and can keep autoshift off while practice runs continue', () => {
    const f = fixture();
    autoshift(f, { autoshiftEnabled: false });
    Template.fromStack(f.stack).hasResourceProperties('AWS::ARCZonalShift::ZonalAutoshiftConfiguration', {
      ZonalAutoshiftStatus: 'DISABLED',
      PracticeRunConfiguration: {
        OutcomeAlarms: Match.anyValue(),
        BlockingAlarms: Match.absent(),
        BlockedDates: Match.absent(),
        BlockedWindows: Match.absent(),
      },
    });
  });
});

describe('validation', () => {
  test.each([0, 2])('refuses %d outcome alarms: CloudFormation takes exactly one', (count) => {
    const f = fixture();
    const alarms = Array.from({ length: count }, (_, i) => importedAlarm(f.stack, `outcome-${i}`));
    expect(() => autoshift(f, { outcomeAlarms: alarms })).toThrow(`outcomeAlarms has ${count} alarms; the CloudFormation resource takes exactly 1`);
  });

  test('refuses 2 blocking alarms: CloudFormation takes one, so combine them', () => {
    const f = fixture();
    const alarms = Array.from({ length: 2 }, (_, i) => importedAlarm(f.stack, `b-${i}`));
    expect(() => autoshift(f, { blockingAlarms: alarms })).toThrow('blockingAlarms has 2 alarms; the CloudFormation resource takes at most 1. Combine them in a composite alarm');
  });

  test('accepts 15 blocked dates and windows, refuses 16', () => {
    const dates = (n: number) => Array.from({ length: n }, (_, i) => `2026-12-${String(i + 1).padStart(2, '0')}`);
    const windows = (n: number) => Array.from({ length: n }, (_, i) => `Mon:${String(i).padStart(2, '0')}:00-Mon:${String(i).padStart(2, '0')}:30`);
    expect(() => autoshift(fixture(), { blockedDates: dates(15), blockedWindows: windows(15) })).not.toThrow();
    expect(() => autoshift(fixture(), { blockedDates: dates(16) })).toThrow('blockedDates has 16 and blockedWindows 0 entries; ARC takes at most 15 of each');
    expect(() => autoshift(fixture(), { blockedWindows: windows(16) })).toThrow('blockedDates has 0 and blockedWindows 16 entries');
  });

  test.each(['2026-02-30', '2026-13-01', '26-12-24', '2026-12-24 ', '2026/12/24'])('refuses blocked date %p', (date) => {
    const f = fixture();
    expect(() => autoshift(f, { blockedDates: [date] })).toThrow(`blockedDates entry '${date}' is not a calendar date in the form YYYY-MM-DD`);
  });

  test.each(['2024-02-29', '2026-01-01', '2026-12-31'])('accepts blocked date %p', (date) => {
    expect(() => autoshift(fixture(), { blockedDates: [date] })).not.toThrow();
  });

  test.each([
    ['FRI:16:00-FRI:23:59', undefined],
    ['mon:00:00-mon:00:01', undefined],
    ['FRI:16:00', 'is not a weekly window'],
    ['FRY:16:00-FRY:17:00', 'names an unknown day'],
    ['FRI:24:00-FRI:23:00', 'has a time outside 00:00-23:59'],
    ['FRI:16:60-FRI:17:00', 'has a time outside 00:00-23:59'],
    ['FRI:23:00-SAT:01:00', 'spans two days'],
    ['FRI:17:00-FRI:16:00', 'ends before it starts'],
    ['FRI:17:00-FRI:17:00', 'ends before it starts'],
  ])('blocked window %p', (window, error) => {
    const f = fixture();
    const make = () => autoshift(f, { blockedWindows: [window] });
    if (error === undefined) {
      expect(make).not.toThrow();
    } else {
      expect(make).toThrow(`blockedWindows entry '${window}' ${error}`);
    }
  });

  test.each([
    ['222222222222', REGION],
    [ACCOUNT, 'eu-west-1'],
  ])('refuses an alarm in account %s, Region %s', (account, region) => {
    const f = fixture();
    const foreign = importedAlarm(f.stack, 'foreign', account, region);
    expect(() => autoshift(f, { outcomeAlarms: [foreign] })).toThrow(/is in account .*ARC reads practice-run alarms in the load balancer's account and Region/);
    const f2 = fixture();
    expect(() => autoshift(f2, { blockingAlarms: [importedAlarm(f2.stack, 'foreign', account, region)] })).toThrow(/blockingAlarms\[0\]/);
  });

  test('fails synthesis when zonal shift is not enabled on the load balancer', () => {
    const f = fixture({ zonalShift: false });
    autoshift(f);
    expect(() => f.app.synth()).toThrow(/Zonal shift is not enabled on load balancer Stack\/Lb/);
  });

  test('accepts zonal shift enabled after the construct was created', () => {
    const f = fixture({ zonalShift: false });
    autoshift(f);
    f.loadBalancer.setAttribute('zonal_shift.config.enabled', 'true');
    expect(() => f.app.synth()).not.toThrow();
  });

  test('fails synthesis when cross-zone load balancing is on in a target group', () => {
    const f = fixture({ crossZone: true });
    autoshift(f);
    expect(() => f.app.synth()).toThrow(/Cross-zone load balancing is not off in target group Stack\/Targets/);
  });

  test('warns when it cannot check the target groups or an imported load balancer', () => {
    const f = fixture();
    const imported = elbv2.ApplicationLoadBalancer.fromApplicationLoadBalancerAttributes(f.stack, 'Imported', {
      loadBalancerArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/web/0123456789abcdef`,
      securityGroupId: 'sg-12345678',
    });
    new ZonalAutoshift(f.stack, 'Autoshift', { loadBalancer: imported, outcomeAlarms: [f.outcome] });
    f.app.synth();
    const warnings = Annotations.fromStack(f.stack).findWarning('*', Match.stringLikeRegexp('.*'));
    const text = warnings.map((w) => String(w.entry.data)).join('\n');
    expect(text).toMatch(/No targetGroups given, so cross-zone load balancing was not checked/);
    expect(text).toMatch(/The load balancer is imported, so whether zonal shift is enabled on it was not checked/);
  });
});
