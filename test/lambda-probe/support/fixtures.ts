export const DNS_NAME = 'shop-1234567890.us-east-1.elb.amazonaws.com';
export const LB_DIMENSION = 'app/shop/50dc6c495c0c9188';

/** The probe function's environment as the construct renders it, with the given changes. */
export function env(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    LOAD_BALANCER_DNS_NAME: `dualstack.${DNS_NAME}`,
    AVAILABILITY_ZONES: JSON.stringify(['us-east-1a', 'us-east-1b']),
    LOAD_BALANCER_DIMENSION: LB_DIMENSION,
    PROTOCOL: 'http',
    PORT: '80',
    PROBE_PATH: '/health',
    EXPECTED_STATUS_CODES: '200-299',
    TIMEOUT_MS: '300',
    INTERVAL_MS: '400',
    REQUESTS_PER_CYCLE: '1',
    RUN_FOR_MS: '400',
    METRICS_NAMESPACE: 'CdkAzi/Probes',
    FAULT_RATE_METRIC: 'FaultRate',
    LATENCY_METRIC: 'Latency',
    CYCLES_METRIC: 'Cycles',
    ...overrides,
  };
}
