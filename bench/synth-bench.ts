import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack, aws_ec2 as ec2 } from 'aws-cdk-lib';
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
    const app = new App({ outdir });
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

function tenServices(app: App): void {
  const stack = new Stack(app, 'TenServices', { env: { account: '111111111111', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'SharedVpc', { availabilityZones: ZONES, natGateways: ZONES.length });
  for (let index = 0; index < SERVICES; index++) {
    new AzIndependentService(stack, `Service${index}`, { vpc, availabilityZones: ZONES });
  }
}

function percent(part: number, whole: number): string {
  return `${((100 * part) / whole).toFixed(1)}%`;
}

/** Prints synthesis time and template size of the reference stack and of a ten-service stack. */
export function runSynthBench(): void {
  // The first synthesis pays for loading aws-cdk-lib's modules; measure warm runs.
  synthesize((app) => buildReferenceApp(app), 'CdkAziReference');
  const reference = synthesize((app) => buildReferenceApp(app), 'CdkAziReference');
  const ten = synthesize(tenServices, 'TenServices');

  console.log('synthesis (warm, this machine)');
  console.log(`  reference app (2 stacks): ${reference.milliseconds.toFixed(0)} ms; CdkAziReference has ` +
    `${reference.resources} resources (${percent(reference.resources, MAX_RESOURCES)} of ${MAX_RESOURCES}), ` +
    `${reference.templateBytes} template bytes (${percent(reference.templateBytes, MAX_TEMPLATE_BYTES)} of 1 MB)`);
  console.log(`  ${SERVICES} services x ${ZONES.length} AZs, shared VPC: ${ten.milliseconds.toFixed(0)} ms; ` +
    `${ten.resources} resources (${percent(ten.resources, MAX_RESOURCES)} of ${MAX_RESOURCES}), ` +
    `${ten.templateBytes} template bytes (${percent(ten.templateBytes, MAX_TEMPLATE_BYTES)} of 1 MB)`);
  const perServiceResources = ten.resources / SERVICES;
  const perServiceBytes = ten.templateBytes / SERVICES;
  console.log(`  per service: ~${perServiceResources.toFixed(1)} resources, ~${perServiceBytes.toFixed(0)} template bytes; ` +
    `services per stack before a limit: ${Math.floor(MAX_RESOURCES / perServiceResources)} by resources, ` +
    `${Math.floor(MAX_TEMPLATE_BYTES / perServiceBytes)} by bytes`);
  if (ten.resources > MAX_RESOURCES || ten.templateBytes > MAX_TEMPLATE_BYTES) {
    console.log(`  ${SERVICES} services do not fit one stack: split them across stacks.`);
  }
}
