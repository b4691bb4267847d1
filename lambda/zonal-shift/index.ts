import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { ArcZonalShiftClient, arcEndpoint } from './arc-client';
import { CloudWatchAlarmReader } from './cloudwatch-reader';
import { DEFAULT_METRICS_NAMESPACE, parseConfig } from './config';
import { handleAlarmEvent, parseAlarmEvent, refuseForConfiguration } from './decide';
import { Decision, HandlerConfig, HandlerDeps, Runtime } from './types';

const runtime: Runtime = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  now: () => new Date(),
};
const logger = { log: (line: string) => process.stdout.write(`${line}\n`) };

let config: HandlerConfig | { error: string } | undefined;
const depsByRegion = new Map<string, HandlerDeps>();

function loadConfig(): HandlerConfig | { error: string } {
  if (!config) {
    try {
      config = parseConfig(process.env);
    } catch (err) {
      config = { error: (err as Error).message };
    }
  }
  return config;
}

function depsFor(partition: string, region: string): HandlerDeps {
  const key = `${partition}/${region}`;
  let deps = depsByRegion.get(key);
  if (!deps) {
    const credentials = defaultProvider();
    deps = {
      alarms: new CloudWatchAlarmReader(new CloudWatchClient({ region, credentials })),
      shifts: new ArcZonalShiftClient({ region, credentials, endpoint: arcEndpoint(region, partition, process.env) }),
      runtime,
      logger,
    };
    depsByRegion.set(key, deps);
  }
  return deps;
}

/**
 * CloudWatch alarm action: starts, extends or cancels an ARC zonal shift away from the one
 * Availability Zone the alarm points at. Logs one decision line per event.
 */
export async function handler(event: unknown): Promise<Decision> {
  const current = loadConfig();
  if ('error' in current) {
    return refuseForConfiguration(current.error, process.env.METRICS_NAMESPACE || DEFAULT_METRICS_NAMESPACE, { logger, runtime });
  }
  const parsed = parseAlarmEvent(event);
  const region = typeof parsed === 'string' ? process.env.AWS_REGION ?? 'us-east-1' : parsed.region;
  const partition = typeof parsed === 'string' ? 'aws' : parsed.partition;
  let deps: HandlerDeps;
  try {
    deps = depsFor(partition, region);
  } catch (err) {
    // An unusable endpoint override would otherwise throw on every call.
    return refuseForConfiguration(`cannot build the AWS clients: ${(err as Error).message}`, current.metricsNamespace, { logger, runtime });
  }
  return handleAlarmEvent(event, current, deps);
}
