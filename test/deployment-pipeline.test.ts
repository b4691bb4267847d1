import { App, Duration, Stack, aws_cloudwatch as cloudwatch, aws_codedeploy as codedeploy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DeploymentPipeline, DeploymentPipelineProps, DeploymentStage, OneBoxScope, WaveTarget, WavePlan, WavePlanProps } from '../lib';

const ACCOUNT = '111111111111';
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'];

interface Fixture {
  readonly app: App;
  readonly pipelineStack: Stack;
  readonly targets: WaveTarget[];
}

/** One small stack per Region with a deployment group, a one-box deployment group and an alarm. */
function fixture(regions: string[] = REGIONS, alarmsPerRegion = 1): Fixture {
  const app = new App();
  const targets = regions.map((region) => {
    const stack = new Stack(app, `Service-${region}`, { env: { account: ACCOUNT, region }, crossRegionReferences: true });
    const application = new codedeploy.ServerApplication(stack, 'Application');
    const alarms = Array.from({ length: alarmsPerRegion }, (_, index) => new cloudwatch.Alarm(stack, `Alarm${index}`, {
      alarmName: `service-${region}-${index}`,
      metric: new cloudwatch.Metric({ namespace: 'Test', metricName: 'Faults' }),
      threshold: 1,
      evaluationPeriods: 3,
    }));
    return {
      location: region,
      deploymentGroup: new codedeploy.ServerDeploymentGroup(stack, 'Group', { application }),
      oneBoxDeploymentGroup: new codedeploy.ServerDeploymentGroup(stack, 'OneBoxGroup', { application }),
      alarms,
    };
  });
  const pipelineStack = new Stack(app, 'Pipeline', { env: { account: ACCOUNT, region: 'us-east-1' }, crossRegionReferences: true });
  return { app, pipelineStack, targets };
}

function plan(overrides: Partial<WavePlanProps> = {}, regions: string[] = REGIONS): WavePlan {
  return new WavePlan({
    locations: regions.map((region) => ({ name: region, region, traits: region === 'us-west-2' ? ['oldest-hardware'] : [] })),
    alarmDetectionTime: Duration.minutes(8),
    ...overrides,
  });
}

function build(f: Fixture, props: Partial<DeploymentPipelineProps> = {}, wavePlan: WavePlan = plan()) {
  const pipeline = new DeploymentPipeline(f.pipelineStack, 'Waves', { plan: wavePlan, targets: f.targets, ...props });
  return { pipeline, template: Template.fromStack(f.pipelineStack) };
}

function stages(template: Template): any[] {
  const pipelines = Object.values(template.findResources('AWS::CodePipeline::Pipeline'));
  expect(pipelines).toHaveLength(1);
  return pipelines[0].Properties.Stages;
}

test('a V2 pipeline: source, then one stage per wave in the plan\'s order', () => {
  const f = fixture();
  const wavePlan = plan();
  const { pipeline, template } = build(f, {}, wavePlan);
  template.hasResourceProperties('AWS::CodePipeline::Pipeline', { PipelineType: 'V2' });
  const names = stages(template).map((stage) => stage.Name);
  expect(names).toEqual(['Source', ...wavePlan.waves.map((wave) => wave.name)]);
  expect(pipeline.stageNames).toEqual(names);
  expect(stages(template)[0].Actions[0]).toEqual(expect.objectContaining({
    ActionTypeId: expect.objectContaining({ Category: 'Source', Provider: 'S3' }),
    Configuration: expect.objectContaining({ S3ObjectKey: 'revision.zip', PollForSourceChanges: true }),
  }));
});

test('each wave deploys its locations in parallel, in their own Regions, the one-box wave to the one-box group', () => {
  const f = fixture();
  const wavePlan = plan();
  const { template } = build(f, {}, wavePlan);
  const rendered = stages(template).slice(1);
  wavePlan.waves.forEach((wave, index) => {
    const stageActions = rendered[index].Actions;
    expect(stageActions).toHaveLength(wave.members.length);
    for (const [i, member] of wave.members.entries()) {
      const action = stageActions[i];
      expect(action.ActionTypeId).toEqual({ Category: 'Deploy', Owner: 'AWS', Provider: 'CodeDeploy', Version: '1' });
      expect(action.RunOrder).toBe(1);
      if (member.region !== 'us-east-1') {
        expect(action.Region).toBe(member.region);
      } else {
        expect(action.Region === undefined || action.Region === 'us-east-1').toBe(true);
      }
      expect(action.Name).toBe(`${member.location}-service${member.oneBox ? '-one-box' : ''}`);
    }
  });
  // The one-box wave (first) points at the one-box deployment group of us-west-2.
  const oneBoxAction = rendered[0].Actions[0];
  expect(JSON.stringify(oneBoxAction.Configuration.DeploymentGroupName)).toMatch(/OneBoxGroup/);
  expect(JSON.stringify(rendered[1].Actions[0].Configuration.DeploymentGroupName)).not.toMatch(/OneBoxGroup/);
});

test('cross-Region actions get an artifact store in every Region they use', () => {
  const f = fixture();
  const { template } = build(f);
  const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0];
  const regions = pipeline.Properties.ArtifactStores.map((store: any) => store.Region).sort();
  expect(regions).toEqual([...REGIONS].sort());
});

test('the bake is an onSuccess condition: one CloudWatchAlarm rule per alarm, in its Region, waiting the wave\'s bake', () => {
  const f = fixture(REGIONS, 2);
  const wavePlan = plan();
  const { template } = build(f, {}, wavePlan);
  const rendered = stages(template).slice(1);
  wavePlan.waves.forEach((wave, index) => {
    const { OnSuccess, OnFailure } = rendered[index];
    expect(OnFailure).toEqual({ Result: 'ROLLBACK' });
    expect(OnSuccess.Conditions).toHaveLength(1);
    expect(OnSuccess.Conditions[0].Result).toBe('ROLLBACK');
    const rules = OnSuccess.Conditions[0].Rules;
    expect(rules).toHaveLength(2 * wave.members.length);
    for (const rule of rules) {
      expect(rule.RuleTypeId).toEqual({ Category: 'Rule', Owner: 'AWS', Provider: 'CloudWatchAlarm', Version: '1' });
      expect(rule.Configuration.AlarmStates).toBe('ALARM');
      expect(rule.Configuration.WaitTime).toBe(String(wave.bake.toMinutes()));
    }
    const regions = rules.map((rule: any) => rule.Region);
    expect(regions).toEqual(wave.members.flatMap((m) => [m.region, m.region]));
  });
  // 24 hours after the early waves, in minutes.
  expect(rendered[0].OnSuccess.Conditions[0].Rules[0].Configuration.WaitTime).toBe('1440');
});

test('the pipeline role may read alarm states for the rules', () => {
  const f = fixture();
  const { template } = build(f);
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'cloudwatch:DescribeAlarms', Effect: 'Allow', Resource: '*' })]) },
  });
});

test('optional manual approval right before the first production wave', () => {
  const f = fixture();
  const wavePlan = new WavePlan({
    locations: [
      { name: 'us-east-1', region: 'us-east-1', stage: DeploymentStage.STAGING },
      { name: 'us-west-2', region: 'us-west-2', stage: DeploymentStage.STAGING },
      { name: 'eu-west-1', region: 'eu-west-1' },
    ],
    alarmDetectionTime: Duration.minutes(8),
    oneBox: OneBoxScope.NONE,
  });
  const { template } = build(f, { approvalBeforeProduction: true }, wavePlan);
  const names = stages(template).map((stage) => stage.Name);
  expect(names).toEqual(['Source', 'Staging-1', 'Staging-2', 'ApproveProduction', 'Production-1']);
  expect(stages(template)[3].Actions[0].ActionTypeId).toEqual(expect.objectContaining({ Category: 'Approval', Provider: 'Manual' }));
});

test('no approval stage by default', () => {
  const { template } = build(fixture());
  expect(stages(template).map((stage) => stage.Name)).not.toContain('ApproveProduction');
});

test('a bake longer than maxRuleWaitTime continues in bake stages that watch the same alarms', () => {
  const f = fixture();
  const wavePlan = plan({ earlyWaves: 1 });
  const { template } = build(f, { maxRuleWaitTime: Duration.hours(10) }, wavePlan);
  const rendered = stages(template);
  const byName = new Map(rendered.map((stage: any) => [stage.Name, stage]));
  // Production-1 bakes 24 h: 600 + 600 + 240 minutes.
  const names = rendered.map((stage: any) => stage.Name);
  expect(names.slice(1, 4)).toEqual(['Production-1', 'Production-1-Bake-2', 'Production-1-Bake-3']);
  const waits = ['Production-1', 'Production-1-Bake-2', 'Production-1-Bake-3']
    .map((name) => (byName.get(name) as any).OnSuccess.Conditions[0].Rules[0].Configuration.WaitTime);
  expect(waits).toEqual(['600', '600', '240']);
  const bakeStage = byName.get('Production-1-Bake-2') as any;
  expect(bakeStage.OnSuccess.Conditions[0].Result).toBe('FAIL');
  expect(bakeStage.OnSuccess.Conditions[0].Rules[0].Region).toBe('us-west-2');
  expect(bakeStage.Actions).toEqual([expect.objectContaining({
    ActionTypeId: expect.objectContaining({ Category: 'Deploy', Provider: 'S3' }),
    Configuration: expect.objectContaining({ ObjectKey: 'baked/Production-1/part-2', Extract: 'false' }),
  })]);
  // The wave's own stage still rolls back on ALARM; a 1-hour wave needs no bake stage.
  expect((byName.get('Production-1') as any).OnSuccess.Conditions[0].Result).toBe('ROLLBACK');
  expect(names.slice(4)).toEqual(wavePlan.waves.slice(1).map((wave) => wave.name));
  expect(wavePlan.waves.slice(1).every((wave) => wave.bake.toMinutes() === 60)).toBe(true);
});

describe('errors name the wave and the fix', () => {
  test('a location of the plan without a target', () => {
    const f = fixture(['us-east-1', 'us-west-2']);
    expect(() => build(f)).toThrow(/deploys service at eu-west-1, but no target names that location.*Fix: add a target \{ location: 'eu-west-1'/);
  });

  test('a target that no wave uses', () => {
    const f = fixture();
    expect(() => build(f, {}, plan({}, ['us-east-1', 'us-west-2']))).toThrow(/1 target is in no wave of the plan: eu-west-1 \(service\)/);
  });

  test('a one-box wave without a one-box deployment group', () => {
    const f = fixture();
    const targets = f.targets.map((t) => ({ ...t, oneBoxDeploymentGroup: undefined }));
    expect(() => new DeploymentPipeline(f.pipelineStack, 'Waves', { plan: plan(), targets }))
      .toThrow(/Production-1 is the one-box wave on one host of us-west-2, but its target has no oneBoxDeploymentGroup/);
  });

  test('more than five alarms in a wave', () => {
    const f = fixture(REGIONS, 2);
    const wide = new WavePlan({
      locations: REGIONS.map((region) => ({ name: region, region })),
      alarmDetectionTime: Duration.minutes(8), oneBox: OneBoxScope.NONE, firstWaveSize: 3,
    });
    expect(() => build(f, {}, wide)).toThrow(/Production-1 has 6 alarms, but a stage condition takes at most 5 rules.*composite alarm/);
  });

  test('a wave without alarms', () => {
    const f = fixture();
    const targets = f.targets.map((t) => ({ ...t, alarms: [] }));
    expect(() => new DeploymentPipeline(f.pipelineStack, 'Waves', { plan: plan(), targets })).toThrow(/has no alarms/);
  });

  test('a maxRuleWaitTime that is not whole minutes', () => {
    expect(() => build(fixture(), { maxRuleWaitTime: Duration.seconds(90) })).toThrow(/maxRuleWaitTime must be a whole number of minutes, at least 1, got 1.5/);
  });

  test('sourceAction without sourceOutput', () => {
    const f = fixture();
    expect(() => build(f, { sourceObjectKey: 'x.zip', sourceOutput: undefined, sourceAction: {} as any }))
      .toThrow(/Give sourceAction and sourceOutput together/);
  });
});
