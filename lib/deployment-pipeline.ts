import {
  Duration,
  RemovalPolicy,
  Stack,
  Token,
  aws_cloudwatch as cloudwatch,
  aws_codedeploy as codedeploy,
  aws_codepipeline as codepipeline,
  aws_codepipeline_actions as actions,
  aws_iam as iam,
  aws_s3 as s3,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DeploymentStage, Wave, WaveMember, WavePlan } from './wave-plan';

/** Rules per stage condition (CodePipeline API reference, `Condition.rules`: 1 to 5 items). */
const MAX_RULES_PER_CONDITION = 5;
/** Actions per stage (CodePipeline quotas). */
const MAX_ACTIONS_PER_STAGE = 50;
/** Names of stages, actions and rules: `[A-Za-z0-9.@\-_]+`, at most 100 characters. */
const MAX_NAME_LENGTH = 100;

/**
 * Where one traffic class of one location is deployed: its CodeDeploy deployment groups and the
 * alarms that judge it.
 */
export interface WaveTarget {
  /** The location's name, as in the plan. */
  readonly location: string;

  /**
   * The traffic class, as in the plan.
   *
   * @default 'service' (the plan's single class when it has no traffic classes)
   */
  readonly trafficClass?: string;

  /**
   * The deployment group of the whole location (for example `ZonalDeployment.deploymentGroup`:
   * one AZ at a time). In another Region than the pipeline, the action runs in that Region.
   */
  readonly deploymentGroup: codedeploy.IServerDeploymentGroup;

  /**
   * The deployment group of the location's one-box host, for the plan's one-box wave.
   *
   * @default - none; a plan whose one-box wave (one host) lands here is an error
   */
  readonly oneBoxDeploymentGroup?: codedeploy.IServerDeploymentGroup;

  /**
   * The alarms whose ALARM state fails the wave during its bake and rolls the stage back: the
   * regional and isolated-impact alarms of the location's service (or one composite of them).
   * Each becomes one CloudWatchAlarm rule in the alarm's own Region; a wave takes at most 5.
   */
  readonly alarms: cloudwatch.IAlarm[];
}

/**
 * Properties of a {@link DeploymentPipeline}.
 */
export interface DeploymentPipelineProps {
  /** The plan whose waves become the pipeline's stages, in order. */
  readonly plan: WavePlan;

  /** The deployment groups and alarms of every location and traffic class in the plan. */
  readonly targets: WaveTarget[];

  /**
   * The source action. Give it together with `sourceOutput`.
   *
   * @default - an S3 source action on `sourceObjectKey` in `sourceBucket`, polled for changes
   */
  readonly sourceAction?: codepipeline.IAction;

  /**
   * The artifact `sourceAction` outputs: the application revision (an `appspec.yml` bundle).
   *
   * @default - the default source action's output
   */
  readonly sourceOutput?: codepipeline.Artifact;

  /**
   * The bucket of the default source action. Versioning must be on.
   *
   * @default - a new versioned, encrypted bucket that blocks public access
   */
  readonly sourceBucket?: s3.IBucket;

  /**
   * The object key of the revision in `sourceBucket`.
   *
   * @default 'revision.zip'
   */
  readonly sourceObjectKey?: string;

  /**
   * Add a manual approval stage right before the first production wave.
   *
   * @default false
   */
  readonly approvalBeforeProduction?: boolean;

  /**
   * The physical name of the pipeline.
   *
   * @default - a name is generated
   */
  readonly pipelineName?: string;

  /**
   * The pipeline's artifact bucket in its own Region. The CodeDeploy actions let the deployment
   * groups' instances read it; when those groups are in other stacks of the pipeline's Region,
   * put the bucket in a stack of its own that both depend on, or the stacks depend on each other.
   * Not together with `crossRegionReplicationBuckets`, whose entry for the pipeline's Region is
   * the artifact bucket.
   *
   * @default - a new bucket in the pipeline's stack
   */
  readonly artifactBucket?: s3.IBucket;

  /**
   * Artifact buckets per Region for cross-Region actions.
   *
   * @default - aws-cdk-lib creates one in each other Region (in the stack of the action's
   * deployment group when that stack is in that Region, otherwise in a support stack)
   */
  readonly crossRegionReplicationBuckets?: { [region: string]: s3.IBucket };

  /**
   * The longest wait time one CloudWatchAlarm rule may be given. AWS's rule reference documents
   * no upper limit for `WaitTime`. When a wave bakes longer than this, the wave's stage watches
   * its alarms for this long (rolling the stage back on ALARM), and bake stages after it watch
   * the same alarms for the rest: each holds one S3 deploy action that records the revision
   * under `baked/<wave>/` in the artifact bucket, and fails the pipeline run on ALARM, so the
   * next wave never starts (the wave itself is not rolled back by a later bake stage).
   *
   * @default - no limit: each rule waits the wave's full bake
   */
  readonly maxRuleWaitTime?: Duration;
}

/**
 * A CodePipeline (V2) that carries one application revision through a {@link WavePlan}: a
 * source stage, then one stage per wave whose actions deploy in parallel to the CodeDeploy
 * deployment groups of the wave's locations (cross-Region actions where a location is in
 * another Region), the one-box wave to one-host deployment groups.
 *
 * Each wave's bake is an `onSuccess` stage condition: one CloudWatchAlarm rule per alarm of the
 * wave (in the alarm's Region) that watches for ALARM for the wave's bake time and rolls the
 * stage back when one fires. A failed deployment rolls the stage back too (`onFailure`).
 */
export class DeploymentPipeline extends Construct {
  /** The pipeline. */
  public readonly pipeline: codepipeline.Pipeline;

  /** The source bucket of the default source action; undefined with a `sourceAction`. */
  public readonly sourceBucket?: s3.IBucket;

  /** The names of the pipeline's stages, in order. */
  public readonly stageNames: string[];

  constructor(scope: Construct, id: string, props: DeploymentPipelineProps) {
    super(scope, id);

    if ((props.sourceAction === undefined) !== (props.sourceOutput === undefined)) {
      throw new Error('Give sourceAction and sourceOutput together (the action and the artifact it outputs), or neither for an S3 source.');
    }
    if (props.sourceAction !== undefined && (props.sourceBucket !== undefined || props.sourceObjectKey !== undefined)) {
      throw new Error('sourceBucket and sourceObjectKey configure the default S3 source; with a sourceAction, drop them.');
    }
    const maxWaitMinutes = props.maxRuleWaitTime === undefined ? undefined : props.maxRuleWaitTime.toMinutes({ integral: false });
    const targets = indexTargets(props.targets);

    let sourceAction = props.sourceAction;
    let revision = props.sourceOutput;
    if (sourceAction === undefined || revision === undefined) {
      this.sourceBucket = props.sourceBucket ?? new s3.Bucket(this, 'SourceBucket', {
        versioned: true,
        encryption: s3.BucketEncryption.S3_MANAGED,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      revision = new codepipeline.Artifact('Revision');
      sourceAction = new actions.S3SourceAction({
        actionName: 'Revision',
        bucket: this.sourceBucket,
        bucketKey: props.sourceObjectKey ?? 'revision.zip',
        output: revision,
        trigger: actions.S3Trigger.POLL,
      });
    }

    this.pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineType: codepipeline.PipelineType.V2,
      pipelineName: props.pipelineName,
      artifactBucket: props.artifactBucket,
      // Same account everywhere: S3-managed encryption, no KMS keys to pay for.
      crossAccountKeys: false,
      crossRegionReplicationBuckets: props.crossRegionReplicationBuckets,
    });
    this.pipeline.addStage({ stageName: 'Source', actions: [sourceAction] });
    this.stageNames = ['Source'];

    if (props.plan.waves.length === 0) {
      throw new Error('The plan has no waves: give it at least one location.');
    }
    const used = new Set<WaveTarget>();
    let ruleAlarms = 0;
    for (const wave of props.plan.waves) {
      if (props.approvalBeforeProduction && wave.stage === DeploymentStage.PRODUCTION && isFirstProduction(props.plan, wave)) {
        this.pipeline.addStage({
          stageName: 'ApproveProduction',
          actions: [new actions.ManualApprovalAction({
            actionName: 'Approve',
            additionalInformation: `Staging waves are done. Approve to start production with ${wave.name}.`,
          })],
        });
        this.stageNames.push('ApproveProduction');
      }
      const stage = this.addWave(wave, targets, revision, used, maxWaitMinutes);
      ruleAlarms += stage;
    }

    const unused = props.targets.filter((target) => !used.has(target));
    if (unused.length > 0) {
      throw new Error(
        `${unused.length} target${unused.length === 1 ? ' is' : 's are'} in no wave of the plan: ` +
        `${unused.map(describeTarget).join(', ')}. Fix: add the location${unused.length === 1 ? '' : 's'} to the plan, or drop the target.`);
    }

    if (ruleAlarms > 0) {
      // The CloudWatchAlarm rules run with the pipeline's role and read the alarms' states.
      this.pipeline.role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['cloudwatch:DescribeAlarms'],
        resources: ['*'],
      }));
    }
  }

  private addWave(
    wave: Wave, targets: Map<string, WaveTarget>, revision: codepipeline.Artifact, used: Set<WaveTarget>,
    maxWaitMinutes: number | undefined): number {
    if (wave.members.length > MAX_ACTIONS_PER_STAGE) {
      throw new Error(
        `Wave ${wave.name} has ${wave.members.length} members, but a pipeline stage takes at most ${MAX_ACTIONS_PER_STAGE} ` +
        'actions. Fix: plan smaller waves (a lower growthFactor or firstWaveSize).');
    }
    const bakeMinutes = wave.bake.toMinutes();
    if (maxWaitMinutes !== undefined && (!Number.isInteger(maxWaitMinutes) || maxWaitMinutes < 1)) {
      throw new Error(`maxRuleWaitTime must be a whole number of minutes, at least 1, got ${maxWaitMinutes}.`);
    }
    const waits = splitBake(bakeMinutes, maxWaitMinutes);

    const stageActions: codepipeline.IAction[] = [];
    const alarms: Array<{ alarm: cloudwatch.IAlarm; member: WaveMember }> = [];
    const actionNames = new Set<string>();
    for (const member of wave.members) {
      const target = targets.get(targetKey(member.location, member.trafficClass));
      if (target === undefined) {
        throw new Error(
          `Wave ${wave.name} deploys ${member.trafficClass} at ${member.location}, but no target names that location and ` +
          `traffic class. Fix: add a target { location: '${member.location}', trafficClass: '${member.trafficClass}', ` +
          'deploymentGroup, alarms }.');
      }
      used.add(target);
      const deploymentGroup = member.oneBox ? target.oneBoxDeploymentGroup : target.deploymentGroup;
      if (deploymentGroup === undefined) {
        throw new Error(
          `Wave ${wave.name} is the one-box wave on one host of ${member.location}, but its target has no ` +
          'oneBoxDeploymentGroup. Fix: give the fleet a one-box group (ZonalFleet oneBox: true) and pass its deployment ' +
          'group as oneBoxDeploymentGroup, or plan with oneBox: OneBoxScope.LOCATION or NONE.');
      }
      const actionName = uniqueName(stageName(`${member.location}-${member.trafficClass}${member.oneBox ? '-one-box' : ''}`), actionNames);
      stageActions.push(new actions.CodeDeployServerDeployAction({ actionName, deploymentGroup, input: revision }));
      for (const alarm of target.alarms) {
        if (!alarms.some((entry) => entry.alarm === alarm)) {
          alarms.push({ alarm, member });
        }
      }
    }

    if (alarms.length === 0) {
      throw new Error(
        `Wave ${wave.name} has no alarms, so nothing can stop it during its bake. Fix: give the targets of ` +
        `${wave.members.map((m) => m.location).join(', ')} their regional and isolated-impact alarms.`);
    }
    if (alarms.length > MAX_RULES_PER_CONDITION) {
      throw new Error(
        `Wave ${wave.name} has ${alarms.length} alarms, but a stage condition takes at most ${MAX_RULES_PER_CONDITION} ` +
        `rules (one alarm each). Fix: give each location one composite alarm of its regional and isolated-impact ` +
        `alarms (cloudwatch.AlarmRule.anyOf), or plan smaller waves (locations: ${wave.members.map((m) => m.location).join(', ')}).`);
    }

    const rulesFor = (minutes: number) => {
      const ruleNames = new Set<string>();
      return alarms.map(({ alarm, member }) => new codepipeline.Rule({
        name: uniqueName(stageName(`${member.location}-alarm`), ruleNames),
        provider: 'CloudWatchAlarm',
        version: '1',
        region: alarmRegion(alarm, Stack.of(this).region),
        configuration: {
          AlarmName: alarm.alarmName,
          AlarmStates: 'ALARM',
          WaitTime: String(minutes),
        },
      }));
    };

    this.pipeline.addStage({
      stageName: wave.name,
      actions: stageActions,
      onSuccess: { conditions: [{ result: codepipeline.Result.ROLLBACK, rules: rulesFor(waits[0]) }] },
      onFailure: { result: codepipeline.Result.ROLLBACK },
    });
    this.stageNames.push(wave.name);

    // The rest of a bake longer than one rule may wait: stages that watch the same alarms.
    waits.slice(1).forEach((minutes, index) => {
      const bakeStageName = stageName(`${wave.name}-Bake-${index + 2}`);
      this.pipeline.addStage({
        stageName: bakeStageName,
        actions: [new actions.S3DeployAction({
          actionName: 'RecordBakedRevision',
          bucket: this.pipeline.artifactBucket,
          objectKey: `baked/${wave.name}/part-${index + 2}`,
          extract: false,
          input: revision,
        })],
        onSuccess: { conditions: [{ result: codepipeline.Result.FAIL, rules: rulesFor(minutes) }] },
      });
      this.stageNames.push(bakeStageName);
    });
    return alarms.length;
  }
}

/** A bake in rule-sized waits: the whole bake, or chunks of at most `max` minutes. */
function splitBake(total: number, max: number | undefined): number[] {
  if (max === undefined || total <= max) {
    return [total];
  }
  const waits: number[] = [];
  for (let left = total; left > 0; left -= max) {
    waits.push(Math.min(left, max));
  }
  return waits;
}

function indexTargets(targets: WaveTarget[]): Map<string, WaveTarget> {
  const byKey = new Map<string, WaveTarget>();
  for (const target of targets) {
    const key = targetKey(target.location, target.trafficClass ?? 'service');
    if (byKey.has(key)) {
      throw new Error(`Two targets name ${describeTarget(target)}; give each location and traffic class one target.`);
    }
    byKey.set(key, target);
  }
  return byKey;
}

function targetKey(location: string, trafficClass: string): string {
  return `${location}\u0000${trafficClass}`;
}

function describeTarget(target: WaveTarget): string {
  return `${target.location} (${target.trafficClass ?? 'service'})`;
}

function isFirstProduction(plan: WavePlan, wave: Wave): boolean {
  return plan.waves.find((w) => w.stage === DeploymentStage.PRODUCTION) === wave;
}

function alarmRegion(alarm: cloudwatch.IAlarm, fallback: string): string | undefined {
  const region = alarm.env.region;
  if (!Token.isUnresolved(region)) {
    return region;
  }
  return Token.isUnresolved(fallback) ? undefined : fallback;
}

/** A name CodePipeline accepts: `[A-Za-z0-9.@\-_]`, at most 100 characters. */
function stageName(text: string): string {
  return text.replace(/[^A-Za-z0-9.@\-_]/g, '_').slice(0, MAX_NAME_LENGTH);
}

function uniqueName(name: string, used: Set<string>): string {
  let candidate = name;
  for (let index = 2; used.has(candidate); index++) {
    const suffix = `-${index}`;
    candidate = name.slice(0, MAX_NAME_LENGTH - suffix.length) + suffix;
  }
  used.add(candidate);
  return candidate;
}
