import { readFileSync } from 'fs';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { WAVES_LOCATIONS, WaveServiceStack, buildWavesApp, wavesPlan } from '../examples/waves-app';

describe('multi-Region waves reference app', () => {
  const app = buildWavesApp(new App());
  const assembly = app.synth();
  const stack = (name: string) => app.node.findChild(name) as Stack;
  const pipeline = Template.fromStack(stack('CdkAziWavesPipeline'));

  test('synthesizes every stack without a context lookup (no credentials needed)', () => {
    expect(assembly.manifest.missing ?? []).toEqual([]);
    const names = assembly.stacks.map((s) => s.stackName).sort();
    expect(names).toEqual([
      ...WAVES_LOCATIONS.map((location) => `CdkAziWaves-${location.name}`),
      'CdkAziWavesArtifacts-eu-west-1', 'CdkAziWavesArtifacts-us-east-1', 'CdkAziWavesArtifacts-us-west-2',
      'CdkAziWavesPipeline',
    ].sort());
    expect(new Set(assembly.stacks.map((s) => s.environment.region))).toEqual(new Set(['us-east-1', 'us-west-2', 'eu-west-1']));
  });

  test('the pipeline runs staging, an approval, then the production waves of the plan', () => {
    const stages = Object.values(pipeline.findResources('AWS::CodePipeline::Pipeline'))[0].Properties.Stages;
    const plan = wavesPlan();
    const waveNames = plan.waves.map((wave) => wave.name);
    const firstProduction = waveNames.findIndex((name) => name.startsWith('Production'));
    expect(stages.map((s: any) => s.Name)).toEqual([
      'Source', ...waveNames.slice(0, firstProduction), 'ApproveProduction', ...waveNames.slice(firstProduction),
    ]);
    expect(waveNames).toEqual(['Staging-1', 'Staging-2', 'Production-1', 'Production-2', 'Production-3', 'Production-4']);
    // One-box of the oldest hardware first, and the two North American Regions never in one wave.
    expect(plan.waves[2].members.map((m) => [m.location, m.oneBox])).toEqual([['eu-west-1', true]]);
    for (const wave of plan.waves.filter((w) => w.stage === 'production')) {
      expect(wave.members.filter((m) => m.geography === 'north-america').length).toBeLessThan(2);
    }
  });

  test('the one-box group and its deployment group exist only where the one-box wave lands', () => {
    for (const location of WAVES_LOCATIONS) {
      const service = stack(`CdkAziWaves-${location.name}`) as WaveServiceStack;
      const groups = Template.fromStack(service).findResources('AWS::CodeDeploy::DeploymentGroup');
      expect(Object.keys(groups)).toHaveLength(location.name === 'eu-west-1' ? 2 : 1);
      expect(service.service.fleet.oneBoxGroup !== undefined).toBe(location.name === 'eu-west-1');
    }
  });

  test('every production Region adds a weighted, health-evaluated alias to one record set', () => {
    for (const location of WAVES_LOCATIONS) {
      const template = Template.fromStack(stack(`CdkAziWaves-${location.name}`));
      if (location.stage === 'staging') {
        template.resourceCountIs('AWS::Route53::RecordSet', 0);
        continue;
      }
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'api.example.com.', Type: 'A', Weight: 100, SetIdentifier: location.region,
        HostedZoneId: 'Z0123456789EXAMPLE',
        AliasTarget: Match.objectLike({ EvaluateTargetHealth: true }),
      });
    }
  });

  test('each wave is judged by its location\'s composite alarm in that Region', () => {
    const stages = Object.values(pipeline.findResources('AWS::CodePipeline::Pipeline'))[0].Properties.Stages;
    const production = stages.filter((s: any) => s.Name.startsWith('Production'));
    expect(production[0].OnSuccess.Conditions[0].Rules).toEqual([expect.objectContaining({
      Region: 'eu-west-1',
      Configuration: expect.objectContaining({ AlarmStates: 'ALARM', WaitTime: '1440' }),
    })]);
    const composites = Template.fromStack(stack('CdkAziWaves-eu-west-1')).findResources('AWS::CloudWatch::CompositeAlarm', {
      Properties: { AlarmName: 'cdk-azi-waves-eu-west-1-wave' },
    });
    const rule = JSON.stringify(Object.values(composites)[0].Properties.AlarmRule);
    // The regional alarm and the three isolated-impact alarms, any of them.
    expect(rule.match(/ALARM\(/g)).toHaveLength(4);
    expect(rule.match(/ OR /g)).toHaveLength(3);
  });

  test('the README prints the planner\'s own output for this plan', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const printed = /<!-- waves-plan:start -->\n([\s\S]*?)<!-- waves-plan:end -->/.exec(readme);
    expect(printed?.[1]).toBe(wavesPlan().toMarkdown());
  });
});
