import { HandlerConfig } from './types';

/** Default namespace of the decision metrics. */
export const DEFAULT_METRICS_NAMESPACE = 'CdkAzi/ZonalShift';

const EXPIRES_IN = /^([1-9][0-9]*)(m|h)$/;
const MAX_EXPIRY_MINUTES = 72 * 60;

/** Validates an ARC `expiresIn` value: `<n>m` or `<n>h`, at most 72 hours. */
export function isValidExpiresIn(value: string): boolean {
  const match = EXPIRES_IN.exec(value);
  if (!match) {
    return false;
  }
  const minutes = Number(match[1]) * (match[2] === 'h' ? 60 : 1);
  return minutes <= MAX_EXPIRY_MINUTES;
}

function parseJson(name: string, raw: string | undefined): unknown {
  if (raw === undefined || raw.trim() === '') {
    throw new Error(`${name} is not set`);
  }
  try {
    return JSON.parse(raw);
  } catch {
    throw new Error(`${name} is not valid JSON`);
  }
}

function parseBoolean(name: string, raw: string | undefined): boolean {
  if (raw === undefined || raw === '') {
    return false;
  }
  if (raw !== 'true' && raw !== 'false') {
    throw new Error(`${name} must be 'true' or 'false', got '${raw}'`);
  }
  return raw === 'true';
}

/**
 * Reads the function's configuration from its environment; throws an Error naming the bad
 * variable. Unset booleans are false, an unset expiry is `60m`.
 */
export function parseConfig(env: Record<string, string | undefined>): HandlerConfig {
  const arns = parseJson('MANAGED_LOAD_BALANCER_ARNS', env.MANAGED_LOAD_BALANCER_ARNS);
  if (!Array.isArray(arns) || arns.some((arn) => typeof arn !== 'string' || !arn.startsWith('arn:'))) {
    throw new Error('MANAGED_LOAD_BALANCER_ARNS must be a JSON array of load balancer ARNs');
  }
  const map = parseJson('AZ_ID_MAP', env.AZ_ID_MAP);
  if (typeof map !== 'object' || map === null || Array.isArray(map)
    || Object.values(map).some((id) => typeof id !== 'string' || id === '')) {
    throw new Error('AZ_ID_MAP must be a JSON object of AZ name to AZ ID');
  }
  const shiftExpiresIn = env.SHIFT_EXPIRES_IN ?? '60m';
  if (!isValidExpiresIn(shiftExpiresIn)) {
    throw new Error(`SHIFT_EXPIRES_IN must match ^([1-9][0-9]*)(m|h)$ and be at most 72h, got '${shiftExpiresIn}'`);
  }
  const namespace = env.METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE;
  if (namespace.trim() === '') {
    throw new Error('METRICS_NAMESPACE must not be empty');
  }
  return {
    managedLoadBalancerArns: arns as string[],
    azIdMap: { ...(map as Record<string, string>) },
    shiftExpiresIn,
    endShiftOnRecovery: parseBoolean('END_SHIFT_ON_RECOVERY', env.END_SHIFT_ON_RECOVERY),
    dryRun: parseBoolean('DRY_RUN', env.DRY_RUN),
    metricsNamespace: namespace,
  };
}
