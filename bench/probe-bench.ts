import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { App } from 'aws-cdk-lib';
import { ReferenceServiceStack, buildReferenceApp } from '../examples/app';
import { parseConfig } from '../lambda/zonal-probe/config';
import { runCycle } from '../lambda/zonal-probe/probe';
import { cycleMetricData, publishCycle } from '../lambda/zonal-probe/publish';
import { ALB_METRIC_DELAY, EVALUATION_INTERVAL } from '../lib/private/alarm-timing';
import { FakeMetricsServer } from '../test/lambda-probe/support/fake-metrics-server';
import { ZoneServers } from '../test/lambda-probe/support/zone-servers';

const BUNDLE = join(__dirname, '..', 'assets', 'zonal-probe', 'index.js');
const COLD_STARTS = 5;
const CYCLES = 200;
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const DNS_NAME = 'bench-1.us-east-1.elb.amazonaws.com';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The reference stack's modelled onset -> isolated-impact alarm, both detection paths. */
function modelledDetection(): void {
  const app = buildReferenceApp(new App());
  const stack = app.node.findChild('CdkAziReference') as ReferenceServiceStack;
  const alarms = stack.service.alarms;
  const probes = stack.service.probes!;
  console.log('reference stack: modelled onset of a total AZ failure -> isolated-impact ALARM');
  console.log(`  probe path: ${alarms.fastestTimeToAlarm.toSeconds()} s = interval ${probes.interval.toSeconds()} s`
    + ` + 2 x ${alarms.probePeriod.toSeconds()} s periods + delivery ${probes.deliveryDelay.toSeconds()} s`
    + ' (timeout + 5 s ingestion) + 10 s evaluation');
  // The ALB path with the reference defaults: 60 s periods, 3 of 5.
  const fastestAlb = 60 + 3 * 60 + EVALUATION_INTERVAL.toSeconds();
  console.log(`  load-balancer path, fastest: ${fastestAlb + ALB_METRIC_DELAY.toSeconds()}-${fastestAlb + 120} s`
    + ` (a period + 3 x 60 s + 60 s evaluation + 60-120 s ALB delivery)`);
  const slowest = alarms.timeToAlarm.toSeconds();
  console.log(`  load-balancer path, slowest: ${slowest + 60}-${slowest + 120} s (timeToAlarm ${slowest} s + 60-120 s delivery)`);
}

function coldStart(): void {
  if (!existsSync(BUNDLE)) {
    console.log(`  bundle ${BUNDLE} not found: run node scripts/bundle.mjs first`);
    return;
  }
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(BUNDLE)});`
    + 'process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));';
  const samples: number[] = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    samples.push(Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })));
  }
  console.log(`  cold module load (median of ${COLD_STARTS}) ${median(samples).toFixed(1)} ms, bundle ${statSync(BUNDLE).size} bytes`);
}

/** Work per cycle against local servers: wall time and CPU time of probing 3 AZs and publishing. */
async function workPerCycle(): Promise<void> {
  const servers = await ZoneServers.start(Object.fromEntries(ZONES.map((az) => [az, 'ok' as const])));
  const cloudwatch = await FakeMetricsServer.start();
  const config = parseConfig({
    LOAD_BALANCER_DNS_NAME: DNS_NAME, AVAILABILITY_ZONES: JSON.stringify(ZONES), LOAD_BALANCER_DIMENSION: 'app/bench/1',
    PROTOCOL: 'http', PORT: '80', PROBE_PATH: '/', EXPECTED_STATUS_CODES: '200-399', TIMEOUT_MS: '2000', INTERVAL_MS: '10000',
    REQUESTS_PER_CYCLE: '3', RUN_FOR_MS: '60000', METRICS_NAMESPACE: 'CdkAzi/Probes', FAULT_RATE_METRIC: 'FaultRate',
    LATENCY_METRIC: 'Latency', CYCLES_METRIC: 'Cycles',
  });
  const client = new CloudWatchClient({
    region: 'us-east-1', endpoint: cloudwatch.endpoint, credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' },
  });
  const resolve = servers.resolver(DNS_NAME);
  try {
    const wall: number[] = [];
    const cpuStart = process.cpuUsage();
    let lastResults = await runCycle(config, resolve);
    for (let i = 0; i < CYCLES; i++) {
      const started = process.hrtime.bigint();
      lastResults = await runCycle(config, resolve);
      await publishCycle(client, config, lastResults, new Date());
      wall.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const cpu = process.cpuUsage(cpuStart);
    const cyclesPerMinute = 60000 / config.intervalMs;
    const data = cycleMetricData(config, lastResults, new Date());
    const values = data.reduce((sum, datum) => sum + (datum.Values?.length ?? 1), 0);
    console.log(`  work per cycle (3 AZs x 3 requests + 1 PutMetricData, local servers, ${CYCLES} cycles):`
      + ` wall median ${median(wall).toFixed(2)} ms, CPU ${((cpu.user + cpu.system) / 1000 / (CYCLES + 1)).toFixed(2)} ms`);
    console.log(`  published per minute: ${cyclesPerMinute} PutMetricData requests, ${cyclesPerMinute * data.length} datums,`
      + ` ${cyclesPerMinute * values} values; ${cyclesPerMinute * config.requestsPerCycle * ZONES.length} probe requests`);
  } finally {
    client.destroy();
    await Promise.all([servers.close(), cloudwatch.close()]);
  }
}

/** `npm run bench` figures of the probes. */
export async function runProbeBench(): Promise<void> {
  modelledDetection();
  console.log('zonal-probe function:');
  coldStart();
  await workPerCycle();
}
