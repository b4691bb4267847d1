import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App } from 'aws-cdk-lib';
import { buildReferenceApp } from '../examples/app';
import { readStack } from '../lib/gameday/assembly';
import { BUILT_IN_SCENARIOS, loadScenario } from '../lib/gameday/scenarios';
import { runGameday } from '../lib/gameday/simulator';

function minutes(seconds: number | undefined): string {
  return seconds === undefined ? '-' : `${(seconds / 60).toFixed(1)} min`;
}

/** Plays every built-in scenario against the reference stack: simulated detect/mitigate times and wall time per simulated hour. */
export async function runGamedayBench(): Promise<void> {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-azi-bench-'));
  try {
    buildReferenceApp(new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } })).synth();
    const stack = readStack(outdir, 'CdkAziReference');
    console.log(`game day on CdkAziReference (${stack.availabilityZones.length} AZs): simulated times, and wall time per simulated hour`);
    let wallTotal = 0;
    let simulatedTotal = 0;
    for (const name of BUILT_IN_SCENARIOS) {
      const result = await runGameday(stack, loadScenario(name));
      const { verdict } = result;
      const perHour = result.wallMs / (result.scenario.durationSeconds / 3600);
      wallTotal += result.wallMs;
      simulatedTotal += result.scenario.durationSeconds;
      console.log(`  ${name.padEnd(15)} detect ${minutes(verdict.timeToDetect).padStart(8)}  mitigate ${minutes(verdict.timeToMitigate).padStart(8)} (${verdict.mitigatedBy})`
        + `  error minutes ${String(verdict.errorMinutes).padStart(3)}  shifts ${verdict.shiftsStarted}  wrong actions ${verdict.wrongActions.length}  wall ${(perHour / 1000).toFixed(2)} s/simulated hour`);
    }
    console.log(`  all scenarios: ${(wallTotal / 1000 / (simulatedTotal / 3600)).toFixed(2)} s wall per simulated hour (goal: well under 10 s)`);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
