import { App, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ZonalFleet } from '../lib';
import { tinyHttpServiceUserData } from './fleet-user-data';

/** The three zones the reference stack runs in. */
export const REFERENCE_ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

/**
 * The reference AZ-independent service: one load balancer, one target group with cross-zone
 * load balancing off, and one Auto Scaling group per zone.
 */
export class ReferenceServiceStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    new ZonalFleet(this, 'Fleet', {
      availabilityZones: REFERENCE_ZONES,
      userData: tinyHttpServiceUserData(),
    });
  }
}

/** Builds the reference app; `cdk.json` runs this file. */
export function buildReferenceApp(app: App = new App()): App {
  new ReferenceServiceStack(app, 'CdkAziReference', {
    env: { account: '111111111111', region: 'us-east-1' },
    description: 'cdk-azi reference: an Availability-Zone-independent service',
  });
  return app;
}

if (require.main === module) {
  buildReferenceApp().synth();
}
