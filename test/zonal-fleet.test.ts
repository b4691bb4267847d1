import { App, Duration, Stack, aws_ec2 as ec2, aws_iam as iam } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
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
