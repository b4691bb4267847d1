import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ProbeConfig, parseConfig } from './config';
import { ProbeResult, Resolver, runCycle, systemResolver } from './probe';
import { MetricSink, publishCycle } from './publish';

/** What the handler needs from the outside world; replaced in tests. */
export interface ProbeDeps {
  readonly resolve: Resolver;
  readonly metrics: MetricSink;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly log: (line: string) => void;
}

/** What one invocation did. */
export interface InvocationSummary {
  readonly cycles: number;
  readonly datapoints: number;
  readonly publishFailures: number;
  /** Failed requests per AZ over the invocation. */
  readonly faults: Record<string, number>;
}

function summarize(results: ProbeResult[]): Record<string, { outcome: string; status?: number; ms?: number; detail?: string }[]> {
  const out: Record<string, { outcome: string; status?: number; ms?: number; detail?: string }[]> = {};
  for (const result of results) {
    (out[result.availabilityZone] ??= []).push({
      outcome: result.outcome,
      status: result.status,
      ms: result.latencySeconds === undefined ? undefined : Math.round(result.latencySeconds * 1000),
      detail: result.detail,
    });
  }
  return out;
}

/**
 * One invocation: cycles every `intervalMs`, starting now, for `runForMs` (the schedule invokes
 * the function once a minute, so cycles run back to back across invocations). Each cycle probes
 * every AZ and publishes its datapoints at once: waiting to batch a minute would delay detection
 * by that minute. A failed publish is logged and the loop goes on; the missing datapoints are what
 * the probe's heartbeat alarm watches.
 */
export async function runInvocation(config: ProbeConfig, deps: ProbeDeps): Promise<InvocationSummary> {
  const started = deps.now();
  let cycles = 0;
  let datapoints = 0;
  let publishFailures = 0;
  const faults: Record<string, number> = Object.fromEntries(config.availabilityZones.map((az) => [az, 0]));
  for (let next = started; next - started < config.runForMs; next += config.intervalMs) {
    const wait = next - deps.now();
    if (wait > 0) {
      await deps.sleep(wait);
    }
    const cycleStart = deps.now();
    const results = await runCycle(config, deps.resolve);
    cycles++;
    for (const result of results) {
      if (result.outcome !== 'ok') {
        faults[result.availabilityZone]++;
      }
    }
    try {
      datapoints += await publishCycle(deps.metrics, config, results, new Date(cycleStart));
    } catch (err) {
      publishFailures++;
      deps.log(JSON.stringify({ level: 'error', message: 'PutMetricData failed', error: (err as Error).name, detail: (err as Error).message }));
    }
    if (results.some((result) => result.outcome !== 'ok')) {
      deps.log(JSON.stringify({ level: 'warn', message: 'probe faults', cycleStart: new Date(cycleStart).toISOString(), results: summarize(results) }));
    }
  }
  return { cycles, datapoints, publishFailures, faults };
}

let cached: { config: ProbeConfig; deps: ProbeDeps } | undefined;

/** The scheduled entry point. A configuration error throws, so the function's Errors metric shows it. */
export async function handler(): Promise<InvocationSummary> {
  if (!cached) {
    const config = parseConfig(process.env);
    cached = {
      config,
      deps: {
        resolve: systemResolver,
        metrics: new CloudWatchClient({}),
        now: () => Date.now(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        log: (line) => process.stdout.write(`${line}\n`),
      },
    };
  }
  const summary = await runInvocation(cached.config, cached.deps);
  cached.deps.log(JSON.stringify({ level: 'info', message: 'invocation done', ...summary }));
  return summary;
}
