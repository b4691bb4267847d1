import { App, CfnOutput, Duration, Stack, StackProps, aws_certificatemanager as acm, aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AzIndependentService } from '../lib';
import { tinyHttpServiceUserData } from './fleet-user-data';
import { FromPartsStack } from './from-parts';
import { applyReferenceSuppressions } from './nag-suppressions';

/** The account and zones of the reference stack; `-c account=... -c zones=a,b,c` override them. */
const REFERENCE_ACCOUNT = '111111111111';
const REFERENCE_REGION = 'us-east-1';
const REFERENCE_ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

/**
 * Context key that adds the from-parts stack: `-c fromPartsVpc=vpc-0123...` looks up that existing
 * VPC (needs credentials, deployable); `-c fromPartsVpc=example` uses placeholder VPC and subnet
 * IDs (synthesizes anywhere, must not be deployed). Without it, the app has only stacks that can
 * deploy.
 */
export const FROM_PARTS_VPC = 'fromPartsVpc';

/** Context key with the ARN of an ACM certificate: the reference stack then serves HTTPS. */
export const CERTIFICATE_ARN = 'certificateArn';

/**
 * Context key that adds `CdkAziBeyond`: the reference service with zonal autoshift and practice
 * runs, a database reader per zone and zones sized for losing one. It deploys, but it runs an
 * Aurora cluster of four instances, so it is not in the default app.
 */
export const BEYOND = 'beyond';

/** Context key that leaves the reference stacks' cdk-nag acknowledgements out. */
export const SKIP_NAG_ACKNOWLEDGEMENTS = 'cdk-azi:skipNagAcknowledgements';

/** Properties of the reference stack. */
export interface ReferenceServiceStackProps extends StackProps {
  /** The Availability Zone names the service runs in. */
  readonly availabilityZones: string[];
  /** An ACM certificate ARN for HTTPS; without one the service listens on HTTP only. */
  readonly certificateArn?: string;
  /** Zonal autoshift with practice runs, a reader per zone, zones sized for a peak. */
  readonly beyond?: boolean;
}

/**
 * The reference AZ-independent service: the whole loop from one construct, with the tiny HTTP
 * service of `revision/` as user data.
 */
export class ReferenceServiceStack extends Stack {
  public readonly service: AzIndependentService;

  constructor(scope: Construct, id: string, props: ReferenceServiceStackProps) {
    super(scope, id, props);
    // Whoever may assume this role in the account can run `npx cdk-azi drill`: the role may only
    // invoke the zonal-shift function, and a drill reads and never shifts.
    const drillRole = new iam.Role(this, 'DrillRole', {
      assumedBy: new iam.AccountRootPrincipal(),
      description: 'cdk-azi: may invoke the zonal-shift function, to run npx cdk-azi drill (a drill reads, never shifts)',
      maxSessionDuration: Duration.hours(1),
    });
    this.service = new AzIndependentService(this, 'Service', {
      availabilityZones: props.availabilityZones,
      drillRoles: [drillRole],
      userData: tinyHttpServiceUserData(),
      alarmNamePrefix: 'cdk-azi-reference',
      accessLogs: true,
      certificate: props.certificateArn ? acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn) : undefined,
      ...(props.beyond ? {
        alarmNamePrefix: 'cdk-azi-beyond',
        zonalAutoshift: true,
        practiceRunBlockedWindows: ['Fri:16:00-Fri:23:59'],
        dataTier: true,
        peakCapacity: 8,
      } : {}),
    });

    new CfnOutput(this, 'LoadBalancerDnsName', { value: this.service.fleet.loadBalancer.loadBalancerDnsName });
    new CfnOutput(this, 'CodeDeployApplication', { value: this.service.deployment.application.applicationName });
    new CfnOutput(this, 'DeploymentGroup', { value: this.service.deployment.deploymentGroup.deploymentGroupName });
    if (this.service.responder) {
      new CfnOutput(this, 'ZonalShiftFunction', { value: this.service.responder.handler.functionName });
      new CfnOutput(this, 'DrillRoleArn', { value: drillRole.roleArn, description: 'Assume this role to run: npx cdk-azi drill --stack <this stack>' });
    }
  }
}

/** Builds the reference app; `cdk.json` runs this file. */
export function buildReferenceApp(app: App = new App()): App {
  const account = app.node.tryGetContext('account') ?? REFERENCE_ACCOUNT;
  const region = app.node.tryGetContext('region') ?? REFERENCE_REGION;
  const zonesContext: string | undefined = app.node.tryGetContext('zones');
  const availabilityZones = zonesContext ? zonesContext.split(',').map((zone) => zone.trim()) : REFERENCE_ZONES;
  const env = { account, region };

  const stacks: Stack[] = [new ReferenceServiceStack(app, 'CdkAziReference', {
    env,
    availabilityZones,
    certificateArn: app.node.tryGetContext(CERTIFICATE_ARN),
    description: 'cdk-azi reference: an Availability-Zone-independent service with zonal shift and zonal deployments',
  })];
  if (app.node.tryGetContext(BEYOND)) {
    stacks.push(new ReferenceServiceStack(app, 'CdkAziBeyond', {
      env,
      availabilityZones,
      beyond: true,
      description: 'cdk-azi reference: zonal autoshift with practice runs, a database reader per zone, zones sized for losing one',
    }));
  }
  const fromPartsVpc: string | undefined = app.node.tryGetContext(FROM_PARTS_VPC);
  if (fromPartsVpc) {
    stacks.push(new FromPartsStack(app, 'CdkAziFromParts', {
      env,
      availabilityZones,
      vpcId: fromPartsVpc === 'example' ? undefined : fromPartsVpc,
      description: 'cdk-azi reference: the same loop assembled from parts around an existing VPC',
    }));
  }
  // The cdk-nag test turns the acknowledgements off once, to prove its checks find something.
  if (!app.node.tryGetContext(SKIP_NAG_ACKNOWLEDGEMENTS)) {
    stacks.forEach(applyReferenceSuppressions);
  }
  return app;
}

if (require.main === module) {
  buildReferenceApp().synth();
}
