import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = join(__dirname, '..');
const BUNDLE = join(ROOT, 'assets', 'cli', 'drill.js');
const RUNS = 5;

/**
 * Benchmarks the `cdk-azi drill` command: the size of its bundle (the AWS SDK clients it carries)
 * and how long `cdk-azi drill --help` takes from a cold process, the floor of every drill.
 */
export function runDrillBench(): void {
  console.log('cdk-azi drill command:');
  if (!existsSync(BUNDLE)) {
    console.log(`  bundle ${BUNDLE} not found: run node scripts/bundle.mjs first`);
    return;
  }
  console.log(`  bundle size ${statSync(BUNDLE).size} bytes`);
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    execFileSync(process.execPath, [join(ROOT, 'bin', 'cdk-azi.js'), 'drill', '--help'], { stdio: 'ignore' });
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  console.log(`  cold start to --help (median of ${RUNS}) ${times[Math.floor(RUNS / 2)].toFixed(0)} ms`);
}
