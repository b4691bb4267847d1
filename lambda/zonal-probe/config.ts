/** Everything the probe function reads from its environment. */
export interface ProbeConfig {
  /** The load balancer's regional DNS name, without a `dualstack.` prefix, lower case. */
  readonly dnsName: string;
  /** AZ names to probe, in order. */
  readonly availabilityZones: string[];
  /** Value of the `LoadBalancer` dimension (`app/name/id`). */
  readonly loadBalancerDimension: string;
  readonly protocol: 'http' | 'https';
  readonly port: number;
  /** Request path, starting with `/`. */
  readonly path: string;
  /** Host header and TLS server name: the regional DNS name unless another host name is given. */
  readonly hostHeader: string;
  /** Status codes that count as success. */
  readonly expectedStatus: StatusRange[];
  /** Per-request limit, DNS resolution included. */
  readonly timeoutMs: number;
  /** Time between the starts of two cycles. */
  readonly intervalMs: number;
  /** Requests per AZ per cycle. */
  readonly requestsPerCycle: number;
  /** How long one invocation keeps starting cycles. */
  readonly runForMs: number;
  readonly namespace: string;
  readonly faultRateMetric: string;
  readonly latencyMetric: string;
  readonly cyclesMetric: string;
}

/** An inclusive range of HTTP status codes. */
export interface StatusRange {
  readonly from: number;
  readonly to: number;
}

function required(env: Record<string, string | undefined>, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new Error(`${name} is not set`);
  }
  return value.trim();
}

function positiveInteger(env: Record<string, string | undefined>, name: string): number {
  const raw = required(env, name);
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got '${raw}'`);
  }
  return value;
}

/**
 * Parses `200`, `200-299`, `200,204,301-302` into inclusive ranges; throws for anything else.
 */
export function parseStatusCodes(raw: string): StatusRange[] {
  return raw.split(',').map((part) => {
    const match = /^\s*(\d{3})(?:\s*-\s*(\d{3}))?\s*$/.exec(part);
    if (!match) {
      throw new Error(`EXPECTED_STATUS_CODES entry '${part}' is not a status code or a range such as 200-299`);
    }
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (from < 100 || to > 599 || from > to) {
      throw new Error(`EXPECTED_STATUS_CODES entry '${part}' is not a range of HTTP status codes`);
    }
    return { from, to };
  });
}

/** The regional name with a `dualstack.` prefix removed, lower case. */
export function regionalName(dnsName: string): string {
  const name = dnsName.trim().toLowerCase().replace(/\.$/, '');
  return name.startsWith('dualstack.') ? name.slice('dualstack.'.length) : name;
}

/** `<az-name>.<regional name>`: the name that reaches only that AZ's load balancer node. */
export function zonalName(availabilityZone: string, dnsName: string): string {
  return `${availabilityZone.toLowerCase()}.${regionalName(dnsName)}`;
}

/** Reads the configuration; throws an Error naming the bad variable. */
export function parseConfig(env: Record<string, string | undefined>): ProbeConfig {
  const dnsName = regionalName(required(env, 'LOAD_BALANCER_DNS_NAME'));
  let zones: unknown;
  try {
    zones = JSON.parse(required(env, 'AVAILABILITY_ZONES'));
  } catch (err) {
    throw new Error(`AVAILABILITY_ZONES must be a JSON array of AZ names: ${(err as Error).message}`);
  }
  if (!Array.isArray(zones) || zones.length === 0 || zones.some((az) => typeof az !== 'string' || !/^[a-z0-9-]+$/.test(az))) {
    throw new Error('AVAILABILITY_ZONES must be a non-empty JSON array of AZ names such as "us-east-1a"');
  }
  const protocol = required(env, 'PROTOCOL');
  if (protocol !== 'http' && protocol !== 'https') {
    throw new Error(`PROTOCOL must be 'http' or 'https', got '${protocol}'`);
  }
  const path = required(env, 'PROBE_PATH');
  if (!path.startsWith('/')) {
    throw new Error(`PROBE_PATH must start with '/', got '${path}'`);
  }
  const port = positiveInteger(env, 'PORT');
  if (port > 65535) {
    throw new Error(`PORT must be at most 65535, got ${port}`);
  }
  const timeoutMs = positiveInteger(env, 'TIMEOUT_MS');
  const intervalMs = positiveInteger(env, 'INTERVAL_MS');
  if (timeoutMs >= intervalMs) {
    throw new Error(`TIMEOUT_MS (${timeoutMs}) must be shorter than INTERVAL_MS (${intervalMs}), so one cycle ends before the next starts`);
  }
  return {
    dnsName,
    availabilityZones: zones as string[],
    loadBalancerDimension: required(env, 'LOAD_BALANCER_DIMENSION'),
    protocol,
    port,
    path,
    hostHeader: env.HOST_HEADER?.trim() ? env.HOST_HEADER.trim().toLowerCase() : dnsName,
    expectedStatus: parseStatusCodes(required(env, 'EXPECTED_STATUS_CODES')),
    timeoutMs,
    intervalMs,
    requestsPerCycle: positiveInteger(env, 'REQUESTS_PER_CYCLE'),
    runForMs: positiveInteger(env, 'RUN_FOR_MS'),
    namespace: required(env, 'METRICS_NAMESPACE'),
    faultRateMetric: required(env, 'FAULT_RATE_METRIC'),
    latencyMetric: required(env, 'LATENCY_METRIC'),
    cyclesMetric: required(env, 'CYCLES_METRIC'),
  };
}
