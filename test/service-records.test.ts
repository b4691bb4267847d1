import { App, Stack, aws_elasticloadbalancingv2 as elbv2, aws_route53 as route53 } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ServiceRecords, WeightedLoadBalancer } from '../lib';

function setup() {
  const stack = new Stack(new App(), 'Records', { env: { account: '111111111111', region: 'us-east-1' } });
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789ABC', zoneName: 'example.com' });
  const lb = (name: string, region: string) => elbv2.ApplicationLoadBalancer.fromApplicationLoadBalancerAttributes(stack, name, {
    loadBalancerArn: `arn:aws:elasticloadbalancing:${region}:111111111111:loadbalancer/app/${name}/0123456789abcdef`,
    securityGroupId: 'sg-0123456789abcdef0',
    loadBalancerDnsName: `${name}-123.${region}.elb.amazonaws.com`,
    loadBalancerCanonicalHostedZoneId: region === 'us-east-1' ? 'Z35SXDOTRQ7X7K' : 'Z32O12XQLNTSW2',
  });
  return { stack, zone, east: lb('east', 'us-east-1'), west: lb('west', 'eu-west-1') };
}

test('a plain alias evaluates target health by default', () => {
  const { stack, zone, east } = setup();
  new ServiceRecords(stack, 'Records', { zone, recordName: 'api', loadBalancer: east });
  const template = Template.fromStack(stack);
  template.resourceCountIs('AWS::Route53::RecordSet', 1);
  template.hasResourceProperties('AWS::Route53::RecordSet', {
    Name: 'api.example.com.',
    Type: 'A',
    HostedZoneId: 'Z0123456789ABC',
    AliasTarget: { DNSName: 'dualstack.east-123.us-east-1.elb.amazonaws.com', HostedZoneId: 'Z35SXDOTRQ7X7K', EvaluateTargetHealth: true },
    Weight: Match.absent(),
    SetIdentifier: Match.absent(),
  });
});

test('evaluateTargetHealth can be turned off, and ipv6 adds AAAA records', () => {
  const { stack, zone, east } = setup();
  new ServiceRecords(stack, 'Records', { zone, recordName: 'api.example.com', loadBalancer: east, evaluateTargetHealth: false, ipv6: true });
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::Route53::RecordSet', { Type: 'A', AliasTarget: Match.objectLike({ EvaluateTargetHealth: false }) });
  template.hasResourceProperties('AWS::Route53::RecordSet', { Type: 'AAAA', Name: 'api.example.com.' });
});

test('weighted aliases: one record per member, with its weight and set identifier', () => {
  const { stack, zone, east, west } = setup();
  const records = new ServiceRecords(stack, 'Records', {
    zone,
    recordName: 'api',
    weightedLoadBalancers: [
      { loadBalancer: east, weight: 255, setIdentifier: 'us-east-1' },
      { loadBalancer: west, weight: 0, setIdentifier: 'eu-west-1' },
    ],
  });
  expect(records.domainName).toBe('api.example.com.');
  const template = Template.fromStack(stack);
  template.resourceCountIs('AWS::Route53::RecordSet', 2);
  template.hasResourceProperties('AWS::Route53::RecordSet', {
    Name: 'api.example.com.', Weight: 255, SetIdentifier: 'us-east-1',
    AliasTarget: Match.objectLike({ DNSName: 'dualstack.east-123.us-east-1.elb.amazonaws.com', EvaluateTargetHealth: true }),
  });
  template.hasResourceProperties('AWS::Route53::RecordSet', {
    Name: 'api.example.com.', Weight: 0, SetIdentifier: 'eu-west-1',
    AliasTarget: Match.objectLike({ DNSName: 'dualstack.west-123.eu-west-1.elb.amazonaws.com', HostedZoneId: 'Z32O12XQLNTSW2' }),
  });
});

describe('validation', () => {
  const members = (weights: number[]): (lbs: ReturnType<typeof setup>) => WeightedLoadBalancer[] =>
    (s) => weights.map((weight, index) => ({ loadBalancer: index === 0 ? s.east : s.west, weight, setIdentifier: `member-${index}` }));

  test.each([
    [[256, 1], /weight of 'member-0' is 256; Route 53 weights are whole numbers from 0 to 255/],
    [[-1, 1], /weight of 'member-0' is -1/],
    [[1.5, 1], /weight of 'member-0' is 1.5/],
    [[0, 0], /Every weight is 0 \(member-0, member-1\).*at least one member a weight above 0/],
  ])('weights %p are rejected', (weights, message) => {
    const s = setup();
    expect(() => new ServiceRecords(s.stack, 'Records', { zone: s.zone, recordName: 'api', weightedLoadBalancers: members(weights)(s) }))
      .toThrow(message);
  });

  test('weights 0 and 255 are accepted', () => {
    const s = setup();
    expect(() => new ServiceRecords(s.stack, 'Records', { zone: s.zone, recordName: 'api', weightedLoadBalancers: members([0, 255])(s) }))
      .not.toThrow();
  });

  test('a lone member with weight 0 warns that it is drained only beside another record', () => {
    const s = setup();
    new ServiceRecords(s.stack, 'Records', { zone: s.zone, recordName: 'api', weightedLoadBalancers: members([0])(s) });
    Annotations.fromStack(s.stack).hasWarning('/Records/Records', Match.stringLikeRegexp('has weight 0'));
  });

  test('set identifiers must be unique', () => {
    const s = setup();
    expect(() => new ServiceRecords(s.stack, 'Records', {
      zone: s.zone, recordName: 'api',
      weightedLoadBalancers: [{ loadBalancer: s.east, weight: 1, setIdentifier: 'x' }, { loadBalancer: s.west, weight: 1, setIdentifier: 'x' }],
    })).toThrow(/setIdentifier 'x' is used twice/);
  });

  test.each([
    ['api.example.org.', /'api.example.org.' is not inside the hosted zone 'example.com'/],
    ['api.other.com', /looks like a name outside the hosted zone 'example.com'/],
    ['', /recordName must be a concrete, non-empty name/],
  ])('record name %p outside the zone is rejected', (recordName, message) => {
    const s = setup();
    expect(() => new ServiceRecords(s.stack, 'Records', { zone: s.zone, recordName, loadBalancer: s.east })).toThrow(message);
  });

  test.each([
    ['api', 'api.example.com.'],
    ['api.eu', 'api.eu.example.com.'],
    ['API.Example.com.', 'api.example.com.'],
    ['example.com', 'example.com.'],
  ])('record name %p becomes %p', (recordName, expected) => {
    const s = setup();
    expect(new ServiceRecords(s.stack, 'Records', { zone: s.zone, recordName, loadBalancer: s.east }).domainName).toBe(expected);
  });

  test('exactly one of loadBalancer and weightedLoadBalancers', () => {
    const s = setup();
    expect(() => new ServiceRecords(s.stack, 'A', { zone: s.zone, recordName: 'api' })).toThrow(/got neither/);
    expect(() => new ServiceRecords(s.stack, 'B', { zone: s.zone, recordName: 'api', loadBalancer: s.east, weightedLoadBalancers: members([1])(s) }))
      .toThrow(/got both/);
  });
});
