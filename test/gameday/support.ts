import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildReferenceApp } from '../../examples/app';

/** Synthesizes the reference app (as `npx cdk synth` does) into a fresh temporary cloud assembly. */
export function synthReferenceAssembly(): string {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-azi-gameday-'));
  buildReferenceApp(new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } })).synth();
  return outdir;
}

/** A hand-written cloud assembly of one stack, with function assets given as file contents. */
export function writeAssembly(stackName: string, resources: Record<string, unknown>, assets: Record<string, string> = {}): string {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-azi-gameday-'));
  writeFileSync(join(outdir, 'manifest.json'), JSON.stringify({
    version: '55.0.0',
    artifacts: { [stackName]: { type: 'aws:cloudformation:stack', environment: 'aws://111111111111/eu-west-1', properties: { templateFile: `${stackName}.template.json` } } },
  }));
  writeFileSync(join(outdir, `${stackName}.template.json`), JSON.stringify({ Resources: resources }));
  for (const [folder, code] of Object.entries(assets)) {
    mkdirSync(join(outdir, folder));
    writeFileSync(join(outdir, folder, 'index.js'), code);
  }
  return outdir;
}

/** A per-AZ metric alarm of a hand-written template. */
export function zonalAlarm(name: string, az: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: name,
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_ELB_5XX_Count',
      Dimensions: [{ Name: 'AvailabilityZone', Value: az }, { Name: 'LoadBalancer', Value: { 'Fn::GetAtt': ['Lb', 'LoadBalancerFullName'] } }],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 10,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      ...extra,
    },
  };
}
