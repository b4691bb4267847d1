import { App, Duration, Stack, aws_ec2 as ec2, aws_elasticloadbalancingv2 as elbv2 } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ProbeProtocol, ZonalProbes, ZonalProbesProps } from '../lib/zonal-probes';

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

function fixture(internetFacing = true) {
  const stack = new Stack(new App(), 'Stack');
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing });
  alb.addListener('Http', { port: 80 }).addAction('Fixed', { action: elbv2.ListenerAction.fixedResponse(200) });
  return { stack, vpc, alb };
}

function synth(props: Partial<ZonalProbesProps> = {}) {
  const { stack, vpc, alb } = fixture();
  const probes = new ZonalProbes(stack, 'Probes', { loadBalancer: alb, availabilityZones: ZONES, ...props });
  return { stack, vpc, alb, probes, template: Template.fromStack(stack) };
}

function environment(template: Template): Record<string, unknown> {
  const functions = Object.values(template.findResources('AWS::Lambda::Function'));
  expect(functions).toHaveLength(1);
  return functions[0].Properties.Environment.Variables;
}

describe('function', () => {
  test('one Node.js 24 arm64 function outside any VPC, running a minute of cycles per invocation', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 128,
      // 60 s of cycles + a 2 s timeout + 15 s margin
      Timeout: 77,
      VpcConfig: Match.absent(),
    });
  });

  test('the environment names the load balancer, the AZs, the metric names and the defaults', () => {
    const { stack, alb, template } = synth();
    const albId = stack.getLogicalId(alb.node.defaultChild as elbv2.CfnLoadBalancer);
    expect(environment(template)).toEqual({
      LOAD_BALANCER_DNS_NAME: { 'Fn::GetAtt': [albId, 'DNSName'] },
      AVAILABILITY_ZONES: JSON.stringify(ZONES),
      LOAD_BALANCER_DIMENSION: { 'Fn::GetAtt': [albId, 'LoadBalancerFullName'] },
      PROTOCOL: 'http',
      PORT: '80',
      PROBE_PATH: '/',
      EXPECTED_STATUS_CODES: '200-399',
      TIMEOUT_MS: '2000',
      INTERVAL_MS: '10000',
      REQUESTS_PER_CYCLE: '3',
      RUN_FOR_MS: '60000',
      METRICS_NAMESPACE: 'CdkAzi/Probes',
      FAULT_RATE_METRIC: 'FaultRate',
      LATENCY_METRIC: 'Latency',
      CYCLES_METRIC: 'Cycles',
    });
  });

  test('HTTPS defaults to port 443 and passes the host name for SNI and Host', () => {
    const { template } = synth({ protocol: ProbeProtocol.HTTPS, hostHeader: 'shop.example.com', path: '/health', expectedStatusCodes: '200' });
    expect(environment(template)).toMatchObject({
      PROTOCOL: 'https', PORT: '443', HOST_HEADER: 'shop.example.com', PROBE_PATH: '/health', EXPECTED_STATUS_CODES: '200',
    });
  });

  test('invoked once a minute by a schedule without retries', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } })],
    });
  });

  test('may put metric data only into its namespace, and nothing else', () => {
    const { template } = synth({ metricsNamespace: 'Shop/Probes' });
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    expect(statements).toEqual([{
      Sid: 'PublishProbeMetrics',
      Effect: 'Allow',
      Action: 'cloudwatch:PutMetricData',
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': 'Shop/Probes' } },
    }]);
  });

  test('runs in the given VPC\'s private subnets for an internal load balancer', () => {
    const { stack, vpc, alb } = fixture(false);
    new ZonalProbes(stack, 'Probes', { loadBalancer: alb, availabilityZones: ZONES, vpc });
    const template = Template.fromStack(stack);
    const subnetIds = vpc.privateSubnets.map((subnet) => ({ Ref: stack.getLogicalId(subnet.node.defaultChild as ec2.CfnSubnet) }));
    template.hasResourceProperties('AWS::Lambda::Function', { VpcConfig: Match.objectLike({ SubnetIds: subnetIds }) });
  });

  test('an internal load balancer without a VPC is refused with the fix', () => {
    const { stack, alb } = fixture(false);
    expect(() => new ZonalProbes(stack, 'Probes', { loadBalancer: alb, availabilityZones: ZONES }))
      .toThrow(/Stack\/Alb is internal, so the probes must run inside its VPC: pass vpc/);
  });
});

describe('probe health alarm', () => {
  test('fewer than half the expected cycles for 3 minutes, missing data breaching, no actions', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CdkAzi/Probes',
      MetricName: 'Cycles',
      Statistic: 'Sum',
      Period: 60,
      Threshold: 3,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'breaching',
      AlarmActions: Match.absent(),
    });
  });

  test('follows the interval: 12 cycles a minute at 5 seconds', () => {
    const { template } = synth({ interval: Duration.seconds(5) });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Cycles', Threshold: 6 });
  });
});

describe('metrics', () => {
  test('fault rate and latency per AZ carry LoadBalancer and AvailabilityZone', () => {
    const { stack, probes } = synth();
    const fault = stack.resolve((probes.metricFaultRate('us-east-1b', Duration.seconds(10)) as any).dimensions);
    expect(Object.keys(fault).sort()).toEqual(['AvailabilityZone', 'LoadBalancer']);
    expect(fault.AvailabilityZone).toBe('us-east-1b');
    const config = probes.metricLatency('us-east-1b', Duration.seconds(10)).toMetricConfig().metricStat!;
    expect(config).toMatchObject({ namespace: 'CdkAzi/Probes', metricName: 'Latency', statistic: 'p50' });
    expect(config.period.toSeconds()).toBe(10);
  });

  test('an unknown AZ is an error naming the covered ones', () => {
    const { probes } = synth();
    expect(() => probes.metricFaultRate('us-east-1d', Duration.seconds(10))).toThrow(/'us-east-1d'.*us-east-1a, us-east-1b, us-east-1c/);
  });

  test('delivery delay is the timeout plus 5 s of ingestion', () => {
    expect(synth().probes.deliveryDelay.toSeconds()).toBe(7);
    expect(synth({ timeout: Duration.millis(500) }).probes.deliveryDelay.toMilliseconds()).toBe(5500);
  });
});

describe('validation', () => {
  test.each<[string, Partial<ZonalProbesProps>, RegExp]>([
    ['one AZ', { availabilityZones: ['us-east-1a'] }, /at least 2 Availability Zones/],
    ['interval not dividing a minute', { interval: Duration.seconds(7) }, /interval is 7 seconds; .*divide a minute/],
    ['interval under a second', { interval: Duration.millis(500) }, /interval is 500 millis/],
    ['interval over a minute', { interval: Duration.seconds(120) }, /interval is 2 minutes/],
    ['timeout as long as the interval', { timeout: Duration.seconds(10) }, /timeout is 10 seconds; .*shorter than interval/],
    ['timeout too short', { timeout: Duration.millis(50) }, /timeout is 50 millis; .*at least 100 milliseconds/],
    ['no requests', { requestsPerCycle: 0 }, /requestsPerCycle is 0/],
    ['too many requests', { requestsPerCycle: 51 }, /requestsPerCycle is 51; .*1 to 50/],
    ['port 0', { port: 0 }, /port is 0/],
    ['relative path', { path: 'health' }, /path is 'health'; .*start with '\/'/],
    ['status class', { expectedStatusCodes: '2xx' }, /expectedStatusCodes entry '2xx'/],
    ['reversed range', { expectedStatusCodes: '299-200' }, /expectedStatusCodes entry '299-200'/],
    ['host with a space', { hostHeader: 'shop example.com' }, /hostHeader 'shop example.com' is not a host name/],
  ])('%s throws', (_name, props, message) => {
    const { stack, alb } = fixture();
    expect(() => new ZonalProbes(stack, 'Probes', { loadBalancer: alb, availabilityZones: ZONES, ...props })).toThrow(message);
  });

  test('the largest allowed settings are accepted', () => {
    expect(() => synth({ interval: Duration.seconds(60), timeout: Duration.millis(59999), requestsPerCycle: 50, port: 65535 })).not.toThrow();
  });
});
