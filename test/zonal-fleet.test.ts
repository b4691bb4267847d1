import { App, Duration, Size, Stack, Validations, aws_certificatemanager as acm, aws_ec2 as ec2, aws_elasticloadbalancingv2 as elbv2, aws_iam as iam, aws_s3 as s3 } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ZonalFleet, ZonalFleetProps } from '../lib';

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
}

function synthFleet(props: ZonalFleetProps = {}): { stack: Stack; fleet: ZonalFleet; template: Template } {
  const stack = newStack();
  const fleet = new ZonalFleet(stack, 'Fleet', { availabilityZones: ZONES, ...props });
  return { stack, fleet, template: Template.fromStack(stack) };
}

/** The subnet logical IDs of a VPC-created template, keyed by Availability Zone. */
function subnetsByZone(template: Template): Map<string, string[]> {
  const byZone = new Map<string, string[]>();
  for (const [logicalId, subnet] of Object.entries(template.findResources('AWS::EC2::Subnet'))) {
    const zone = subnet.Properties.AvailabilityZone as string;
    byZone.set(zone, [...(byZone.get(zone) ?? []), logicalId]);
  }
  return byZone;
}

describe('target group', () => {
  test('turns cross-zone load balancing off', () => {
    const { template } = synthFleet();
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetGroupAttributes: Match.arrayWith([{ Key: 'load_balancing.cross_zone.enabled', Value: 'false' }]),
    });
  });

  test('is the only target group, and the listener forwards to it alone', () => {
    const { template } = synthFleet();
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 1);
    const listeners = Object.values(template.findResources('AWS::ElasticLoadBalancingV2::Listener'));
    expect(listeners).toHaveLength(1);
    const actions = listeners[0].Properties.DefaultActions;
    expect(actions).toHaveLength(1);
    expect(actions[0].Type).toBe('forward');
    expect(actions[0].TargetGroupArn.Ref).toMatch(/^FleetTargetGroup/);
    expect(actions[0].ForwardConfig).toBeUndefined();
  });

  test('sets DNS-failover and unhealthy-state-routing thresholds, with defaults', () => {
    const { template } = synthFleet();
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetGroupAttributes: Match.arrayWith([
        { Key: 'target_group_health.dns_failover.minimum_healthy_targets.count', Value: '1' },
        { Key: 'target_group_health.dns_failover.minimum_healthy_targets.percentage', Value: 'off' },
        { Key: 'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count', Value: '1' },
      ]),
    });
  });

  test('takes configured DNS-failover thresholds', () => {
    const { template } = synthFleet({
      dnsFailoverMinimumHealthyTargetCount: 2,
      dnsFailoverMinimumHealthyTargetPercentage: 50,
      unhealthyStateRoutingMinimumHealthyTargetCount: 3,
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetGroupAttributes: Match.arrayWith([
        { Key: 'target_group_health.dns_failover.minimum_healthy_targets.count', Value: '2' },
        { Key: 'target_group_health.dns_failover.minimum_healthy_targets.percentage', Value: '50' },
        { Key: 'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count', Value: '3' },
      ]),
    });
  });

  test('uses the default health check', () => {
    const { template } = synthFleet();
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/',
      HealthCheckIntervalSeconds: 10,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 2,
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]),
    });
  });

  test('takes a configured health check and port', () => {
    const { template } = synthFleet({
      instancePort: 8080,
      healthCheck: { path: '/health', interval: Duration.seconds(15), healthyThresholdCount: 3 },
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 8080,
      HealthCheckPath: '/health',
      HealthCheckIntervalSeconds: 15,
      HealthyThresholdCount: 3,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 8080, ToPort: 8080 });
  });
});

describe('load balancer', () => {
  test('enables zonal shift', () => {
    const { template } = synthFleet();
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'zonal_shift.config.enabled', Value: 'true' }]),
    });
  });

  test.each([
    [undefined, 'internet-facing'],
    [true, 'internet-facing'],
    [false, 'internal'],
  ])('internetFacing=%s gives scheme %s', (internetFacing, scheme) => {
    const { template } = synthFleet({ internetFacing });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: scheme });
  });

  test('listens on the configured port', () => {
    const { template } = synthFleet({ listenerPort: 8000 });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 8000, Protocol: 'HTTP' });
  });
});

describe('Auto Scaling groups', () => {
  test('one per zone, each in exactly one zone, each registered in the target group', () => {
    const { template } = synthFleet();
    const byZone = subnetsByZone(template);
    const groups = Object.values(template.findResources('AWS::AutoScaling::AutoScalingGroup'));
    expect(groups).toHaveLength(3);
    const zonesOfGroups = groups.map((group) => {
      const subnetIds = (group.Properties.VPCZoneIdentifier as Array<{ Ref: string }>).map((ref) => ref.Ref);
      const zones = new Set(subnetIds.map((id) => [...byZone].find(([, ids]) => ids.includes(id))![0]));
      expect(zones.size).toBe(1);
      expect(group.Properties.TargetGroupARNs).toHaveLength(1);
      expect(group.Properties.TargetGroupARNs[0].Ref).toMatch(/^FleetTargetGroup/);
      return [...zones][0];
    });
    expect(zonesOfGroups.sort()).toEqual(ZONES);
  });

  test('exposes one zone handle per Availability Zone, in order', () => {
    const { fleet } = synthFleet();
    expect(fleet.zones.map((zone) => zone.availabilityZone)).toEqual(ZONES);
    expect(fleet.autoScalingGroups).toHaveLength(3);
    expect(fleet.autoScalingGroupIn('us-east-1b')).toBe(fleet.zones[1].autoScalingGroup);
    expect(() => fleet.autoScalingGroupIn('us-east-1d')).toThrow(/no zone 'us-east-1d'.*us-east-1a, us-east-1b, us-east-1c/);
  });

  test('default capacity is 2 to 4 per zone', () => {
    const { template } = synthFleet();
    template.allResourcesProperties('AWS::AutoScaling::AutoScalingGroup', { MinSize: '2', MaxSize: '4', DesiredCapacity: Match.absent() });
  });

  test('takes per-zone capacity', () => {
    const { template } = synthFleet({ minCapacityPerZone: 1, maxCapacityPerZone: 5, desiredCapacityPerZone: 3 });
    template.allResourcesProperties('AWS::AutoScaling::AutoScalingGroup', { MinSize: '1', MaxSize: '5', DesiredCapacity: '3' });
  });

  test('replaces instances that fail the load balancer health check', () => {
    const { template } = synthFleet();
    template.allResourcesProperties('AWS::AutoScaling::AutoScalingGroup', { HealthCheckType: 'ELB' });
  });

  test('requires IMDSv2 on every launch template', () => {
    const { template } = synthFleet();
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 3);
    template.allResourcesProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ MetadataOptions: { HttpTokens: 'required' } }),
    });
  });

  test('gives instances a role with the SSM managed instance policy', () => {
    const { template } = synthFleet();
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })],
      }),
      ManagedPolicyArns: [Match.objectLike({
        'Fn::Join': ['', Match.arrayWith([':iam::aws:policy/AmazonSSMManagedInstanceCore'])],
      })],
    });
    template.resourceCountIs('AWS::IAM::InstanceProfile', 1);
  });

  test('gives each zone its own copy of the user data', () => {
    const userData = ec2.UserData.forLinux();
    userData.addCommands('echo hello-from-test');
    const stack = newStack();
    const fleet = new ZonalFleet(stack, 'Fleet', { availabilityZones: ZONES, userData });
    fleet.zones[0].autoScalingGroup.addUserData('echo only-in-first-zone');
    const rendered = Object.values(Template.fromStack(stack).findResources('AWS::EC2::LaunchTemplate'))
      .map((lt) => JSON.stringify(lt.Properties.LaunchTemplateData.UserData));
    expect(rendered).toHaveLength(3);
    expect(rendered.every((text) => text.includes('hello-from-test'))).toBe(true);
    expect(rendered.filter((text) => text.includes('only-in-first-zone'))).toHaveLength(1);
  });
});

describe('VPC', () => {
  test('a new VPC spans the zones with one NAT gateway per zone', () => {
    const { template } = synthFleet();
    expect([...subnetsByZone(template).keys()].sort()).toEqual(ZONES);
    template.resourceCountIs('AWS::EC2::NatGateway', 3);
  });

  test('an existing VPC is used as it is', () => {
    const stack = newStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Existing', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      publicSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
      privateSubnetIds: ['subnet-0bbbbbbbbbbbbbbb1', 'subnet-0bbbbbbbbbbbbbbb2'],
    });
    const role = iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::111111111111:role/existing');
    new ZonalFleet(stack, 'Fleet', { vpc, instanceRole: role });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::IAM::Role', 0);
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { VPCZoneIdentifier: ['subnet-0bbbbbbbbbbbbbbb1'] });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { VPCZoneIdentifier: ['subnet-0bbbbbbbbbbbbbbb2'] });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Subnets: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'] });
  });

  test('a zone the existing VPC has no subnets in is refused', () => {
    const stack = newStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Existing', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      publicSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
      privateSubnetIds: ['subnet-0bbbbbbbbbbbbbbb1', 'subnet-0bbbbbbbbbbbbbbb2'],
    });
    expect(() => new ZonalFleet(stack, 'Fleet', { vpc, availabilityZones: ['us-east-1a', 'us-east-1c'] }))
      .toThrow(/no subnets in us-east-1c for instanceSubnets/);
  });
});

describe('validation', () => {
  test.each<[string, ZonalFleetProps, RegExp]>([
    ['one zone', { availabilityZones: ['us-east-1a'] }, /at least 2 Availability Zones, got 1 \(us-east-1a\)/],
    ['no zone', { availabilityZones: [] }, /at least 2 Availability Zones, got 0/],
    ['a repeated zone', { availabilityZones: ['us-east-1a', 'us-east-1a'] }, /lists 'us-east-1a' more than once/],
    ['zero minimum', { minCapacityPerZone: 0 }, /minCapacityPerZone must be a whole number of at least 1 per zone, got 0/],
    ['fractional maximum', { maxCapacityPerZone: 2.5 }, /maxCapacityPerZone must be a whole number.*got 2.5/],
    ['maximum below minimum', { minCapacityPerZone: 3, maxCapacityPerZone: 2 }, /maxCapacityPerZone \(2\) is below minCapacityPerZone \(3\)/],
    ['desired above maximum', { desiredCapacityPerZone: 9 }, /desiredCapacityPerZone \(9\) must lie between minCapacityPerZone \(2\) and maxCapacityPerZone \(4\)/],
    ['bad port', { instancePort: 70000 }, /instancePort must be a TCP port between 1 and 65535, got 70000/],
  ])('refuses %s', (_name, props, message) => {
    const stack = newStack();
    expect(() => new ZonalFleet(stack, 'Fleet', { availabilityZones: ZONES, ...props })).toThrow(message);
  });

  test('refuses unresolved zone names in an environment-agnostic stack', () => {
    const stack = new Stack(new App(), 'Agnostic');
    expect(() => new ZonalFleet(stack, 'Fleet')).toThrow(/concrete Availability Zone names/);
  });
});

describe('synthesis without credentials', () => {
  /** Stacks for account 111111111111 with no context at all: any lookup would show as missing context. */
  function envStack(app: App): Stack {
    return new Stack(app, 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
  }

  test('concrete zones need no Availability Zone lookup: the cloud assembly has no missing context', () => {
    const app = new App();
    new ZonalFleet(envStack(app), 'Fleet', { availabilityZones: ZONES });
    const assembly = app.synth();
    expect(assembly.manifest.missing ?? []).toEqual([]);
    expect(assembly.getStackByName('Stack').manifest.metadata ?? {}).not.toHaveProperty(['/Stack', 'aws:cdk:missing-context']);
  });

  test('the substitute is local to the fleet: other constructs still read the stack\'s zones by lookup', () => {
    const app = new App();
    const stack = envStack(app);
    new ZonalFleet(stack, 'Fleet', { availabilityZones: ZONES });
    expect(stack.availabilityZones).toEqual(['dummy1a', 'dummy1b', 'dummy1c']);
    expect(app.synth().manifest.missing?.map((m) => m.key)).toEqual(['availability-zones:account=111111111111:region=us-east-1']);
  });

  test('without zones, the fleet looks them up, and uses the committed context', () => {
    const app = new App({ context: { 'availability-zones:account=111111111111:region=us-east-1': ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d'] } });
    const fleet = new ZonalFleet(envStack(app), 'Fleet');
    expect(fleet.availabilityZones).toEqual(ZONES);
    expect(app.synth().manifest.missing ?? []).toEqual([]);
  });

  test('given zones outside the committed context are refused', () => {
    const app = new App({ context: { 'availability-zones:account=111111111111:region=us-east-1': ['us-east-1a', 'us-east-1b'] } });
    expect(() => new ZonalFleet(envStack(app), 'Fleet', { availabilityZones: ZONES }))
      .toThrow(/us-east-1c is not among the zones of 111111111111\/us-east-1 recorded in the context \(us-east-1a, us-east-1b\)/);
  });

  test('a stack class that chooses its own zones keeps them', () => {
    class TwoZoneStack extends Stack {
      get availabilityZones(): string[] {
        return ['us-east-1a', 'us-east-1b'];
      }
    }
    const stack = new TwoZoneStack(new App(), 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
    // ec2.Vpc's own subset check runs against the stack's getter, as it would without the fleet.
    expect(() => new ZonalFleet(stack, 'Fleet', { availabilityZones: ZONES })).toThrow(/must be a subset of the stack's availability zones/);
  });
});

describe('Vpc.fromLookup', () => {
  test('before the lookup has run, the fleet synthesizes so the CLI can do the lookup', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
    const vpc = ec2.Vpc.fromLookup(stack, 'Existing', { vpcId: 'vpc-0123456789abcdef0' });
    new ZonalFleet(stack, 'Fleet', { vpc, availabilityZones: ZONES });
    expect(app.synth().manifest.missing?.map((m) => m.provider)).toEqual(['vpc-provider']);
  });

  test('after the lookup, the real VPC is checked: a zone without subnets is refused', () => {
    const looked = {
      vpcId: 'vpc-0123456789abcdef0', vpcCidrBlock: '10.0.0.0/16', ownerAccountId: '111111111111',
      availabilityZones: [],
      subnetGroups: [
        { name: 'Public', type: 'Public', subnets: [
          { subnetId: 'subnet-0aaaaaaaaaaaaaaa1', cidr: '10.0.0.0/24', availabilityZone: 'us-east-1a', routeTableId: 'rtb-0aaaaaaaaaaaaaaa1' },
          { subnetId: 'subnet-0aaaaaaaaaaaaaaa2', cidr: '10.0.1.0/24', availabilityZone: 'us-east-1b', routeTableId: 'rtb-0aaaaaaaaaaaaaaa1' },
        ] },
        { name: 'Private', type: 'Private', subnets: [
          { subnetId: 'subnet-0bbbbbbbbbbbbbbb1', cidr: '10.0.2.0/24', availabilityZone: 'us-east-1a', routeTableId: 'rtb-0bbbbbbbbbbbbbbb1' },
          { subnetId: 'subnet-0bbbbbbbbbbbbbbb2', cidr: '10.0.3.0/24', availabilityZone: 'us-east-1b', routeTableId: 'rtb-0bbbbbbbbbbbbbbb2' },
        ] },
      ],
    };
    const probe = new App();
    const probeStack = new Stack(probe, 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
    ec2.Vpc.fromLookup(probeStack, 'Existing', { vpcId: 'vpc-0123456789abcdef0' });
    Validations.of(probeStack).acknowledge({ id: 'CloudFormation-Validate::F0001', reason: 'This stack only asks for the lookup key.' });
    const key = probe.synth().manifest.missing![0].key;

    const app = new App({ context: { [key]: looked } });
    const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
    const vpc = ec2.Vpc.fromLookup(stack, 'Existing', { vpcId: 'vpc-0123456789abcdef0' });
    expect(() => new ZonalFleet(stack, 'Fleet', { vpc, availabilityZones: ZONES })).toThrow(/no subnets in us-east-1c for instanceSubnets/);
    const fleet = new ZonalFleet(stack, 'Fleet2', { vpc, availabilityZones: ['us-east-1a', 'us-east-1b'] });
    expect(fleet.autoScalingGroupIn('us-east-1b')).toBeDefined();
    Template.fromStack(stack).hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Subnets: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'] });
  });
});

describe('load balancer placement', () => {
  test('a VPC with more zones than the fleet: the load balancer gets subnets only in the fleet\'s zones', () => {
    // A load balancer node in a zone with no targets answers 503 (cross-zone is off).
    const stack = newStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Existing', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d'],
      publicSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2', 'subnet-0aaaaaaaaaaaaaaa3', 'subnet-0aaaaaaaaaaaaaaa4'],
      privateSubnetIds: ['subnet-0bbbbbbbbbbbbbbb1', 'subnet-0bbbbbbbbbbbbbbb2', 'subnet-0bbbbbbbbbbbbbbb3', 'subnet-0bbbbbbbbbbbbbbb4'],
    });
    new ZonalFleet(stack, 'Fleet', { vpc, availabilityZones: ['us-east-1a', 'us-east-1c'] });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Subnets: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa3'] });
  });

  test('a created VPC with more zones than the fleet, and a custom load balancer selection: still only the fleet\'s zones', () => {
    const stack = new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Network', {
      availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d'],
      natGateways: 1,
    });
    new ZonalFleet(stack, 'Fleet', { vpc, availabilityZones: ['us-east-1b', 'us-east-1d'], loadBalancerSubnets: { subnetType: ec2.SubnetType.PUBLIC } });
    const template = Template.fromStack(stack);
    const zoneOf = new Map(Object.entries(template.findResources('AWS::EC2::Subnet')).map(([id, s]) => [id, s.Properties.AvailabilityZone as string]));
    const [lb] = Object.values(template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'));
    const zones = (lb.Properties.Subnets as Array<{ Ref: string }>).map((ref) => zoneOf.get(ref.Ref));
    expect(zones.sort()).toEqual(['us-east-1b', 'us-east-1d']);
  });
});

describe('HTTPS', () => {
  const CERT_ARN = 'arn:aws:acm:us-east-1:111111111111:certificate/12345678-1234-1234-1234-123456789012';
  function withCertificate(props: ZonalFleetProps = {}) {
    const stack = newStack();
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Certificate', CERT_ARN);
    const fleet = new ZonalFleet(stack, 'Fleet', { availabilityZones: ZONES, certificate, ...props });
    return { fleet, template: Template.fromStack(stack) };
  }

  test('an HTTPS listener with the certificate and a current TLS policy forwards to the target group', () => {
    const { fleet, template } = withCertificate();
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: CERT_ARN }],
      SslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      DefaultActions: [Match.objectLike({ Type: 'forward', TargetGroupArn: { Ref: Match.stringLikeRegexp('^FleetTargetGroup') } })],
    });
    expect(fleet.listener.node.id).toBe('HttpsListener');
  });

  test('the HTTP listener redirects permanently to HTTPS and forwards nowhere', () => {
    const { fleet, template } = withCertificate({ httpsListenerPort: 8443 });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '8443', StatusCode: 'HTTP_301' } }],
    });
    // Same construct ID as the plain HTTP listener: adding a certificate does not replace it.
    expect(fleet.redirectListener!.node.id).toBe('Listener');
  });

  test('redirectHttpToHttps=false leaves HTTP closed', () => {
    const { fleet, template } = withCertificate({ redirectHttpToHttps: false });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    expect(fleet.redirectListener).toBeUndefined();
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ FromPort: 443, CidrIp: '0.0.0.0/0' })],
    });
  });

  test.each<[string, ZonalFleetProps, RegExp]>([
    ['HTTPS options without a certificate', { httpsListenerPort: 443 }, /httpsListenerPort is set but no certificate is given/],
    ['a redirect without a certificate', { redirectHttpToHttps: true }, /redirectHttpToHttps is set but no certificate is given/],
  ])('refuses %s', (_name, props, message) => {
    expect(() => synthFleet(props)).toThrow(message);
  });

  test('refuses the same port for HTTP and HTTPS', () => {
    expect(() => withCertificate({ listenerPort: 443 })).toThrow(/httpsListenerPort and listenerPort are both 443/);
  });
});

describe('access logs', () => {
  test('off by default', () => {
    const { template, fleet } = synthFleet();
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(fleet.accessLogsBucket).toBeUndefined();
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.not(Match.arrayWith([{ Key: 'access_logs.s3.enabled', Value: 'true' }])),
    });
  });

  test('a created bucket: SSE-S3, TLS only, no public access, expiring logs, delivery allowed for the Region', () => {
    const { template, fleet } = synthFleet({ accessLogs: true, accessLogsPrefix: 'alb' });
    const bucketId = Object.keys(template.findResources('AWS::S3::Bucket'))[0];
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 90, Status: 'Enabled' })] },
    });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'access_logs.s3.enabled', Value: 'true' },
        { Key: 'access_logs.s3.bucket', Value: { Ref: bucketId } },
        { Key: 'access_logs.s3.prefix', Value: 'alb' },
      ]),
    });
    const policy = JSON.stringify(Object.values(template.findResources('AWS::S3::BucketPolicy'))[0].Properties.PolicyDocument);
    // us-east-1's Elastic Load Balancing account writes the logs; TLS-only access is enforced.
    expect(policy).toContain(':iam::127311923021:root');
    expect(policy).toContain('"aws:SecureTransport":"false"');
    expect(policy).toContain('/alb/AWSLogs/111111111111/*');
    expect(fleet.accessLogsBucket).toBeDefined();
  });

  test('a Region without an Elastic Load Balancing account gets the log delivery service principal', () => {
    const stack = new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'ap-southeast-5' } });
    new ZonalFleet(stack, 'Fleet', { availabilityZones: ['ap-southeast-5a', 'ap-southeast-5b'], accessLogs: true });
    const policy = JSON.stringify(Template.fromStack(stack).findResources('AWS::S3::BucketPolicy'));
    expect(policy).toContain('logdelivery.elasticloadbalancing.amazonaws.com');
  });

  test('a given bucket is used, and giving one turns logs on', () => {
    const stack = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Logs', 'my-alb-logs');
    const fleet = new ZonalFleet(stack, 'Fleet', { availabilityZones: ZONES, accessLogsBucket: bucket });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(fleet.accessLogsBucket).toBe(bucket);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'access_logs.s3.bucket', Value: 'my-alb-logs' }]),
    });
    // Its policy cannot be changed from here, so the fleet says what it must allow.
    Annotations.fromStack(stack).hasWarning('/Stack/Fleet', Match.stringLikeRegexp('AWSLogs/111111111111/'));
  });

  test('a bucket defined in the app gets the delivery statements, and no warning', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Logs', { encryption: s3.BucketEncryption.S3_MANAGED });
    new ZonalFleet(stack, 'Fleet', { availabilityZones: ZONES, accessLogsBucket: bucket });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::BucketPolicy', 1);
    expect(JSON.stringify(template.findResources('AWS::S3::BucketPolicy'))).toContain(':iam::127311923021:root');
    Annotations.fromStack(stack).hasNoWarning('/Stack/Fleet', Match.stringLikeRegexp('AWSLogs'));
  });

  test('refuses a KMS-encrypted bucket, a bucket with logs off, and a stack without a Region', () => {
    const stack = newStack();
    const kmsBucket = new s3.Bucket(stack, 'Kms', { encryption: s3.BucketEncryption.KMS });
    expect(() => new ZonalFleet(stack, 'Fleet', { availabilityZones: ZONES, accessLogsBucket: kmsBucket }))
      .toThrow(/encrypted with a KMS key.*SSE-S3/);
    expect(() => new ZonalFleet(newStack(), 'Fleet', { availabilityZones: ZONES, accessLogs: false, accessLogsBucket: kmsBucket }))
      .toThrow(/accessLogs is false but accessLogsBucket is given/);
    expect(() => new ZonalFleet(new Stack(new App(), 'Agnostic'), 'Fleet', { availabilityZones: ZONES, accessLogs: true }))
      .toThrow(/Access logs need the stack's Region/);
  });
});

describe('root volumes', () => {
  test('the default image gets an encrypted gp3 root volume on /dev/xvda, sized by the image', () => {
    const { template } = synthFleet();
    template.allResourcesProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3', DeleteOnTermination: true } }],
      }),
    });
  });

  test('the one-box host gets the same encrypted root volume as the zones', () => {
    const { template } = synthFleet({ oneBox: true });
    template.resourceCountIs('AWS::EC2::LaunchTemplate', ZONES.length + 1);
    template.allResourcesProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: Match.objectLike({ Encrypted: true }) }],
      }),
    });
  });

  test('a given image with its device name and size', () => {
    const { template } = synthFleet({
      machineImage: ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-0123456789abcdef0' }),
      rootVolumeDeviceName: '/dev/sda1',
      rootVolumeSize: Size.gibibytes(20),
    });
    template.allResourcesProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: Match.objectLike({ Encrypted: true, VolumeSize: 20 }) }],
      }),
    });
  });

  test('a given image without a device name is not guessed at, and a warning says why', () => {
    const stack = newStack();
    new ZonalFleet(stack, 'Fleet', { availabilityZones: ZONES, machineImage: ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-0123456789abcdef0' }) });
    const template = Template.fromStack(stack);
    template.allResourcesProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: Match.objectLike({ BlockDeviceMappings: Match.absent() }) });
    Annotations.fromStack(stack).hasWarning('/Stack/Fleet', Match.stringLikeRegexp('set rootVolumeDeviceName'));
  });

  test('refuses a device name that is not one', () => {
    expect(() => synthFleet({ rootVolumeDeviceName: 'xvda' })).toThrow(/rootVolumeDeviceName must be a device name such as \/dev\/xvda.*got 'xvda'/);
  });
});

describe('one-box group', () => {
  test('is off by default', () => {
    const { fleet, template } = synthFleet();
    expect(fleet.oneBoxGroup).toBeUndefined();
    template.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', ZONES.length);
  });

  test('runs exactly one instance, in the first zone, registered in the one target group', () => {
    const { stack, fleet, template } = synthFleet({ oneBox: true });
    expect(fleet.oneBoxAvailabilityZone).toBe('us-east-1a');
    template.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', ZONES.length + 1);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 1);
    const oneBox = template.findResources('AWS::AutoScaling::AutoScalingGroup', {
      Properties: { MinSize: '1', MaxSize: '1' },
    });
    expect(Object.keys(oneBox)).toEqual([stack.getLogicalId(fleet.oneBoxGroup!.node.defaultChild as any)]);
    const props = Object.values(oneBox)[0].Properties;
    expect(props.TargetGroupARNs).toEqual([{ Ref: stack.getLogicalId(fleet.targetGroup.node.defaultChild as any) }]);
    const zoneOfSubnet = new Map<string, string>();
    for (const [zone, ids] of subnetsByZone(template)) {
      ids.forEach((id) => zoneOfSubnet.set(id, zone));
    }
    const zones = new Set((props.VPCZoneIdentifier as Array<{ Ref: string }>).map((ref) => zoneOfSubnet.get(ref.Ref)));
    expect([...zones]).toEqual(['us-east-1a']);
  });

  test('goes to the zone given, and keeps the zonal groups as they were', () => {
    const { fleet } = synthFleet({ oneBox: true, oneBoxAvailabilityZone: 'us-east-1c' });
    expect(fleet.oneBoxAvailabilityZone).toBe('us-east-1c');
    expect(fleet.autoScalingGroups).toHaveLength(ZONES.length);
    expect(fleet.autoScalingGroups).not.toContain(fleet.oneBoxGroup);
  });

  test('rejects a zone outside the fleet, and a zone without oneBox', () => {
    expect(() => synthFleet({ oneBox: true, oneBoxAvailabilityZone: 'us-east-1d' }))
      .toThrow(/oneBoxAvailabilityZone 'us-east-1d' is not one of the fleet's zones \(us-east-1a, us-east-1b, us-east-1c\)/);
    expect(() => synthFleet({ oneBoxAvailabilityZone: 'us-east-1a' })).toThrow(/oneBox is off; set oneBox: true/);
  });
});

describe('static stability', () => {
  test('sizes each zone so the other zones carry the peak with one zone gone', () => {
    const { fleet, template } = synthFleet({ peakCapacity: 12 });
    // 3 zones: 2 survivors carry 12 instances, so 6 per zone.
    expect(fleet.minCapacityPerZone).toBe(6);
    template.allResourcesProperties('AWS::AutoScaling::AutoScalingGroup', { MinSize: '6', MaxSize: '12' });
  });

  test('counts in units of capacityPerInstance, rounding up', () => {
    const { fleet } = synthFleet({ peakCapacity: 2500, capacityPerInstance: 400 });
    // ceil(2500 / 400) = 7 instances over 2 survivors: 4 per zone.
    expect(fleet.minCapacityPerZone).toBe(4);
  });

  test('keeps a hand-set minimum that is too small, and warns with the numbers', () => {
    const { stack, fleet } = synthFleet({ peakCapacity: 12, minCapacityPerZone: 4 });
    expect(fleet.minCapacityPerZone).toBe(4);
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('minCapacityPerZone is 4, but a peak of 12 instances needs 6 per zone'));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0].entry.data)).toContain('2 x 4 = 8 < 12');
  });

  test('a hand-set minimum that is large enough draws no warning', () => {
    const { stack } = synthFleet({ peakCapacity: 12, minCapacityPerZone: 6 });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('.*peak of.*'))).toHaveLength(0);
  });

  test.each<[ZonalFleetProps, RegExp]>([
    [{ peakCapacity: 0 }, /peakCapacity must be a positive number/],
    [{ peakCapacity: 10, capacityPerInstance: -1 }, /capacityPerInstance must be a positive number/],
    [{ capacityPerInstance: 100 }, /capacityPerInstance is set but peakCapacity is not/],
  ])('refuses %p', (props, message) => {
    expect(() => synthFleet(props)).toThrow(message);
  });
});
