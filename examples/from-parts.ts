import { Stack, StackProps, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ZonalAlarms, ZonalDashboard, ZonalDeployment, ZonalFleet, ZonalProbes, ZonalShiftResponder } from '../lib';
import { tinyHttpServiceUserData } from './fleet-user-data';

/** Properties of the from-parts stack. */
export interface FromPartsStackProps extends StackProps {
  /** The Availability Zone names the service runs in; the existing VPC has subnets in each. */
  readonly availabilityZones: string[];
  /**
   * The existing VPC, looked up at synthesis (needs AWS credentials once; the result goes into
   * cdk.context.json). It needs a public and a private subnet in each zone.
   *
   * @default - placeholder VPC and subnet IDs: the stack synthesizes, but cannot be deployed
   */
  readonly vpcId?: string;
}

/**
 * The loop assembled from its parts, for a brownfield account: the fleet goes into an existing
 * VPC, and each part takes the previous part's resources by interface, so any of them could be
 * an imported resource instead (an existing load balancer for the alarms and the responder,
 * existing Auto Scaling groups and alarms for the deployment).
 */
export class FromPartsStack extends Stack {
  constructor(scope: Construct, id: string, props: FromPartsStackProps) {
    super(scope, id, props);
    const zones = props.availabilityZones;

    // An existing VPC with a public and a private subnet in each zone: looked up by ID, or, to
    // show the shape without an account, placeholder IDs that cannot be deployed.
    const vpc = props.vpcId
      ? ec2.Vpc.fromLookup(this, 'ExistingVpc', { vpcId: props.vpcId })
      : ec2.Vpc.fromVpcAttributes(this, 'ExistingVpc', {
        vpcId: 'vpc-0123456789abcdef0',
        availabilityZones: zones,
        publicSubnetIds: zones.map((_, index) => `subnet-0a${index}${'0'.repeat(14)}`),
        privateSubnetIds: zones.map((_, index) => `subnet-0b${index}${'0'.repeat(14)}`),
        publicSubnetRouteTableIds: zones.map(() => 'rtb-0a000000000000000'),
        privateSubnetRouteTableIds: zones.map((_, index) => `rtb-0b${index}${'0'.repeat(14)}`),
      });

    const fleet = new ZonalFleet(this, 'Fleet', {
      vpc,
      availabilityZones: zones,
      userData: tinyHttpServiceUserData(),
      minCapacityPerZone: 3,
      accessLogs: true,
    });

    // Probes of each zone's DNS name keep measuring a zone after its traffic has been shifted
    // away; the zonal-shift function ends a shift only when they have recovered.
    const probes = new ZonalProbes(this, 'Probes', {
      loadBalancer: fleet.loadBalancer,
      availabilityZones: zones,
    });

    const alarms = new ZonalAlarms(this, 'Alarms', {
      loadBalancer: fleet.loadBalancer,
      targetGroup: fleet.targetGroup,
      availabilityZones: zones,
      alarmOnUnhealthyHosts: true,
      probes,
      alarmNamePrefix: 'cdk-azi-from-parts',
    });

    const responder = new ZonalShiftResponder(this, 'ZonalShift', {
      loadBalancers: [fleet.loadBalancer],
      availabilityZones: zones,
    });
    responder.respondToZonalAlarms(alarms);

    new ZonalDeployment(this, 'Deployment', {
      autoScalingGroups: fleet.autoScalingGroups,
      targetGroup: fleet.targetGroup,
      alarms: alarms.zones.map((zone) => zone.availabilityAlarm),
      alarmTimeToFire: alarms.timeToAlarm,
      hostsPerZone: fleet.minCapacityPerZone,
    });

    new ZonalDashboard(this, 'Dashboard', { zonalAlarms: alarms });
  }
}
