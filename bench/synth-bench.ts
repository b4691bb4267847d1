import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack, Validations, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { buildReferenceApp } from '../examples/app';
import { AzIndependentService } from '../lib';

/** CloudFormation's per-template limits. */
const MAX_RESOURCES = 500;
const MAX_TEMPLATE_BYTES = 1_048_576;
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const SERVICES = 10;

interface SynthResult {
  readonly milliseconds: number;
  readonly resources: number;
  readonly templateBytes: number;
}

/** Synthesizes an app into a temporary folder and measures one of its stacks. */
function synthesize(build: (app: App) => void, stackName: string): SynthResult {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-azi-bench-'));
  try {
    const started = process.hrtime.bigint();
    // aws-cdk-lib refuses stacks over 500 resources at synth; lift that here to measure how far over.
    const app = new App({ outdir, context: { '@aws-cdk/core:stackResourceLimit': 0 } });
    build(app);
    app.synth();
    const milliseconds = Number(process.hrtime.bigint() - started) / 1e6;
    const text = readFileSync(join(outdir, `${stackName}.template.json`), 'utf8');
    const resources = Object.keys(JSON.parse(text).Resources).length;
    return { milliseconds, resources, templateBytes: Buffer.byteLength(text) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** A stack of `count` services sharing one VPC. */
function services(count: number): (app: App) => void {
  return (app) => {
    const stack = new Stack(app, 'Services', { env: { account: '111111111111', region: 'us-east-1' } });
    Validations.of(stack).acknowledge({
      id: 'CloudFormation-Validate::F0007',
      reason: 'The benchmark measures how far past the resource limit a stack of services goes.',
    });
    const vpc = new ec2.Vpc(stack, 'SharedVpc', { availabilityZones: ZONES, natGateways: ZONES.length });
    for (let index = 0; index < count; index++) {
      new AzIndependentService(stack, `Service${index}`, { vpc, availabilityZones: ZONES });
    }
  };
}

/** How many services fit under a limit, after what they share. */
function fit(limit: number, shared: number, perService: number): number {
  return Math.floor((limit - shared) / perService);
}

function percent(part: number, whole: number): string {
  return `${((100 * part) / whole).toFixed(1)}%`;
}

/** Prints synthesis time and template size of the reference stack and of a ten-service stack. */
export function runSynthBench(): void {
  // The first synthesis pays for loading aws-cdk-lib's modules; measure warm runs.
  synthesize((app) => buildReferenceApp(app), 'CdkAziReference');
  const reference = synthesize((app) => buildReferenceApp(app), 'CdkAziReference');
  const one = synthesize(services(1), 'Services');
  const ten = synthesize(services(SERVICES), 'Services');

  console.log('synthesis (warm, this machine)');
  console.log(`  reference app (2 stacks): ${reference.milliseconds.toFixed(0)} ms; CdkAziReference has ` +
    `${reference.resources} resources (${percent(reference.resources, MAX_RESOURCES)} of ${MAX_RESOURCES}), ` +
    `${reference.templateBytes} template bytes (${percent(reference.templateBytes, MAX_TEMPLATE_BYTES)} of 1 MB)`);
  console.log(`  ${SERVICES} services x ${ZONES.length} AZs, shared VPC: ${ten.milliseconds.toFixed(0)} ms; ` +
    `${ten.resources} resources (${percent(ten.resources, MAX_RESOURCES)} of ${MAX_RESOURCES}), ` +
    `${ten.templateBytes} template bytes (${percent(ten.templateBytes, MAX_TEMPLATE_BYTES)} of 1 MB)`);
  // Each service beyond the first adds the same resources; the first also carries what they share.
  const perServiceResources = (ten.resources - one.resources) / (SERVICES - 1);
  const perServiceBytes = (ten.templateBytes - one.templateBytes) / (SERVICES - 1);
  console.log(`  each added service: ${perServiceResources.toFixed(1)} resources, ${perServiceBytes.toFixed(0)} template bytes; ` +
    `services per stack before a limit: ${fit(MAX_RESOURCES, one.resources - perServiceResources, perServiceResources)} ` +
    `by resources, ${fit(MAX_TEMPLATE_BYTES, one.templateBytes - perServiceBytes, perServiceBytes)} by bytes`);
  if (ten.resources > MAX_RESOURCES || ten.templateBytes > MAX_TEMPLATE_BYTES) {
    console.log(`  ${SERVICES} services do not fit one stack: split them across stacks.`);
  }
}
