import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { ArcZonalShiftClient, arcEndpoint } from './arc-client';
import { ARC_RETRY } from './budget';
import { CloudWatchAlarmReader, cloudWatchClient } from './cloudwatch-reader';
import { CONFIG_VARIABLE, DEFAULT_METRICS_NAMESPACE, parseConfig } from './config';
import { handleEvent, refuseForConfiguration } from './decide';
import { Decision, HandlerConfig, HandlerDeps, Runtime } from './types';

const runtime: Runtime = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  now: () => new Date(),
};
const logger = { log: (line: string) => process.stdout.write(`${line}\n`) };

let loaded: { config: HandlerConfig; deps: HandlerDeps } | { error: string } | undefined;

/** The partition of the managed load balancers (all in the function's account and Region). */
function partitionOf(config: HandlerConfig): string {
  return /^arn:([^:]+):/.exec(config.groups[0]?.loadBalancerArn ?? '')?.[1] ?? 'aws';
}

/**
 * Reads the configuration and builds the clients once per container. The clients talk to the
 * function's own Region (never one named by an event).
 */
function load(): { config: HandlerConfig; deps: HandlerDeps } | { error: string } {
  if (!loaded) {
    try {
      const config = parseConfig(process.env);
      const region = process.env.AWS_REGION ?? 'us-east-1';
      const credentials = defaultProvider();
      const cloudwatch = cloudWatchClient({ region, credentials });
      loaded = {
        config,
        deps: {
          alarms: new CloudWatchAlarmReader(cloudwatch),
          shifts: new ArcZonalShiftClient({
            region,
            credentials,
            endpoint: arcEndpoint(region, partitionOf(config), process.env),
            timeoutMs: ARC_RETRY.timeoutMs,
          }),
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
 * line per zone decided.
 */
export async function handler(event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<Decision[]> {
  const current = load();
  if ('error' in current) {
    const namespace = /"namespace":"([^"]+)"/.exec(process.env[CONFIG_VARIABLE] ?? '')?.[1] ?? DEFAULT_METRICS_NAMESPACE;
    return [refuseForConfiguration(current.error, namespace, { logger, runtime })];
  }
  const remaining = context?.getRemainingTimeInMillis;
  return handleEvent(event, current.config, current.deps, { remainingMs: remaining ? () => remaining.call(context) : undefined });
}
