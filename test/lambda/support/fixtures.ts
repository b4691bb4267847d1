import { CompositeAlarm, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { AlarmStateValue } from '../../../lambda/zonal-shift/alarm-rule';
import { RawConfig } from '../../../lambda/zonal-shift/config';

export const ACCOUNT = '111111111111';
export const REGION = 'us-east-1';
export const LB_DIM = 'app/web/0123456789abcdef';
export const OTHER_LB_DIM = 'app/other/fedcba9876543210';
export const lbArn = (dim: string, region = REGION, account = ACCOUNT, partition = 'aws') =>
  `arn:${partition}:elasticloadbalancing:${region}:${account}:loadbalancer/${dim}`;
export const LB_ARN = lbArn(LB_DIM);
export const OTHER_LB_ARN = lbArn(OTHER_LB_DIM);
export const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
export const AZ_ID_MAP: Record<string, string> = { 'us-east-1a': 'use1-az6', 'us-east-1b': 'use1-az1', 'us-east-1c': 'use1-az2' };
export const OWNER = 'a1b2c3d4e5';
/** The zonal-shift function the isolated-impact alarms invoke. */
export const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:CdkAziReference-ServiceZonalShiftHandler7283-AbCdEf123456`;
/** The exact comment of our shift away from a zone. */
export const ourComment = (az: string, owner = OWNER) => `cdk-azi:${owner} isolated impact in ${az}`;

export const alarmArn = (name: string, region = REGION, account = ACCOUNT, partition = 'aws') =>
  `arn:${partition}:cloudwatch:${region}:${account}:alarm:${name}`;

const ALB_DIMENSIONS = (lb: string, az: string) => [{ Name: 'LoadBalancer', Value: lb }, { Name: 'AvailabilityZone', Value: az }];

/** A plain metric alarm on an ALB metric of one AZ. */
export function metricAlarm(name: string, opts: { az?: string; lb?: string; state?: AlarmStateValue; namespace?: string } = {}): MetricAlarm {
  const dimensions = [];
  if (opts.lb !== undefined) {
    dimensions.push({ Name: 'LoadBalancer', Value: opts.lb });
  }
  if (opts.az !== undefined) {
    dimensions.push({ Name: 'AvailabilityZone', Value: opts.az });
  }
  return {
    AlarmName: name,
    AlarmArn: alarmArn(name),
    StateValue: opts.state ?? 'OK',
    Namespace: opts.namespace ?? 'AWS/ApplicationELB',
    MetricName: 'HTTPCode_Target_5XX_Count',
    Dimensions: dimensions,
    Statistic: 'Sum',
    Period: 60,
    EvaluationPeriods: 3,
    Threshold: 5,
    ComparisonOperator: 'GreaterThanThreshold',
  };
}

/** A metric math alarm (5xx rate) whose members carry the dimensions. */
export function mathAlarm(name: string, opts: { az: string; lb: string; state?: AlarmStateValue }): MetricAlarm {
  const dims = ALB_DIMENSIONS(opts.lb, opts.az);
  return {
    AlarmName: name,
    AlarmArn: alarmArn(name),
    StateValue: opts.state ?? 'OK',
    EvaluationPeriods: 3,
    Threshold: 5,
    ComparisonOperator: 'GreaterThanThreshold',
    Metrics: [
      { Id: 'errors', ReturnData: false, MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'HTTPCode_Target_5XX_Count', Dimensions: dims }, Period: 60, Stat: 'Sum' } },
      { Id: 'requests', ReturnData: false, MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: dims }, Period: 60, Stat: 'Sum' } },
      { Id: 'rate', ReturnData: true, Expression: '100 * errors / requests' },
    ],
  };
}

/** An outlier alarm: this AZ's fault rate against every AZ's, so its metrics name several AZs. */
export function outlierAlarm(name: string, opts: { az: string; lb: string; azs: string[] }): MetricAlarm {
  return {
    AlarmName: name,
    AlarmArn: alarmArn(name),
    StateValue: 'OK',
    EvaluationPeriods: 3,
    Threshold: 3,
    ComparisonOperator: 'GreaterThanThreshold',
    Metrics: opts.azs.map((az, i) => ({
      Id: `e${i}`,
      ReturnData: false,
      MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'HTTPCode_Target_5XX_Count', Dimensions: ALB_DIMENSIONS(opts.lb, az) }, Period: 60, Stat: 'Sum' },
    })).concat([{ Id: 'ratio', ReturnData: true, Expression: 'e0 / AVG([e1, e2])' } as never]),
  };
}

export function compositeAlarm(name: string, rule: string, state: AlarmStateValue = 'OK'): CompositeAlarm {
  return { AlarmName: name, AlarmArn: alarmArn(name), AlarmRule: rule, StateValue: state };
}

export const quoted = (name: string) => `ALARM("${alarmArn(name)}")`;

/** The alarm names of one zone in {@link detectionTree}. */
export function zoneNames(az: string) {
  return {
    errors: `${az}-5xx`,
    rate: `${az}-5xx-rate`,
    outlier: `${az}-outlier`,
    probe: `${az}-probe`,
    impaired: `${az}-impaired`,
    isolated: `${az}-isolated`,
  };
}

/** Options of {@link detectionTree}. */
export interface TreeOptions {
  readonly lb?: string;
  readonly azs?: string[];
  /** Whether the probe alarm is part of the zone's impaired composite (default true). */
  readonly probesInImpaired?: boolean;
}

/**
 * The detection tree for one load balancer, as the service builds it: per AZ a 5xx metric alarm,
 * a 5xx-rate math alarm, an outlier alarm reading every AZ, a probe alarm (which keeps measuring
 * a shifted AZ), an `impaired` composite over them, and an `isolated` composite (this AZ
 * impaired and no other). States are consistent with `impaired` (ALB and probe alarms in ALARM).
 */
export function detectionTree(impaired: string[], opts: TreeOptions = {}): { metric: MetricAlarm[]; composite: CompositeAlarm[] } {
  const lb = opts.lb ?? LB_DIM;
  const azs = opts.azs ?? AZS;
  const withProbes = opts.probesInImpaired ?? true;
  const metric: MetricAlarm[] = [];
  const composite: CompositeAlarm[] = [];
  for (const az of azs) {
    const state: AlarmStateValue = impaired.includes(az) ? 'ALARM' : 'OK';
    const names = zoneNames(az);
    metric.push(metricAlarm(names.errors, { az, lb, state }));
    metric.push(mathAlarm(names.rate, { az, lb, state }));
    metric.push(outlierAlarm(names.outlier, { az, lb, azs: [az, ...azs.filter((other) => other !== az)] }));
    metric.push(metricAlarm(names.probe, { az, lb, state, namespace: 'CdkAzi/Probes' }));
    const children = [names.errors, names.rate, names.outlier, ...(withProbes ? [names.probe] : [])];
    composite.push(compositeAlarm(names.impaired, `(${children.map(quoted).join(' OR ')})`, state));
  }
  for (const az of azs) {
    const others = azs.filter((other) => other !== az).map((other) => quoted(zoneNames(other).impaired));
    const isolated = impaired.length === 1 && impaired[0] === az;
    composite.push({
      ...compositeAlarm(zoneNames(az).isolated, `(${quoted(zoneNames(az).impaired)} AND (NOT (${others.join(' OR ')})))`, isolated ? 'ALARM' : 'OK'),
      ActionsEnabled: true,
      AlarmActions: [FUNCTION_ARN],
      OKActions: [FUNCTION_ARN],
    });
  }
  return { metric, composite };
}

/** Options of {@link rawConfig}. */
export interface ConfigOptions {
  readonly azs?: string[];
  readonly withRecovery?: boolean;
  readonly expiresIn?: string;
  readonly endOnRecovery?: boolean;
  readonly recoverySeconds?: number;
  readonly dryRun?: boolean;
  /** Extra wired alarms: name and zone (same impaired/dimension/recovery alarms as the zone's). */
  readonly extraWired?: Array<{ name: string; az: string }>;
}

/** The configuration the construct would render for {@link detectionTree}. */
export function rawConfig(opts: ConfigOptions = {}): RawConfig {
  const azs = opts.azs ?? AZS;
  const names: string[] = [];
  const index = (name: string) => (names.includes(name) ? names.indexOf(name) : names.push(name) - 1);
  const wired = [...azs.map((az) => ({ name: zoneNames(az).isolated, az })), ...(opts.extraWired ?? [])];
  return {
    owner: OWNER,
    expiresIn: opts.expiresIn ?? '30m',
    endOnRecovery: opts.endOnRecovery ?? true,
    recoverySeconds: opts.recoverySeconds ?? 300,
    dryRun: opts.dryRun ?? false,
    namespace: 'CdkAzi/ZonalShift',
    timeoutSeconds: 90,
    zoneIds: Object.fromEntries(azs.map((az) => [az, AZ_ID_MAP[az]])),
    loadBalancers: [LB_ARN],
    names,
    alarms: wired.map(({ name, az }) => ({
      alarm: index(name),
      lb: 0,
      az,
      impaired: [index(zoneNames(az).impaired)],
      others: azs.filter((other) => other !== az).map((other) => index(zoneNames(other).impaired)),
      dims: [index(zoneNames(az).errors), index(zoneNames(az).rate)],
      recovery: opts.withRecovery === false ? [] : [index(zoneNames(az).probe)],
    })),
  };
}

/** A CloudWatch alarm-action event for the named alarm. */
export function alarmEvent(name: string, state: AlarmStateValue, opts: { previous?: AlarmStateValue; account?: string; region?: string } = {}): Record<string, unknown> {
  const time = '2024-05-01T12:00:00.000+0000';
  const region = opts.region ?? REGION;
  const account = opts.account ?? ACCOUNT;
  return {
    source: 'aws.cloudwatch',
    alarmArn: alarmArn(name, region, account),
    accountId: account,
    time,
    region,
    alarmData: {
      alarmName: name,
      state: { value: state, reason: 'Threshold Crossed', reasonData: JSON.stringify({ triggeringAlarms: [] }), timestamp: time },
      previousState: { value: opts.previous ?? (state === 'ALARM' ? 'OK' : 'ALARM'), timestamp: time },
      configuration: { alarmRule: 'ALARM(x)' },
    },
  };
}

/** The reconcile schedule's fixed input. */
export const RECONCILE = { source: 'cdk-azi.zonal-shift', action: 'reconcile' };

/**
 * The environment under which the real handler reaches only the local ARC and CloudWatch servers:
 * static test credentials, no instance metadata, endpoint overrides, and the configuration.
 */
export function localHandlerEnvironment(
  arc: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly endpoint: string },
  cloudwatch: { readonly endpoint: string },
  config: RawConfig = rawConfig(),
): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: arc.accessKeyId,
    AWS_SECRET_ACCESS_KEY: arc.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/nonexistent/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_CLOUDWATCH: cloudwatch.endpoint,
    AWS_ENDPOINT_URL_ARC_ZONAL_SHIFT: arc.endpoint,
    ZONAL_SHIFT_CONFIG: JSON.stringify(config),
  };
}
