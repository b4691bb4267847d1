import {
  App, CfnOutput, Duration, RemovalPolicy, Stack, StackProps, Validations,
  aws_cloudwatch as cloudwatch, aws_route53 as route53, aws_s3 as s3,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  AzIndependentService,
  DeploymentPipeline,
  DeploymentStage,
  OneBoxDeployment,
  ServiceRecords,
  WaveLocation,
  WavePlan,
  WaveTarget,
} from '../lib';
import { tinyHttpServiceUserData } from './fleet-user-data';

/** The account of every stack; synthesis needs no credentials for it. */
export const WAVES_ACCOUNT = '111111111111';
/** The Region of the pipeline. */
export const PIPELINE_REGION = 'us-east-1';
/** The hosted zone of the service's name, imported by attributes so nothing is looked up. */
const HOSTED_ZONE = { hostedZoneId: 'Z0123456789EXAMPLE', zoneName: 'example.com' };
/** How long ALB metrics take to arrive, an estimate (AWS does not document it). */
const METRIC_DELAY = Duration.minutes(2);

function zonesOf(region: string): string[] {
  return ['a', 'b', 'c'].map((letter) => `${region}${letter}`);
}

/**
 * Two staging locations and three production Regions. eu-west-1 runs the oldest hardware, so it
 * takes the one-box wave; two of the production Regions serve the same geography, so no wave
 * takes both.
 */
export const WAVES_LOCATIONS: WaveLocation[] = [
  { name: 'staging-us-east-1', region: 'us-east-1', stage: DeploymentStage.STAGING, geography: 'north-america', availabilityZones: zonesOf('us-east-1') },
  { name: 'staging-us-west-2', region: 'us-west-2', stage: DeploymentStage.STAGING, geography: 'north-america', availabilityZones: zonesOf('us-west-2') },
  { name: 'us-east-1', region: 'us-east-1', geography: 'north-america', availabilityZones: zonesOf('us-east-1') },
  { name: 'us-west-2', region: 'us-west-2', geography: 'north-america', availabilityZones: zonesOf('us-west-2') },
  { name: 'eu-west-1', region: 'eu-west-1', geography: 'europe', availabilityZones: zonesOf('eu-west-1'), traits: ['oldest-hardware'] },
];

/**
 * The plan of the reference app. The alarms' detection time is the detection construct's
 * default time to alarm (6 minutes) plus the metric delay; the service stacks check it.
 */
export function wavesPlan(): WavePlan {
  return new WavePlan({ locations: WAVES_LOCATIONS, alarmDetectionTime: Duration.minutes(6).plus(METRIC_DELAY) });
}

/** Properties of a {@link WaveServiceStack}. */
export interface WaveServiceStackProps extends StackProps {
  /** The location this stack serves. */
  readonly location: WaveLocation;
  /** Whether the plan's one-box wave lands here. */
  readonly oneBox: boolean;
  /** The plan, to check its detection time against the service's alarms. */
  readonly plan: WavePlan;
}

/**
 * One location's service: the whole AZ-independent loop, one composite alarm that judges a
 * wave here, the one-box deployment group where the one-box wave lands, and in production a
 * weighted alias of the service's name.
 */
export class WaveServiceStack extends Stack {
  public readonly service: AzIndependentService;
  public readonly target: WaveTarget;
  private readonly zones: string[];

  constructor(scope: Construct, id: string, props: WaveServiceStackProps) {
    super(scope, id, { ...props, crossRegionReferences: true });
    this.zones = props.location.availabilityZones ?? zonesOf(props.location.region);
    const name = props.location.name;

    this.service = new AzIndependentService(this, 'Service', {
      availabilityZones: this.zones,
      userData: tinyHttpServiceUserData(),
      alarmNamePrefix: `cdk-azi-waves-${name}`,
      oneBox: props.oneBox,
    });
    const detection = this.service.alarms.timeToAlarm.plus(METRIC_DELAY);
    if (detection.toSeconds() > props.plan.alarmDetectionTime.toSeconds()) {
      throw new Error(`The alarms of ${name} need ${detection.toHumanString()} to fire; raise the plan's alarmDetectionTime.`);
    }

    // One alarm per location for the pipeline's bake: a stage condition takes at most 5 rules.
    const waveAlarm = new cloudwatch.CompositeAlarm(this, 'WaveAlarm', {
      compositeAlarmName: `cdk-azi-waves-${name}-wave`,
      alarmDescription: `A wave that reached ${name} is failing: regional impact, or isolated impact in one AZ.`,
      alarmRule: cloudwatch.AlarmRule.anyOf(
        this.service.alarms.regionalImpactAlarm,
        ...this.service.alarms.zones.map((zone) => zone.isolatedImpactAlarm)),
    });

    let oneBoxDeploymentGroup;
    if (props.oneBox) {
      oneBoxDeploymentGroup = new OneBoxDeployment(this, 'OneBox', {
        autoScalingGroup: this.service.fleet.oneBoxGroup!,
        targetGroup: this.service.fleet.targetGroup,
        application: this.service.deployment.application,
        alarms: [waveAlarm],
      }).deploymentGroup;
    }
    this.target = {
      location: name,
      deploymentGroup: this.service.deployment.deploymentGroup,
      oneBoxDeploymentGroup,
      alarms: [waveAlarm],
    };

    if ((props.location.stage ?? DeploymentStage.PRODUCTION) === DeploymentStage.PRODUCTION) {
      // Every production Region adds its member to one weighted set: 0 drains it.
      new ServiceRecords(this, 'Records', {
        zone: route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', HOSTED_ZONE),
        recordName: 'api',
        weightedLoadBalancers: [{ loadBalancer: this.service.fleet.loadBalancer, weight: 100, setIdentifier: props.location.region }],
      });
    }
    new CfnOutput(this, 'LoadBalancerDnsName', { value: this.service.fleet.loadBalancer.loadBalancerDnsName });
    Validations.of(this).acknowledge({
      id: 'CloudFormation-Validate::W3010',
      reason: 'Concrete zone names are deliberate: synthesis needs no lookup, and the per-AZ alarms key on the names.',
    });
  }

  /** Concrete zones, so no Availability Zone lookup (and no credentials) is needed. */
  public get availabilityZones(): string[] {
    return this.zones;
  }
}

/**
 * The pipeline's artifact bucket in one Region. A stack of its own, which the service stacks
 * (their instances read revisions from it) and the pipeline stack both depend on; in the
 * pipeline's stack it would make the service stacks and the pipeline depend on each other.
 */
export class WaveArtifactsStack extends Stack {
  public readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, { ...props, crossRegionReferences: true });
    this.bucket = new s3.Bucket(this, 'Artifacts', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

/** Builds the multi-Region reference app: one stack per location and the pipeline stack. */
export function buildWavesApp(app: App = new App()): App {
  const plan = wavesPlan();
  const oneBoxLocation = plan.waves.find((wave) => wave.oneBox)?.members[0].location;
  const services = WAVES_LOCATIONS.map((location) => new WaveServiceStack(app, `CdkAziWaves-${location.name}`, {
    env: { account: WAVES_ACCOUNT, region: location.region },
    location,
    plan,
    oneBox: location.name === oneBoxLocation,
    description: `cdk-azi waves reference: the service at ${location.name}`,
  }));

  const pipelineStack = new Stack(app, 'CdkAziWavesPipeline', {
    env: { account: WAVES_ACCOUNT, region: PIPELINE_REGION },
    crossRegionReferences: true,
    description: 'cdk-azi waves reference: the pipeline that carries a revision through the wave plan',
  });
  const regions = [...new Set([PIPELINE_REGION, ...WAVES_LOCATIONS.map((location) => location.region)])];
  const artifacts = new Map(regions.map((region) => [region, new WaveArtifactsStack(app, `CdkAziWavesArtifacts-${region}`, {
    env: { account: WAVES_ACCOUNT, region },
    description: `cdk-azi waves reference: pipeline artifacts in ${region}`,
  }).bucket]));
  const pipeline = new DeploymentPipeline(pipelineStack, 'Waves', {
    plan,
    // One bucket per Region, the pipeline's own Region included (it becomes the artifact bucket).
    crossRegionReplicationBuckets: Object.fromEntries(artifacts),
    targets: services.map((stack) => stack.target),
    approvalBeforeProduction: true,
  });
  new CfnOutput(pipelineStack, 'SourceBucket', { value: pipeline.sourceBucket!.bucketName });
  new CfnOutput(pipelineStack, 'PipelineName', { value: pipeline.pipeline.pipelineName });
  return app;
}

if (require.main === module) {
  buildWavesApp().synth();
}
