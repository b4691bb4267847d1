import { Stack, custom_resources as cr } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * Resolves Availability Zone names to AZ IDs at deploy time, with one
 * `ec2:DescribeAvailabilityZones` call per zone. AZ names map to different physical zones in
 * different accounts, so the mapping is read from the account the stack deploys to and never
 * written into the template. The incident path then needs no EC2 call.
 */
export class AvailabilityZoneIds extends Construct {
  private readonly ids = new Map<string, string>();

  constructor(scope: Construct, id: string, availabilityZones: string[]) {
    super(scope, id);
    const policy = cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE });
    for (const zone of availabilityZones) {
      const call: cr.AwsSdkCall = {
        service: 'EC2',
        action: 'describeAvailabilityZones',
        parameters: { ZoneNames: [zone] },
        physicalResourceId: cr.PhysicalResourceId.of(`zone-id-of-${zone}`),
        outputPaths: ['AvailabilityZones.0.ZoneId'],
      };
      const lookup = new cr.AwsCustomResource(this, zone, {
        onCreate: call,
        onUpdate: call,
        policy,
        installLatestAwsSdk: false,
      });
      this.ids.set(zone, lookup.getResponseField('AvailabilityZones.0.ZoneId'));
    }
  }

  /** Each zone name mapped to its ID (a token until deploy time). */
  public idsByName(): Record<string, string> {
    return Object.fromEntries(this.ids);
  }

  /** A JSON object string (a token until deploy time) mapping each zone name to its ID. */
  public toJson(): string {
    return Stack.of(this).toJsonString(Object.fromEntries(this.ids));
  }
}
