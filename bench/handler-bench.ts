import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FakeArcServer } from '../test/lambda/support/fake-arc-server';
import { FakeCloudWatchServer } from '../test/lambda/support/fake-cloudwatch-server';
import { alarmEvent, detectionTree, localHandlerEnvironment } from '../test/lambda/support/fixtures';

/** The most AWS calls the incident path may make (GetManagedResource, DescribeAlarms, one write). */
const MAX_INCIDENT_CALLS = 3;

const EVENTS = 1000;
const COLD_STARTS = 5;
const BUNDLE = join(__dirname, '..', 'assets', 'zonal-shift', 'index.js');

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

async function measureDecisions(): Promise<{ p50: number; p99: number; counts: Record<string, number>; calls: Record<string, number[]> }> {
  const arc = await FakeArcServer.start();
  const cloudwatch = await FakeCloudWatchServer.start();
  const tree = detectionTree(['us-east-1a']);
  cloudwatch.setAlarms(tree.metric, tree.composite);
  // Half the events find the shift gone (a start), half find it fresh (nothing to do); a third
  // of those with it near expiry (an extension).
  const env = localHandlerEnvironment(arc, cloudwatch);
  const saved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) {
    saved[key] = process.env[key];
    process.env[key] = value;
  }
  const writeStdout = process.stdout.write.bind(process.stdout);
  try {
    // A fresh module, so the handler builds its clients from this environment.
    for (const key of Object.keys(require.cache)) {
      if (key.includes(join('lambda', 'zonal-shift'))) {
        delete require.cache[key];
      }
    }
    const { handler } = require('../lambda/zonal-shift/index') as { handler: (event: unknown) => Promise<Array<{ decision: string }>> };
    const event = alarmEvent('us-east-1a-isolated', 'ALARM');
    const latencies: number[] = [];
    const counts: Record<string, number> = {};
    const calls: Record<string, number[]> = {};
    process.stdout.write = (() => true) as typeof process.stdout.write;
    for (let i = 0; i < EVENTS; i++) {
      if (i % 2 === 0) {
        for (const shift of arc.shifts) {
          shift.status = 'CANCELED';
        }
      } else if (i % 3 === 0) {
        for (const shift of arc.activeShifts()) {
          shift.expiryTime = arc.nowSeconds() + 60;
        }
      }
      const requestsBefore = arc.requests.length + cloudwatch.requests.length;
      const start = performance.now();
      const [decision] = await handler(event);
      latencies.push(performance.now() - start);
      counts[decision.decision] = (counts[decision.decision] ?? 0) + 1;
      (calls[decision.decision] ??= []).push(arc.requests.length + cloudwatch.requests.length - requestsBefore);
    }
    process.stdout.write = writeStdout;
    latencies.sort((a, b) => a - b);
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), counts, calls };
  } finally {
    process.stdout.write = writeStdout;
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) {
        delete process.env[key];
      } else {
        process.env[key] = value;
      }
    }
    await Promise.all([arc.close(), cloudwatch.close()]);
  }
}

function measureColdStart(): number {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(BUNDLE)});`
    + 'process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));';
  const samples: number[] = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    samples.push(Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })));
  }
  return median(samples);
}

/**
 * Benchmarks the zonal-shift handler: decision latency over local ARC and CloudWatch servers,
 * module load time of the bundled asset, and the bundle's size.
 */
export async function runHandlerBench(): Promise<void> {
  const decisions = await measureDecisions();
  const mix = Object.entries(decisions.counts).map(([kind, count]) => `${kind} ${count}`).join(', ');
  console.log(`zonal-shift handler: ${EVENTS} events (${mix})`);
  console.log(`  decision latency p50 ${decisions.p50.toFixed(2)} ms, p99 ${decisions.p99.toFixed(2)} ms`);
  const worst = Math.max(...Object.values(decisions.calls).flat());
  const perKind = Object.entries(decisions.calls).map(([kind, counts]) => `${kind} ${Math.max(...counts)}`).join(', ');
  console.log(`  AWS calls on the incident path: at most ${worst} per event (${perKind}); limit ${MAX_INCIDENT_CALLS}${worst > MAX_INCIDENT_CALLS ? ' EXCEEDED' : ''}`);
  if (worst > MAX_INCIDENT_CALLS) {
    process.exitCode = 1;
  }
  if (!existsSync(BUNDLE)) {
    console.log(`  bundle ${BUNDLE} not found: run node scripts/bundle.mjs first`);
    return;
  }
  console.log(`  cold module load (median of ${COLD_STARTS}) ${measureColdStart().toFixed(1)} ms`);
  console.log(`  bundle size ${statSync(BUNDLE).size} bytes`);
}
