import { Stack, StackProps, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ZonalAlarms, ZonalDashboard, ZonalDeployment, ZonalFleet, ZonalShiftResponder } from '../lib';
import { tinyHttpServiceUserData } from './fleet-user-data';

/** Properties of the from-parts stack. */
export interface FromPartsStackProps extends StackProps {
  /** The Availability Zone names the service runs in; the existing VPC has subnets in each. */
  readonly availabilityZones: string[];
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

    // An existing VPC with a public and a private subnet in each zone. In a real account, use
    // ec2.Vpc.fromLookup and commit the lookup in cdk.context.json.
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'ExistingVpc', {
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
    });

    const alarms = new ZonalAlarms(this, 'Alarms', {
      loadBalancer: fleet.loadBalancer,
      targetGroup: fleet.targetGroup,
      availabilityZones: zones,
      alarmOnUnhealthyHosts: true,
    });

    const responder = new ZonalShiftResponder(this, 'ZonalShift', {
      loadBalancers: [fleet.loadBalancer],
      availabilityZones: zones,
    });
    for (const zone of alarms.zones) {
      // Without these options the alarm is not in the function's allow-list and is refused.
      responder.respondTo(zone.isolatedImpactAlarm, {
        availabilityZone: zone.availabilityZone,
        impairedAlarm: zone.impairedAlarm,
        otherImpairedAlarms: alarms.zones.filter((other) => other !== zone).map((other) => other.impairedAlarm),
        dimensionAlarms: [zone.availabilityAlarm, zone.latencyAlarm],
      });
    }

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
