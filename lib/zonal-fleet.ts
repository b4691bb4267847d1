import {
  Annotations,
  Duration,
  RemovalPolicy,
  Size,
  Stack,
  Token,
  Validations,
  aws_autoscaling as autoscaling,
  aws_certificatemanager as acm,
  aws_ec2 as ec2,
  aws_elasticloadbalancingv2 as elbv2,
  aws_iam as iam,
  aws_s3 as s3,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { encryptedRootVolume } from './private/root-volume';
import { sizeForLossOfOneZone } from './private/static-stability';
import { withStackAvailabilityZones } from './private/stack-zones';
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
   * function key on them. Given names need no context lookup (and so no AWS credentials at
   * synthesis), also in a stack with an account and a Region.
   *
   * @default - the first three zones of `vpc`, or, when no VPC is given, of the stack (in a stack
   * with an account and a Region, that is the `availability-zones` context lookup)
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
   * @default - sized from `peakCapacity` when that is given, else 2
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
   * The capacity the service needs at peak, in instances (or in the unit of
   * `capacityPerInstance`). With cross-zone load balancing off, a zonal shift, an autoshift or a
   * practice run takes one zone's capacity away at once and nothing borrows it, so each zone's
   * minimum is sized for the other zones to carry the peak alone:
   * `ceil(ceil(peakCapacity / capacityPerInstance) / (zones - 1))`. With `minCapacityPerZone`
   * also set, a smaller value is kept and a warning gives the numbers.
   *
   * @default - no sizing: `minCapacityPerZone` as given
   */
  readonly peakCapacity?: number;

  /**
   * What one instance carries, in the unit of `peakCapacity` (for example requests per second).
   *
   * @default 1 (peakCapacity counts instances)
   */
  readonly capacityPerInstance?: number;

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

  /**
   * A certificate for an HTTPS listener. With a certificate, the HTTPS listener (on
   * `httpsListenerPort`) forwards to the target group, and the HTTP listener (on `listenerPort`)
   * answers every request with a permanent redirect to HTTPS, unless `redirectHttpToHttps` is off.
   * Add more certificates with `listener.addCertificates`.
   *
   * @default - no HTTPS listener; the HTTP listener forwards to the target group
   */
  readonly certificate?: acm.ICertificate;

  /**
   * The port of the HTTPS listener. Used only with a `certificate`.
   *
   * @default 443
   */
  readonly httpsListenerPort?: number;

  /**
   * The TLS security policy of the HTTPS listener. Used only with a `certificate`.
   *
   * @default elbv2.SslPolicy.RECOMMENDED_TLS
   */
  readonly sslPolicy?: elbv2.SslPolicy;

  /**
   * With a `certificate`: whether an HTTP listener on `listenerPort` redirects to HTTPS. Off
   * means the load balancer does not listen on HTTP at all.
   *
   * @default true
   */
  readonly redirectHttpToHttps?: boolean;

  /**
   * Whether the load balancer writes access logs to S3. The stack needs a concrete Region
   * (the log delivery principal depends on it).
   *
   * @default - false, unless `accessLogsBucket` is given
   */
  readonly accessLogs?: boolean;

  /**
   * The bucket for the load balancer's access logs. It must use SSE-S3 encryption (the load
   * balancer cannot write to buckets encrypted with KMS keys); the fleet adds the bucket policy
   * statements the Region's log delivery needs.
   *
   * @default - with `accessLogs`, a new bucket: SSE-S3, TLS-only access, public access blocked,
   * objects expire after `accessLogsRetention`, retained when the stack is deleted
   */
  readonly accessLogsBucket?: s3.IBucket;

  /**
   * The key prefix of the access logs in the bucket.
   *
   * @default - no prefix
   */
  readonly accessLogsPrefix?: string;

  /**
   * How long a bucket the fleet creates keeps access logs. Ignored for a given bucket.
   *
   * @default Duration.days(90)
   */
  readonly accessLogsRetention?: Duration;

  /**
   * The device name of the image's root volume, which the launch templates map to an encrypted
   * gp3 volume. Amazon Linux 2 and 2023 and Debian use `/dev/xvda`; Ubuntu, Red Hat and Windows
   * images use `/dev/sda1` (see the image's `RootDeviceName`). A wrong name adds a second volume
   * instead of encrypting the root volume, so it is not guessed for an image you pass.
   *
   * @default - `/dev/xvda` with the default Amazon Linux 2023 image; with a `machineImage` you
   * pass, the root volume is not mapped (the account's EBS encryption-by-default applies) and a
   * warning says so
   */
  readonly rootVolumeDeviceName?: string;

  /**
   * The size of the encrypted root volume.
   *
   * @default - the size of the image's root snapshot
   */
  readonly rootVolumeSize?: Size;
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
  /**
   * The listener that forwards to `targetGroup` only: the HTTPS listener when a certificate is
   * given, the HTTP listener otherwise.
   */
  public readonly listener: elbv2.ApplicationListener;
  /**
   * The HTTP listener that redirects to HTTPS, when a certificate is given.
   */
  public readonly redirectListener?: elbv2.ApplicationListener;
  /**
   * The bucket the load balancer writes access logs to, when access logs are on.
   */
  public readonly accessLogsBucket?: s3.IBucket;
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

    const instancePort = validatePort('instancePort', props.instancePort ?? 80);
    const listenerPort = validatePort('listenerPort', props.listenerPort ?? 80);
    const internetFacing = props.internetFacing ?? true;

    const requestedZones = props.availabilityZones ?? defaultZones(this, props.vpc);
    this.availabilityZones = validateAvailabilityZones(requestedZones, 'availabilityZones');
    const capacity = resolveCapacity(this, props, this.availabilityZones.length);
    this.minCapacityPerZone = capacity.min;

    // The zones are concrete here, so the new VPC needs no Availability Zone lookup (see stack-zones).
    this.vpc = props.vpc ?? withStackAvailabilityZones(this, this.availabilityZones, () => new ec2.Vpc(this, 'Vpc', {
      availabilityZones: this.availabilityZones,
      natGateways: this.availabilityZones.length,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      ],
    }));
    if (!props.vpc) {
      // Reading stack.availabilityZones acknowledges this warning for the stack; the fleet's VPC
      // names its zones on purpose (the alarms and the zonal shift key on them).
      Validations.of(this.vpc).acknowledge({
        id: 'CloudFormation-Validate::W3010',
        reason: 'The fleet places one subnet per named Availability Zone; the zone names are the service\'s configuration.',
      });
    }

    const instanceSubnets = props.instanceSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    const loadBalancerSubnets = props.loadBalancerSubnets ?? {
      subnetType: internetFacing ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS,
    };
    // A VPC from Vpc.fromLookup whose lookup has not run yet holds placeholder zones; the first
    // synthesis must still succeed so that the CLI can do the lookup and synthesize again.
    const placement = placementZones(this.vpc, this.availabilityZones);
    if (placement.lookupPending) {
      // That intermediate template carries aws-cdk-lib's placeholder VPC ID; it is never deployed.
      for (const rule of ['E1151', 'E1154']) { // VPC ID and subnet ID formats
        Validations.of(this).acknowledge({
          id: `CloudFormation-Validate::${rule}`,
          reason: 'The VPC lookup has not run yet: the placeholder VPC and subnet IDs are replaced when the CLI synthesizes again after the lookup.',
        });
      }
    } else {
      for (const zone of this.availabilityZones) {
        requireSubnetsInZone(this.vpc, instanceSubnets, zone, 'instanceSubnets');
        requireSubnetsInZone(this.vpc, loadBalancerSubnets, zone, 'loadBalancerSubnets');
      }
    }

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: this.vpc,
      internetFacing,
      vpcSubnets: { ...loadBalancerSubnets, availabilityZones: [...new Set(placement.zones)] },
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

    if (props.certificate) {
      const httpsListenerPort = validatePort('httpsListenerPort', props.httpsListenerPort ?? 443);
      if (!Token.isUnresolved(httpsListenerPort) && httpsListenerPort === listenerPort && (props.redirectHttpToHttps ?? true)) {
        throw new Error(`httpsListenerPort and listenerPort are both ${listenerPort}; the HTTP listener redirects to HTTPS, so give them different ports or set redirectHttpToHttps to false.`);
      }
      this.listener = this.loadBalancer.addListener('HttpsListener', {
        port: httpsListenerPort,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [elbv2.ListenerCertificate.fromCertificateManager(props.certificate)],
        sslPolicy: props.sslPolicy ?? elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultTargetGroups: [this.targetGroup],
      });
      if (props.redirectHttpToHttps ?? true) {
        // Same construct ID as the plain HTTP listener: adding a certificate later updates that
        // listener in place instead of replacing it.
        this.redirectListener = this.loadBalancer.addListener('Listener', {
          port: listenerPort,
          protocol: elbv2.ApplicationProtocol.HTTP,
          defaultAction: elbv2.ListenerAction.redirect({
            protocol: elbv2.ApplicationProtocol.HTTPS,
            port: `${httpsListenerPort}`,
            permanent: true,
          }),
        });
      }
    } else {
      for (const name of ['httpsListenerPort', 'sslPolicy', 'redirectHttpToHttps'] as const) {
        if (props[name] !== undefined) {
          throw new Error(`${name} is set but no certificate is given; pass a certificate for an HTTPS listener, or remove ${name}.`);
        }
      }
      this.listener = this.loadBalancer.addListener('Listener', {
        port: listenerPort,
        protocol: elbv2.ApplicationProtocol.HTTP,
        defaultTargetGroups: [this.targetGroup],
      });
    }

    this.accessLogsBucket = this.enableAccessLogs(props);

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
    const rootDeviceName = props.rootVolumeDeviceName ?? (props.machineImage ? undefined : AMAZON_LINUX_ROOT_DEVICE);
    if (rootDeviceName === undefined) {
      Annotations.of(this).addWarningV2('cdk-azi:rootVolumeNotEncrypted',
        'The root volumes are not mapped to encrypted volumes because the root device name of the given machineImage is unknown; ' +
        'set rootVolumeDeviceName (/dev/xvda for Amazon Linux, /dev/sda1 for Ubuntu, Red Hat and Windows), or rely on EBS encryption by default in the account.');
    } else if (!Token.isUnresolved(rootDeviceName) && !/^\/dev\/[a-z0-9]+$/.test(rootDeviceName)) {
      throw new Error(`rootVolumeDeviceName must be a device name such as /dev/xvda or /dev/sda1, got '${rootDeviceName}'.`);
    }
    const blockDevices = rootDeviceName === undefined ? undefined : [{
      deviceName: rootDeviceName,
      volume: encryptedRootVolume(props.rootVolumeSize),
    }];
    const instanceType = props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO);

    const shape: GroupShape = { machineImage, instanceType, instanceProfile, userData: props.userData, blockDevices, instanceSubnets };
    this.zones = this.availabilityZones.map((availabilityZone, index) => ({
      availabilityZone,
      autoScalingGroup: this.addGroup(new Construct(this, availabilityZone), placement.zones[index], shape, capacity),
    }));

    if (props.oneBox) {
      const zone = this.resolveOneBoxZone(props.oneBoxAvailabilityZone);
      this.oneBoxAvailabilityZone = zone;
      // One instance in one zone, in the shared target group: the one-box host, with its own
      // launch template and user data copy, so additions to it stay on the one-box host.
      this.oneBoxGroup = this.addGroup(new Construct(this, 'OneBox'), placement.zones[this.availabilityZones.indexOf(zone)], shape, { min: 1, max: 1 });
    } else if (props.oneBoxAvailabilityZone !== undefined) {
      throw new Error(`oneBoxAvailabilityZone is '${props.oneBoxAvailabilityZone}' but oneBox is off; set oneBox: true or drop oneBoxAvailabilityZone.`);
    }
  }

  /**
   * One Auto Scaling group in one zone, registered in the shared target group, with its own
   * launch template and its own copy of the user data (so per-group additions such as the
   * CodeDeploy agent never leak into another group).
   */
  private addGroup(scope: Construct, placementZone: string, shape: GroupShape, capacity: Capacity): autoscaling.AutoScalingGroup {
    const userData = ec2.UserData.forLinux();
    if (shape.userData) {
      userData.addCommands(shape.userData.render());
    }
    const launchTemplate = new ec2.LaunchTemplate(scope, 'LaunchTemplate', {
      machineImage: shape.machineImage,
      instanceType: shape.instanceType,
      userData,
      instanceProfile: shape.instanceProfile,
      securityGroup: this.instanceSecurityGroup,
      requireImdsv2: true,
      blockDevices: shape.blockDevices,
    });
    const autoScalingGroup = new autoscaling.AutoScalingGroup(scope, 'Group', {
      vpc: this.vpc,
      vpcSubnets: { ...shape.instanceSubnets, availabilityZones: [placementZone] },
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
    return autoScalingGroup;
  }

  private resolveOneBoxZone(requested: string | undefined): string {
    const zone = requested ?? this.availabilityZones[0];
    if (!this.availabilityZones.includes(zone)) {
      throw new Error(`oneBoxAvailabilityZone '${zone}' is not one of the fleet's zones (${this.availabilityZones.join(', ')}); pick one of them.`);
    }
    return zone;
  }

  private enableAccessLogs(props: ZonalFleetProps): s3.IBucket | undefined {
    const enabled = props.accessLogs ?? props.accessLogsBucket !== undefined;
    if (!enabled) {
      if (props.accessLogsBucket) {
        throw new Error('accessLogs is false but accessLogsBucket is given; remove accessLogsBucket, or set accessLogs to true.');
      }
      return undefined;
    }
    const region = Stack.of(this).region;
    if (Token.isUnresolved(region)) {
      throw new Error('Access logs need the stack\'s Region (the log delivery principal differs by Region); give the stack an env with a region, or turn accessLogs off.');
    }
    if (props.accessLogsBucket?.encryptionKey) {
      throw new Error('accessLogsBucket is encrypted with a KMS key, which load balancer access logs do not support; use a bucket with S3-managed encryption (SSE-S3).');
    }
    const bucket = props.accessLogsBucket ?? new s3.Bucket(this, 'AccessLogsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: props.accessLogsRetention ?? Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.loadBalancer.logAccessLogs(bucket, props.accessLogsPrefix);
    if (!bucket.policy) {
      // An imported bucket's policy cannot be changed from this stack: the statements were dropped.
      Annotations.of(this).addWarningV2('cdk-azi:accessLogsBucketPolicy',
        `The bucket policy of the imported accessLogsBucket cannot be changed here; make sure it lets the Region's Elastic Load Balancing log delivery put objects under ${props.accessLogsPrefix ? props.accessLogsPrefix + '/' : ''}AWSLogs/${Stack.of(this).account}/, or the load balancer fails to start logging.`);
    }
    return bucket;
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

/** The root device of Amazon Linux 2 and 2023 images, the fleet's default image. */
const AMAZON_LINUX_ROOT_DEVICE = '/dev/xvda';

/** What every Auto Scaling group of the fleet is made of. */
interface GroupShape {
  readonly machineImage: ec2.IMachineImage;
  readonly instanceType: ec2.InstanceType;
  readonly instanceProfile: iam.IInstanceProfile;
  readonly userData?: ec2.UserData;
  readonly blockDevices?: ec2.BlockDevice[];
  readonly instanceSubnets: ec2.SubnetSelection;
}

interface Capacity {
  readonly min: number;
  readonly max: number;
  readonly desired?: number;
}

function resolveCapacity(scope: Construct, props: ZonalFleetProps, zoneCount: number): Capacity {
  let min = props.minCapacityPerZone ?? 2;
  requireWholeNumber('minCapacityPerZone', min, 1);
  if (props.peakCapacity !== undefined || props.capacityPerInstance !== undefined) {
    if (props.peakCapacity === undefined) {
      throw new Error('capacityPerInstance is set but peakCapacity is not; give the peak the service must carry, in the same units.');
    }
    const sizing = sizeForLossOfOneZone(props.peakCapacity, props.capacityPerInstance ?? 1, zoneCount);
    if (props.minCapacityPerZone === undefined) {
      min = Math.max(sizing.minimumPerZone, 1);
    } else if (!Token.isUnresolved(min) && min < sizing.minimumPerZone) {
      Annotations.of(scope).addWarningV2('cdk-azi:ZonalFleet.staticStability',
        `minCapacityPerZone is ${min}, but a peak of ${sizing.peakInstances} instances needs ${sizing.minimumPerZone} per zone so that ` +
        `${zoneCount - 1} zones carry it while one is shifted away (${zoneCount - 1} x ${min} = ${(zoneCount - 1) * min} < ${sizing.peakInstances}). ` +
        `Raise minCapacityPerZone to ${sizing.minimumPerZone}, or leave it unset so the fleet sizes the zones.`);
    }
  }
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

/**
 * The zones to select subnets in: the fleet's zones, except while a `Vpc.fromLookup` VPC still
 * has aws-cdk-lib's placeholder zones (`dummy1a`, ...), where each fleet zone borrows a
 * placeholder zone. That template is only an intermediate step: the CLI looks the VPC up and
 * synthesizes again with the real subnets, which are then checked.
 */
function placementZones(vpc: ec2.IVpc, zones: string[]): { zones: string[]; lookupPending: boolean } {
  const vpcZones = vpc.availabilityZones;
  const lookupPending = vpcZones.length > 0 && vpcZones.every((zone) => !Token.isUnresolved(zone) && /^dummy\d+[a-z]$/.test(zone));
  if (!lookupPending) {
    return { zones, lookupPending };
  }
  return { zones: zones.map((_, index) => vpcZones[index % vpcZones.length]), lookupPending };
}

function requireSubnetsInZone(vpc: ec2.IVpc, selection: ec2.SubnetSelection, zone: string, propName: string): void {
  const selected = vpc.selectSubnets({ ...selection, availabilityZones: [zone] });
  if (selected.subnets.length === 0) {
    throw new Error(`The VPC has no subnets in ${zone} for ${propName}; add subnets there, pick other availabilityZones, or change ${propName}.`);
  }
}
