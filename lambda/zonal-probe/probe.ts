import { promises as dns } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import { performance } from 'node:perf_hooks';
import { ProbeConfig, StatusRange, zonalName } from './config';

/** Where a host name points: the address to connect to and the port. */
export interface Target {
  readonly address: string;
  readonly port: number;
}

/**
 * Resolves a host name to the address to connect to. The default asks the system resolver
 * (Lambda's, or the VPC's for a function in a VPC); tests map names to local ports.
 */
export type Resolver = (hostname: string, port: number) => Promise<Target>;

/** Why a probe failed; `ok` when it did not. */
export type Outcome = 'ok' | 'status' | 'timeout' | 'dns' | 'connection';

/** The result of one request to one AZ. */
export interface ProbeResult {
  readonly availabilityZone: string;
  readonly outcome: Outcome;
  /** The response's status code, when a response arrived. */
  readonly status?: number;
  /** Seconds from the start (resolution included) to the end of the response; only with a response. */
  readonly latencySeconds?: number;
  /** Error code or message of a failed request. */
  readonly detail?: string;
}

export const systemResolver: Resolver = async (hostname, port) => {
  const { address } = await dns.lookup(hostname);
  return { address, port };
};

function expected(status: number, ranges: StatusRange[]): boolean {
  return ranges.some((range) => status >= range.from && status <= range.to);
}

class ProbeFailure extends Error {
  constructor(readonly outcome: Outcome, detail: string) {
    super(detail);
  }
}

/**
 * Sends one request to an AZ's zonal name and classifies it. A fault is anything but an expected
 * status: another status (5xx above all), a DNS failure, a refused or reset connection, a TLS
 * failure, or no complete response within the timeout (resolution included). Never throws.
 */
export async function probeZone(config: ProbeConfig, availabilityZone: string, resolve: Resolver): Promise<ProbeResult> {
  const start = performance.now();
  const hostname = zonalName(availabilityZone, config.dnsName);
  let timer: NodeJS.Timeout | undefined;
  let request: http.ClientRequest | undefined;
  let expired = false;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      expired = true;
      request?.destroy();
      reject(new ProbeFailure('timeout', `no response within ${config.timeoutMs} ms`));
    }, config.timeoutMs);
  });
  const attempt = (async (): Promise<number> => {
    let target: Target;
    try {
      target = await resolve(hostname, config.port);
    } catch (err) {
      throw new ProbeFailure('dns', (err as NodeJS.ErrnoException).code ?? (err as Error).message);
    }
    if (expired) {
      // Resolved after the deadline: the probe has given up, so nothing is sent.
      return deadline;
    }
    return new Promise<number>((resolveStatus, reject) => {
      const options: https.RequestOptions = {
        host: target.address,
        port: target.port,
        path: config.path,
        method: 'GET',
        agent: false,
        headers: { 'Host': config.hostHeader, 'User-Agent': 'cdk-azi-zonal-probe', 'Connection': 'close' },
      };
      // The zonal name is not on the certificate: ask for, and verify, the name that is.
      const req = config.protocol === 'https'
        ? https.request({ ...options, servername: config.hostHeader }, onResponse)
        : http.request(options, onResponse);
      request = req;
      function onResponse(res: http.IncomingMessage): void {
        res.on('data', () => undefined);
        res.on('end', () => resolveStatus(res.statusCode ?? 0));
        res.on('error', (err) => reject(new ProbeFailure('connection', (err as NodeJS.ErrnoException).code ?? err.message)));
      }
      req.on('error', (err) => reject(new ProbeFailure('connection', (err as NodeJS.ErrnoException).code ?? err.message)));
      req.end();
    });
  })();
  try {
    const status = await Promise.race([attempt, deadline]);
    const latencySeconds = (performance.now() - start) / 1000;
    return expected(status, config.expectedStatus)
      ? { availabilityZone, outcome: 'ok', status, latencySeconds }
      : { availabilityZone, outcome: 'status', status, latencySeconds };
  } catch (err) {
    const failure = err instanceof ProbeFailure ? err : new ProbeFailure('connection', String(err));
    return { availabilityZone, outcome: failure.outcome, detail: failure.message };
  } finally {
    clearTimeout(timer);
    attempt.catch(() => undefined);
  }
}

/**
 * One cycle: `requestsPerCycle` requests to every AZ, all at once, from this one place. A fault
 * on the probe's side (its network, its resolver) hits every AZ in the same cycle.
 */
export async function runCycle(config: ProbeConfig, resolve: Resolver): Promise<ProbeResult[]> {
  const requests: Array<Promise<ProbeResult>> = [];
  for (const az of config.availabilityZones) {
    for (let i = 0; i < config.requestsPerCycle; i++) {
      requests.push(probeZone(config, az, resolve));
    }
  }
  return Promise.all(requests);
}
