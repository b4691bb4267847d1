import { AlarmStateValue } from './alarm-rule';

/** The fixed input of the reconcile schedule. */
export const RECONCILE_EVENT = { source: 'cdk-azi.zonal-shift', action: 'reconcile' } as const;

/** What invoked the function, after parsing the event once. */
export type Trigger =
  | { readonly kind: 'alarm'; readonly alarmName: string; readonly alarmArn: string; readonly partition: string; readonly region: string; readonly account: string; readonly state: AlarmStateValue }
  | { readonly kind: 'reconcile' }
  | { readonly kind: 'malformed'; readonly reason: string };

const ALARM_ARN = /^arn:(aws[a-z-]*):cloudwatch:([a-z0-9-]+):(\d{12}):alarm:(.+)$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses an invocation: a CloudWatch alarm-action event, or the reconcile schedule's fixed input.
 * Anything else is `malformed`, with the reason. The event only says which zone to look at: the
 * decision never reads the event's alarm state.
 */
export function parseEvent(event: unknown): Trigger {
  const malformed = (reason: string): Trigger => ({ kind: 'malformed', reason });
  if (!isRecord(event)) {
    return malformed('event is not an object');
  }
  if (event.source === RECONCILE_EVENT.source && event.action === RECONCILE_EVENT.action) {
    return { kind: 'reconcile' };
  }
  if (event.source !== 'aws.cloudwatch') {
    return malformed('event source is not aws.cloudwatch');
  }
  if (typeof event.alarmArn !== 'string') {
    return malformed('event has no alarmArn');
  }
  const arn = ALARM_ARN.exec(event.alarmArn);
  if (!arn) {
    return malformed('alarmArn is not a CloudWatch alarm ARN');
  }
  const [, partition, region, account, arnName] = arn;
  if (event.region !== region || event.accountId !== account) {
    return malformed('event region or accountId does not match alarmArn');
  }
  const data = event.alarmData;
  if (!isRecord(data) || data.alarmName !== arnName) {
    return malformed('alarmData.alarmName does not match alarmArn');
  }
  const state = isRecord(data.state) ? data.state.value : undefined;
  if (state !== 'ALARM' && state !== 'OK' && state !== 'INSUFFICIENT_DATA') {
    return malformed('alarmData.state.value is not an alarm state');
  }
  return { kind: 'alarm', alarmName: arnName, alarmArn: event.alarmArn, partition, region, account, state };
}
