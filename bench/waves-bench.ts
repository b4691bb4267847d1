import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Duration } from 'aws-cdk-lib';
import { buildWavesApp } from '../examples/waves-app';
import { DeploymentStage, WaveLocation, WavePlan } from '../lib';

const LOCATIONS = 1000;
const STRIPES = 4;
const GEOGRAPHIES = 12;
const RUNS = 20;

/** 1,000 production locations over 4 stripes and 12 geographies, one with the oldest hardware, and 8 staging ones. */
function fleet(): WaveLocation[] {
  const locations: WaveLocation[] = [];
  for (let index = 0; index < LOCATIONS; index++) {
    locations.push({
      name: `edge-${String(index).padStart(4, '0')}`,
      region: `region-${index % 20}`,
      geography: `geo-${(index * 7) % GEOGRAPHIES}`,
      stripe: `stripe-${index % STRIPES}`,
      traits: index === 417 ? ['oldest-hardware'] : [],
    });
  }
  for (let index = 0; index < 2 * STRIPES; index++) {
    locations.push({ name: `staging-${index}`, region: 'region-0', stage: DeploymentStage.STAGING, stripe: `stripe-${index % STRIPES}` });
  }
  return locations;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Prints planning time for the large fleet and synthesis time of the multi-Region reference app. */
export function runWavesBench(): void {
  const locations = fleet();
  const props = {
    locations,
    alarmDetectionTime: Duration.minutes(8),
    trafficClasses: [{ name: 'batch', priority: 0 }, { name: 'operations', priority: 1 }, { name: 'customer', priority: 2 }],
  };
  new WavePlan(props); // warm-up
  const times: number[] = [];
  let plan: WavePlan | undefined;
  for (let run = 0; run < RUNS; run++) {
    const started = process.hrtime.bigint();
    plan = new WavePlan(props);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  const waves = plan!.waves;
  console.log('wave planning (this machine)');
  console.log(`  ${LOCATIONS} locations x ${STRIPES} stripes x 3 traffic classes (+${2 * STRIPES} staging): ` +
    `p50 ${percentile(times, 50).toFixed(1)} ms, max ${times[times.length - 1].toFixed(1)} ms over ${RUNS} runs; ` +
    `${waves.length} waves, largest ${Math.max(...waves.map((w) => w.members.length))} members, ` +
    `Markdown ${plan!.toMarkdown().length} characters`);

  const outdir = mkdtempSync(join(tmpdir(), 'cdk-azi-waves-bench-'));
  try {
    // The first synthesis pays for loading modules; measure a warm one.
    buildWavesApp(new App({ outdir })).synth();
    const started = process.hrtime.bigint();
    const assembly = buildWavesApp(new App({ outdir })).synth();
    const milliseconds = Number(process.hrtime.bigint() - started) / 1e6;
    const counts = assembly.stacks.map((stack) => `${stack.stackName} ${Object.keys(stack.template.Resources ?? {}).length}`);
    console.log(`  multi-Region waves app (${assembly.stacks.length} stacks): ${milliseconds.toFixed(0)} ms warm; resources: ${counts.join(', ')}`);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
