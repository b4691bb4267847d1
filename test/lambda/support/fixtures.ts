import { CompositeAlarm, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { AlarmStateValue } from '../../../lambda/zonal-shift/alarm-rule';

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

export const alarmArn = (name: string, region = REGION, account = ACCOUNT, partition = 'aws') =>
  `arn:${partition}:cloudwatch:${region}:${account}:alarm:${name}`;

/** A plain metric alarm on an ALB metric of one AZ. */
export function metricAlarm(name: string, opts: { az?: string; lb?: string; state?: AlarmStateValue } = {}): MetricAlarm {
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
    Namespace: 'AWS/ApplicationELB',
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
  const dims = [{ Name: 'LoadBalancer', Value: opts.lb }, { Name: 'AvailabilityZone', Value: opts.az }];
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

export function compositeAlarm(name: string, rule: string, state: AlarmStateValue = 'OK'): CompositeAlarm {
  return { AlarmName: name, AlarmArn: alarmArn(name), AlarmRule: rule, StateValue: state };
}

const quoted = (name: string) => `ALARM("${alarmArn(name)}")`;

/**
 * The detection tree for one load balancer over three AZs, as aws-cdk-lib renders it:
 * per AZ a 5xx metric alarm and a 5xx-rate math alarm, an `impaired` composite over both, and an
 * `isolated` composite (this AZ impaired and no other).
 */
export function detectionTree(impaired: string[], lb = LB_DIM, azs = AZS): { metric: MetricAlarm[]; composite: CompositeAlarm[] } {
  const metric: MetricAlarm[] = [];
  const composite: CompositeAlarm[] = [];
  for (const az of azs) {
    const state: AlarmStateValue = impaired.includes(az) ? 'ALARM' : 'OK';
    metric.push(metricAlarm(`${az}-5xx`, { az, lb, state }));
    metric.push(mathAlarm(`${az}-5xx-rate`, { az, lb, state }));
    composite.push(compositeAlarm(`${az}-impaired`, `(${quoted(`${az}-5xx`)} OR ${quoted(`${az}-5xx-rate`)})`, state));
  }
  for (const az of azs) {
    const others = azs.filter((other) => other !== az).map((other) => quoted(`${other}-impaired`));
    const isolated = impaired.length === 1 && impaired[0] === az;
    composite.push(compositeAlarm(`${az}-isolated`, `(${quoted(`${az}-impaired`)} AND (NOT (${others.join(' OR ')})))`, isolated ? 'ALARM' : 'OK'));
  }
  return { metric, composite };
}

/** A CloudWatch alarm-action event for the named alarm. */
export function alarmEvent(name: string, state: AlarmStateValue, opts: { previous?: AlarmStateValue; composite?: boolean } = {}): Record<string, unknown> {
  const time = '2024-05-01T12:00:00.000+0000';
  return {
    source: 'aws.cloudwatch',
    alarmArn: alarmArn(name),
    accountId: ACCOUNT,
    time,
    region: REGION,
    alarmData: {
      alarmName: name,
      state: {
        value: state,
        reason: 'Threshold Crossed',
        reasonData: opts.composite === false ? '{}' : JSON.stringify({ triggeringAlarms: [] }),
        timestamp: time,
      },
      previousState: { value: opts.previous ?? (state === 'ALARM' ? 'OK' : 'ALARM'), timestamp: time },
      configuration: { alarmRule: 'ALARM(x)' },
    },
  };
}

/**
 * The environment under which the real handler reaches only the local ARC and CloudWatch servers:
 * static test credentials, no instance metadata, endpoint overrides, and the construct's settings.
 */
export function localHandlerEnvironment(
  arc: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly endpoint: string },
  cloudwatch: { readonly endpoint: string },
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
    MANAGED_LOAD_BALANCER_ARNS: JSON.stringify([LB_ARN]),
    AZ_ID_MAP: JSON.stringify(AZ_ID_MAP),
    SHIFT_EXPIRES_IN: '30m',
    END_SHIFT_ON_RECOVERY: 'true',
    DRY_RUN: 'false',
    METRICS_NAMESPACE: 'CdkAzi/ZonalShift',
  };
}
