import {
  Duration,
  Stack,
  Token,
  aws_autoscaling as autoscaling,
  aws_ec2 as ec2,
  aws_elasticloadbalancingv2 as elbv2,
  aws_iam as iam,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { validateAvailabilityZones } from './private/validation';

/**
 * Properties of a {@link ZonalFleet}.
 */
export interface ZonalFleetProps {
  /**
   * The VPC to place the load balancer and the instances in.
   *
   * For an existing VPC, every zone in `availabilityZones` must have subnets of the kinds that
   * `instanceSubnets` and `loadBalancerSubnets` select.
   *
   * @default - a new VPC across `availabilityZones`, with a public and a private subnet and one NAT
   * gateway in each zone, so that no zone depends on another zone's NAT gateway
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The Availability Zone names to run in, one Auto Scaling group each. At least two.
   *
   * Names must be concrete strings (for example `us-east-1a`): the alarms and the zonal-shift
   * function key on them.
   *
   * @default - the first three zones of `vpc` (or of the stack, when no VPC is given)
   */
  readonly availabilityZones?: string[];

  /**
   * Whether the load balancer is reachable from the internet.
   *
   * @default true
   */
  readonly internetFacing?: boolean;

  /**
   * The subnets of each zone that the instances run in.
   *
   * The fleet narrows this selection to one zone per Auto Scaling group.
   *
   * @default - private subnets with egress
   */
  readonly instanceSubnets?: ec2.SubnetSelection;

  /**
   * The subnets the load balancer's nodes are placed in.
   *
   * @default - public subnets for an internet-facing load balancer, private subnets with egress
   * otherwise, limited to `availabilityZones`
   */
  readonly loadBalancerSubnets?: ec2.SubnetSelection;

  /**
   * The machine image of the instances.
   *
   * @default - the latest Amazon Linux 2023, resolved at deploy time from the public SSM parameter
   */
  readonly machineImage?: ec2.IMachineImage;

  /**
   * The instance type.
   *
   * @default t3.micro
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * Commands run at instance start. Each zone gets its own copy, so per-group additions (the
   * CodeDeploy agent, for example) never land in another zone's user data.
   *
   * @default - no commands beyond what other constructs add
   */
  readonly userData?: ec2.UserData;

  /**
   * The role of the instances. A new role gets the `AmazonSSMManagedInstanceCore` managed policy;
   * a role passed here is used as it is.
   *
   * @default - a new role that EC2 can assume, with `AmazonSSMManagedInstanceCore`
   */
  readonly instanceRole?: iam.IRole;

  /**
   * The security group of the instances. The fleet allows the load balancer to reach it on
   * `instancePort`.
   *
   * @default - a new security group with all outbound traffic allowed
   */
  readonly instanceSecurityGroup?: ec2.ISecurityGroup;

  /**
   * The minimum number of instances in each zone. At least 1; with zonal deployments, at least 2
   * keeps a zone serving while one host is updated.
   *
   * @default 2
   */
  readonly minCapacityPerZone?: number;

  /**
   * The maximum number of instances in each zone.
   *
   * @default - twice `minCapacityPerZone`
   */
  readonly maxCapacityPerZone?: number;

  /**
   * The initial desired number of instances in each zone.
   *
   * @default - `minCapacityPerZone`
   */
  readonly desiredCapacityPerZone?: number;

  /**
   * The port the instances serve HTTP on.
   *
   * @default 80
   */
  readonly instancePort?: number;

  /**
   * The port of the load balancer's HTTP listener.
   *
   * @default 80
   */
  readonly listenerPort?: number;

  /**
   * The target group's health check.
   *
   * @default - HTTP `GET /` every 10 seconds, healthy after 2 and unhealthy after 2 checks
   */
  readonly healthCheck?: elbv2.HealthCheck;

  /**
   * How long the target group waits for in-flight requests before it deregisters a target.
   * Each host of a zonal deployment waits this long, so keep it short.
   *
   * @default Duration.seconds(30)
   */
  readonly deregistrationDelay?: Duration;

  /**
   * Fewer healthy targets than this in a zone takes that zone's load balancer node out of DNS.
   * 0 turns the count off.
   *
   * @default 1
   */
  readonly dnsFailoverMinimumHealthyTargetCount?: number;

  /**
   * A smaller healthy share of targets than this percentage in a zone takes that zone's node out
   * of DNS. 0 turns the percentage off.
   *
   * @default 0
   */
  readonly dnsFailoverMinimumHealthyTargetPercentage?: number;

  /**
   * Fewer healthy targets than this in a zone makes that zone's node send requests to all of its
   * targets, healthy or not (fail open).
   *
   * @default 1
   */
  readonly unhealthyStateRoutingMinimumHealthyTargetCount?: number;

  /**
   * Add a one-box Auto Scaling group: exactly one instance, in one zone, registered in the same
   * target group as the zone's own group. A deployment pipeline deploys a new revision to this
   * one host first (the one-box wave), so a bad change meets a small share of production traffic.
   *
   * The host adds to its zone's capacity; it is not counted in `minCapacityPerZone`.
   *
   * @default false
   */
  readonly oneBox?: boolean;

  /**
   * The zone of the one-box group. Must be one of `availabilityZones`. Only with `oneBox`.
   *
   * @default - the first of `availabilityZones`
   */
  readonly oneBoxAvailabilityZone?: string;
}

/**
 * One zone of a {@link ZonalFleet}.
 */
export interface FleetZone {
  /** The Availability Zone name, for example `us-east-1a`. */
  readonly availabilityZone: string;
  /** The Auto Scaling group that runs this zone's instances, and only in this zone. */
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
}

/**
 * An Availability-Zone-independent fleet: an Application Load Balancer with zonal shift enabled,
 * one listener, one target group spanning every zone with cross-zone load balancing off, and one
 * Auto Scaling group per zone registered in that target group.
 *
 * One target group, not one per zone: with cross-zone off, a zone that is empty for a target group
 * answers 503 to every request that enters it, so per-zone target groups behind one listener
 * serve errors. Each zone's share of traffic stays in that zone; each zone is its own deployment
 * unit and its own metric dimension.
 */
export class ZonalFleet extends Construct {
  /** The VPC of the fleet. */
  public readonly vpc: ec2.IVpc;
  /** The Availability Zone names, in the order the zones were created. */
  public readonly availabilityZones: string[];
  /** The load balancer, with `zonal_shift.config.enabled` set to `true`. */
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The HTTP listener, forwarding to `targetGroup` only. */
  public readonly listener: elbv2.ApplicationListener;
  /** The one target group, spanning every zone, with cross-zone load balancing off. */
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** One entry per zone, in the order of `availabilityZones`. */
  public readonly zones: FleetZone[];
  /** The instances' role. */
  public readonly instanceRole: iam.IRole;
  /** The instances' security group. */
  public readonly instanceSecurityGroup: ec2.ISecurityGroup;
  /** The minimum number of instances in each zone. */
  public readonly minCapacityPerZone: number;
  /**
   * The one-box Auto Scaling group (one instance, in `oneBoxAvailabilityZone`), registered in
   * `targetGroup`; only with the `oneBox` prop.
   */
  public readonly oneBoxGroup?: autoscaling.AutoScalingGroup;
  /** The zone of the one-box group; only with the `oneBox` prop. */
  public readonly oneBoxAvailabilityZone?: string;

  constructor(scope: Construct, id: string, props: ZonalFleetProps = {}) {
    super(scope, id);

    const capacity = resolveCapacity(props);
    this.minCapacityPerZone = capacity.min;
    const instancePort = validatePort('instancePort', props.instancePort ?? 80);
    const listenerPort = validatePort('listenerPort', props.listenerPort ?? 80);
    const internetFacing = props.internetFacing ?? true;

    const requestedZones = props.availabilityZones ?? defaultZones(this, props.vpc);
    this.availabilityZones = validateAvailabilityZones(requestedZones, 'availabilityZones');

    this.vpc = props.vpc ?? new ec2.Vpc(this, 'Vpc', {
      availabilityZones: this.availabilityZones,
      natGateways: this.availabilityZones.length,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      ],
    });

    const instanceSubnets = props.instanceSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    const loadBalancerSubnets = props.loadBalancerSubnets ?? {
      subnetType: internetFacing ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS,
    };
    for (const zone of this.availabilityZones) {
      requireSubnetsInZone(this.vpc, instanceSubnets, zone, 'instanceSubnets');
      requireSubnetsInZone(this.vpc, loadBalancerSubnets, zone, 'loadBalancerSubnets');
    }

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: this.vpc,
      internetFacing,
      vpcSubnets: { ...loadBalancerSubnets, availabilityZones: this.availabilityZones },
      dropInvalidHeaderFields: true,
    });
    this.loadBalancer.setAttribute('zonal_shift.config.enabled', 'true');

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: this.vpc,
      port: instancePort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.INSTANCE,
      crossZoneEnabled: false,
      deregistrationDelay: props.deregistrationDelay ?? Duration.seconds(30),
      healthCheck: props.healthCheck ?? {
        path: '/',
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 2,
      },
      targetGroupHealth: {
        dnsMinimumHealthyTargetCount: props.dnsFailoverMinimumHealthyTargetCount ?? 1,
        dnsMinimumHealthyTargetPercentage: props.dnsFailoverMinimumHealthyTargetPercentage ?? 0,
        routingMinimumHealthyTargetCount: props.unhealthyStateRoutingMinimumHealthyTargetCount ?? 1,
      },
    });

    this.listener = this.loadBalancer.addListener('Listener', {
      port: listenerPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      defaultTargetGroups: [this.targetGroup],
    });

    this.instanceRole = props.instanceRole ?? new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    this.instanceSecurityGroup = props.instanceSecurityGroup ?? new ec2.SecurityGroup(this, 'InstanceSecurityGroup', {
      vpc: this.vpc,
      description: 'Instances of the zonal fleet',
      allowAllOutbound: true,
    });
    this.instanceSecurityGroup.connections.allowFrom(
      this.loadBalancer, ec2.Port.tcp(instancePort), 'Load balancer to instances');

    const instanceProfile = new iam.InstanceProfile(this, 'InstanceProfile', { role: this.instanceRole });
    const machineImage = props.machineImage ?? ec2.MachineImage.latestAmazonLinux2023();
    const instanceType = props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO);

    this.zones = this.availabilityZones.map((availabilityZone) => {
      const zoneScope = new Construct(this, availabilityZone);
      const userData = ec2.UserData.forLinux();
      if (props.userData) {
        userData.addCommands(props.userData.render());
      }
      const launchTemplate = new ec2.LaunchTemplate(zoneScope, 'LaunchTemplate', {
        machineImage,
        instanceType,
        userData,
        instanceProfile,
        securityGroup: this.instanceSecurityGroup,
        requireImdsv2: true,
      });
      const autoScalingGroup = new autoscaling.AutoScalingGroup(zoneScope, 'Group', {
        vpc: this.vpc,
        vpcSubnets: { ...instanceSubnets, availabilityZones: [availabilityZone] },
        launchTemplate,
        minCapacity: capacity.min,
        maxCapacity: capacity.max,
        desiredCapacity: capacity.desired,
        healthChecks: autoscaling.HealthChecks.withAdditionalChecks({
          additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
          gracePeriod: Duration.minutes(5),
        }),
      });
      autoScalingGroup.attachToApplicationTargetGroup(this.targetGroup);
      return { availabilityZone, autoScalingGroup };
    });

    if (props.oneBox) {
      this.oneBoxAvailabilityZone = this.resolveOneBoxZone(props.oneBoxAvailabilityZone);
      this.oneBoxGroup = this.addOneBoxGroup(this.oneBoxAvailabilityZone, instanceSubnets, {
        machineImage, instanceType, instanceProfile, userData: props.userData,
      });
    } else if (props.oneBoxAvailabilityZone !== undefined) {
      throw new Error(`oneBoxAvailabilityZone is '${props.oneBoxAvailabilityZone}' but oneBox is off; set oneBox: true or drop oneBoxAvailabilityZone.`);
    }
  }

  private resolveOneBoxZone(requested: string | undefined): string {
    const zone = requested ?? this.availabilityZones[0];
    if (!this.availabilityZones.includes(zone)) {
      throw new Error(`oneBoxAvailabilityZone '${zone}' is not one of the fleet's zones (${this.availabilityZones.join(', ')}); pick one of them.`);
    }
    return zone;
  }

  /**
   * One instance in one zone, in the shared target group: the one-box host. Its own launch
   * template and user data copy, so additions to it stay on the one-box host.
   */
  private addOneBoxGroup(zone: string, instanceSubnets: ec2.SubnetSelection, options: {
    machineImage: ec2.IMachineImage;
    instanceType: ec2.InstanceType;
    instanceProfile: iam.IInstanceProfile;
    userData?: ec2.UserData;
  }): autoscaling.AutoScalingGroup {
    const scope = new Construct(this, 'OneBox');
    const userData = ec2.UserData.forLinux();
    if (options.userData) {
      userData.addCommands(options.userData.render());
    }
    const launchTemplate = new ec2.LaunchTemplate(scope, 'LaunchTemplate', {
      machineImage: options.machineImage,
      instanceType: options.instanceType,
      userData,
      instanceProfile: options.instanceProfile,
      securityGroup: this.instanceSecurityGroup,
      requireImdsv2: true,
    });
    const group = new autoscaling.AutoScalingGroup(scope, 'Group', {
      vpc: this.vpc,
      vpcSubnets: { ...instanceSubnets, availabilityZones: [zone] },
      launchTemplate,
      minCapacity: 1,
      maxCapacity: 1,
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({
        additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
        gracePeriod: Duration.minutes(5),
      }),
    });
    group.attachToApplicationTargetGroup(this.targetGroup);
    return group;
  }

  /** The Auto Scaling groups, one per zone, in the order of `availabilityZones`. */
  public get autoScalingGroups(): autoscaling.AutoScalingGroup[] {
    return this.zones.map((zone) => zone.autoScalingGroup);
  }

  /**
   * The Auto Scaling group of one zone.
   *
   * @param availabilityZone an Availability Zone name of this fleet
   */
  public autoScalingGroupIn(availabilityZone: string): autoscaling.AutoScalingGroup {
    const zone = this.zones.find((z) => z.availabilityZone === availabilityZone);
    if (!zone) {
      throw new Error(`ZonalFleet has no zone '${availabilityZone}'; its zones are ${this.availabilityZones.join(', ')}.`);
    }
    return zone.autoScalingGroup;
  }
}

interface Capacity {
  readonly min: number;
  readonly max: number;
  readonly desired?: number;
}

function resolveCapacity(props: ZonalFleetProps): Capacity {
  const min = props.minCapacityPerZone ?? 2;
  requireWholeNumber('minCapacityPerZone', min, 1);
  const max = props.maxCapacityPerZone ?? Math.max(min * 2, 1);
  requireWholeNumber('maxCapacityPerZone', max, 1);
  if (max < min) {
    throw new Error(`maxCapacityPerZone (${max}) is below minCapacityPerZone (${min}); raise maxCapacityPerZone to at least ${min}.`);
  }
  const desired = props.desiredCapacityPerZone;
  if (desired !== undefined) {
    requireWholeNumber('desiredCapacityPerZone', desired, 1);
    if (desired < min || desired > max) {
      throw new Error(`desiredCapacityPerZone (${desired}) must lie between minCapacityPerZone (${min}) and maxCapacityPerZone (${max}).`);
    }
  }
  return { min, max, desired };
}

function requireWholeNumber(name: string, value: number, minimum: number): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isInteger(value) || value < minimum) {
    throw new Error(`${name} must be a whole number of at least ${minimum} per zone, got ${value}.`);
  }
}

function validatePort(name: string, port: number): number {
  if (!Token.isUnresolved(port) && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new Error(`${name} must be a TCP port between 1 and 65535, got ${port}.`);
  }
  return port;
}

function defaultZones(scope: Construct, vpc: ec2.IVpc | undefined): string[] {
  const zones = vpc ? vpc.availabilityZones : Stack.of(scope).availabilityZones;
  return zones.slice(0, 3);
}

function requireSubnetsInZone(vpc: ec2.IVpc, selection: ec2.SubnetSelection, zone: string, propName: string): void {
  const selected = vpc.selectSubnets({ ...selection, availabilityZones: [zone] });
  if (selected.subnets.length === 0) {
    throw new Error(`The VPC has no subnets in ${zone} for ${propName}; add subnets there, pick other availabilityZones, or change ${propName}.`);
  }
}
