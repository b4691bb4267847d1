import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, CfnResource, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BEYOND, FROM_PARTS_VPC, SKIP_NAG_ACKNOWLEDGEMENTS, buildReferenceApp } from '../examples/app';
import { REFERENCE_SUPPRESSIONS } from '../examples/nag-suppressions';

interface Violation {
  readonly ruleName: string;
  readonly description: string;
  readonly violatingConstructs: Array<{ readonly constructPath: string }>;
}
interface PluginReport {
  readonly pluginName: string;
  readonly conclusion: string;
  readonly violations: Violation[];
}

/** Synthesizes an app with cdk-nag's AwsSolutions checks and returns the validation report. */
function synthWithChecks(context: Record<string, unknown> = {}): PluginReport[] {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-azi-nag-'));
  try {
    // The from-parts stack is checked too, with its placeholder VPC, and the beyond stack.
    const app = new App({ outdir, context: { [FROM_PARTS_VPC]: 'example', [BEYOND]: true, ...context } });
    buildReferenceApp(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    try {
      app.synth();
    } catch {
      // A failing plugin interrupts synthesis; the report is still written and read below.
    }
    return JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')).pluginReports;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function describeViolations(reports: PluginReport[]): string[] {
  return reports.flatMap((report) => report.violations.flatMap((violation) =>
    violation.violatingConstructs.map((c) => `${report.pluginName} ${violation.ruleName} at ${c.constructPath}: ${violation.description}`)));
}

describe('cdk-nag AwsSolutions checks on the reference stacks', () => {
  test('find no unacknowledged finding, and CloudFormation validation finds none either', () => {
    const reports = synthWithChecks();
    expect(reports.map((r) => r.pluginName)).toContain('AwsSolutions');
    expect(describeViolations(reports)).toEqual([]);
    expect(reports.every((report) => report.conclusion === 'success')).toBe(true);
  });

  test('find exactly the acknowledged findings when nothing acknowledges them (the checks really run)', () => {
    const reports = synthWithChecks({ [SKIP_NAG_ACKNOWLEDGEMENTS]: true });
    const found = new Set(reports.filter((r) => r.pluginName === 'AwsSolutions').flatMap((r) => r.violations.map((v) => v.ruleName)));
    const acknowledged = new Set(REFERENCE_SUPPRESSIONS.map((s) => s.rule));
    expect([...found].sort()).toEqual([...acknowledged].sort());
  });
});

describe('reference suppressions', () => {
  test('every suppression says why it is acceptable', () => {
    for (const suppression of REFERENCE_SUPPRESSIONS) {
      expect(suppression.reason.length).toBeGreaterThanOrEqual(60);
      expect(suppression.rule).toMatch(/^AwsSolutions-[A-Z]+[0-9]+(\[.+\])?$/);
    }
  });

  test('every suppression matches a resource of the reference stacks', () => {
    const app = buildReferenceApp(new App({ context: { [FROM_PARTS_VPC]: 'example', [BEYOND]: true } }));
    const paths = app.node.findAll().filter(CfnResource.isCfnResource).map((c) => `/${c.node.path}`);
    const unused = REFERENCE_SUPPRESSIONS.filter((s) => !paths.some((path) => s.path.test(path)));
    expect(unused.map((s) => s.rule)).toEqual([]);
  });
});
