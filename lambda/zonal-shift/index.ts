import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { ArcZonalShiftClient, arcEndpoint } from './arc-client';
import { ARC_RETRY } from './budget';
import { StsIdentityVerifier, stsEndpoint } from './caller-identity';
import { CloudWatchAlarmReader, cloudWatchClient } from './cloudwatch-reader';
import { CONFIG_VARIABLE, DEFAULT_METRICS_NAMESPACE, parseConfig } from './config';
import { handleEvent, refuseForConfiguration } from './decide';
import { DrillDeps, DrillReport, isDrillEvent, runDrill } from './drill';
import { Decision, HandlerConfig, Runtime } from './types';

const runtime: Runtime = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  now: () => new Date(),
};
const logger = { log: (line: string) => process.stdout.write(`${line}\n`) };

let loaded: { config: HandlerConfig; deps: DrillDeps } | { error: string } | undefined;

/** The partition of the managed load balancers (all in the function's account and Region). */
export function partitionOf(config: HandlerConfig): string {
  return /^arn:([^:]+):/.exec(config.groups[0]?.loadBalancerArn ?? '')?.[1] ?? 'aws';
}

/**
 * Reads the configuration and builds the clients once per container. The clients talk to the
 * function's own Region (never one named by an event).
 */
function load(): { config: HandlerConfig; deps: DrillDeps } | { error: string } {
  if (!loaded) {
    try {
      const config = parseConfig(process.env);
      const region = process.env.AWS_REGION ?? 'us-east-1';
      const credentials = defaultProvider();
      const cloudwatch = cloudWatchClient({ region, credentials });
      const partition = partitionOf(config);
      loaded = {
        config,
        deps: {
          alarms: new CloudWatchAlarmReader(cloudwatch),
          shifts: new ArcZonalShiftClient({
            region,
            credentials,
            endpoint: arcEndpoint(region, partition, process.env),
            timeoutMs: ARC_RETRY.timeoutMs,
          }),
          identity: new StsIdentityVerifier(stsEndpoint(region, partition, process.env), ARC_RETRY.timeoutMs),
          runtime,
          logger,
        },
      };
    } catch (err) {
      loaded = { error: (err as Error).message };
    }
  }
  return loaded;
}

/**
 * Alarm action and reconcile schedule: starts, extends or ends this responder's ARC zonal shift
 * for the zones of the wired isolated-impact alarms, from freshly read state. Logs one decision
 * line per zone decided. A drill (`npx cdk-azi drill`) reads and decides for every zone and
 * writes nothing.
 */
export async function handler(event: unknown, context?: { getRemainingTimeInMillis?: () => number; invokedFunctionArn?: string }): Promise<Decision[] | DrillReport> {
  const current = load();
  if ('error' in current) {
    const namespace = /"namespace":"([^"]+)"/.exec(process.env[CONFIG_VARIABLE] ?? '')?.[1] ?? DEFAULT_METRICS_NAMESPACE;
    return [refuseForConfiguration(current.error, namespace, { logger, runtime })];
  }
  const remaining = context?.getRemainingTimeInMillis;
  const remainingMs = remaining ? () => remaining.call(context) : undefined;
  if (isDrillEvent(event)) {
    return runDrill(event, current.config, current.deps, { functionArn: context?.invokedFunctionArn, remainingMs });
  }
  return handleEvent(event, current.config, current.deps, { remainingMs });
}
