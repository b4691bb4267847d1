import {
  Annotations,
  Stack,
  Token,
  TokenComparison,
  aws_arczonalshift as arczonalshift,
  aws_cloudwatch as cloudwatch,
  aws_elasticloadbalancingv2 as elbv2,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * CloudFormation's limits on a practice run configuration. The ARC API takes up to 10 outcome and
 * 10 blocking alarms, but the CloudFormation resource takes one of each, and 15 blocked dates and
 * windows; several alarms go into one composite alarm.
 */
const MAX_OUTCOME_ALARMS = 1;
const MAX_BLOCKING_ALARMS = 1;
const MAX_BLOCKED_DATES = 15;
const MAX_BLOCKED_WINDOWS = 15;
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const WINDOW = /^([A-Za-z]{3}):(\d{2}):(\d{2})-([A-Za-z]{3}):(\d{2}):(\d{2})$/;

/**
 * Properties of a {@link ZonalAutoshift}.
 */
export interface ZonalAutoshiftProps {
  /**
   * The load balancer AWS may shift away from an impaired Availability Zone. Zonal shift must be
   * enabled on it (`ZonalFleet` does that), and cross-zone load balancing must be off in its
   * target groups.
   */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;

  /**
   * The target groups behind the load balancer, checked for cross-zone load balancing being off.
   * With cross-zone load balancing on, every load balancer node keeps sending requests to the
   * targets of the AZ that was shifted away from, so a shift does not take the AZ out.
   *
   * @default - none checked; a warning says the check was skipped
   */
  readonly targetGroups?: elbv2.IApplicationTargetGroup[];

  /**
   * Alarms that end a practice run as FAILED when one of them goes to ALARM: alarms that fire when
   * losing one AZ's capacity hurts customers. Choose regional, customer-facing alarms (the whole
   * load balancer's fault rate, the regional-impact alarm), not the per-AZ alarms of the zone
   * being drained. Exactly one, as the CloudFormation resource takes (combine several in a
   * composite alarm).
   */
  readonly outcomeAlarms: cloudwatch.IAlarm[];

  /**
   * Alarms that keep practice runs from starting, and end a running one, while any of them is in
   * ALARM: for example the regional-impact alarm and each AZ's isolated-impact alarm (a practice
   * run that takes one AZ away while another AZ is impaired would leave one healthy AZ). At most
   * one, as the CloudFormation resource takes: combine several in a composite alarm.
   *
   * @default - no blocking alarms
   */
  readonly blockingAlarms?: cloudwatch.IAlarm[];

  /**
   * Dates on which ARC starts no practice run, `YYYY-MM-DD` in UTC (release days, peak days);
   * at most 15.
   *
   * @default - no blocked dates
   */
  readonly blockedDates?: string[];

  /**
   * Weekly windows in which ARC starts no practice run, `DAY:HH:MM-DAY:HH:MM` in UTC with
   * `DAY` one of Mon, Tue, Wed, Thu, Fri, Sat, Sun (any case; rendered as ARC's pattern
   * requires); a window starts and ends on the same day (for example `Fri:16:00-Fri:23:59`);
   * at most 15.
   *
   * @default - no blocked windows
   */
  readonly blockedWindows?: string[];

  /**
   * Whether AWS may shift traffic away from an AZ it sees as impaired (zonal autoshift). Off, the
   * practice run configuration still exists and ARC still runs weekly practice runs.
   *
   * @default true
   */
  readonly autoshiftEnabled?: boolean;
}

/**
 * Zonal autoshift for a load balancer, with the practice run configuration AWS requires: outcome
 * alarms that judge each weekly practice run, blocking alarms that hold practice runs back while
 * the service is already in trouble, and blocked dates and windows.
 *
 * Precedence on one load balancer (ARC's rules): a customer zonal shift (a person's, or the
 * zonal-shift function's) overrides an autoshift, which overrides a practice run; starting a
 * customer shift ends a running practice run. The zonal-shift function never starts a shift while
 * an autoshift is away from another AZ.
 */
export class ZonalAutoshift extends Construct {
  /** The CloudFormation resource. */
  public readonly resource: arczonalshift.CfnZonalAutoshiftConfiguration;
  /** Whether zonal autoshift is enabled (practice runs run either way). */
  public readonly autoshiftEnabled: boolean;

  constructor(scope: Construct, id: string, props: ZonalAutoshiftProps) {
    super(scope, id);

    const blockingAlarms = props.blockingAlarms ?? [];
    if (props.outcomeAlarms.length !== MAX_OUTCOME_ALARMS) {
      throw new Error(`outcomeAlarms has ${props.outcomeAlarms.length} alarms; the CloudFormation resource takes exactly ${MAX_OUTCOME_ALARMS}. Pass the service's regional, customer-facing alarm, or combine several in a composite alarm.`);
    }
    if (blockingAlarms.length > MAX_BLOCKING_ALARMS) {
      throw new Error(`blockingAlarms has ${blockingAlarms.length} alarms; the CloudFormation resource takes at most ${MAX_BLOCKING_ALARMS}. Combine them in a composite alarm (AlarmRule.anyOf) and pass that.`);
    }
    if ((props.blockedDates ?? []).length > MAX_BLOCKED_DATES || (props.blockedWindows ?? []).length > MAX_BLOCKED_WINDOWS) {
      throw new Error(`blockedDates has ${(props.blockedDates ?? []).length} and blockedWindows ${(props.blockedWindows ?? []).length} entries; ARC takes at most ${MAX_BLOCKED_DATES} of each. Drop past dates or merge windows.`);
    }
    const blockedDates = (props.blockedDates ?? []).map(validateBlockedDate);
    const blockedWindows = (props.blockedWindows ?? []).map(validateBlockedWindow);
    const stack = Stack.of(this);
    props.outcomeAlarms.forEach((alarm, index) => requireSameEnvironment(stack, alarm, `outcomeAlarms[${index}]`));
    blockingAlarms.forEach((alarm, index) => requireSameEnvironment(stack, alarm, `blockingAlarms[${index}]`));
    this.autoshiftEnabled = props.autoshiftEnabled ?? true;

    const condition = (alarm: cloudwatch.IAlarm) => ({ type: 'CLOUDWATCH', alarmIdentifier: alarm.alarmArn });
    this.resource = new arczonalshift.CfnZonalAutoshiftConfiguration(this, 'Resource', {
      resourceIdentifier: props.loadBalancer.loadBalancerArn,
      zonalAutoshiftStatus: this.autoshiftEnabled ? 'ENABLED' : 'DISABLED',
      practiceRunConfiguration: {
        outcomeAlarms: props.outcomeAlarms.map(condition),
        blockingAlarms: blockingAlarms.length > 0 ? blockingAlarms.map(condition) : undefined,
        blockedDates: blockedDates.length > 0 ? blockedDates : undefined,
        blockedWindows: blockedWindows.length > 0 ? blockedWindows : undefined,
      },
    });

    // Attributes can still be set after this construct is created, so they are read at synthesis.
    this.node.addValidation({ validate: () => checkLoadBalancer(props.loadBalancer) });
    if (props.targetGroups === undefined || props.targetGroups.length === 0) {
      Annotations.of(this).addWarningV2('cdk-azi:ZonalAutoshift.crossZoneUnchecked',
        'No targetGroups given, so cross-zone load balancing was not checked; with it on, a shift does not take an AZ out. Pass the load balancer\'s target groups.');
    } else {
      const targetGroups = props.targetGroups;
      this.node.addValidation({ validate: () => targetGroups.flatMap(checkCrossZoneOff) });
    }
  }
}

function validateBlockedDate(value: string): string {
  if (Token.isUnresolved(value)) {
    return value;
  }
  const match = DATE.exec(value);
  const valid = match !== null && (() => {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const date = new Date(Date.UTC(year, month - 1, day));
    return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  })();
  if (!valid) {
    throw new Error(`blockedDates entry '${value}' is not a calendar date in the form YYYY-MM-DD (UTC), e.g. '2026-12-24'.`);
  }
  return value;
}

function validateBlockedWindow(value: string): string {
  if (Token.isUnresolved(value)) {
    return value;
  }
  const match = WINDOW.exec(value);
  const fix = "use DAY:HH:MM-DAY:HH:MM in UTC with DAY one of Mon..Sun, starting and ending on the same day, e.g. 'Fri:16:00-Fri:23:59'";
  if (!match) {
    throw new Error(`blockedWindows entry '${value}' is not a weekly window: ${fix}.`);
  }
  const [startDay, startHour, startMinute, endDay, endHour, endMinute] = match.slice(1);
  const day = (text: string) => DAYS.find((d) => d.toLowerCase() === text.toLowerCase());
  if (!day(startDay) || !day(endDay)) {
    throw new Error(`blockedWindows entry '${value}' names an unknown day: ${fix}.`);
  }
  const times = [[startHour, startMinute], [endHour, endMinute]].map(([h, m]) => ({ h: Number(h), m: Number(m) }));
  if (times.some(({ h, m }) => h > 23 || m > 59)) {
    throw new Error(`blockedWindows entry '${value}' has a time outside 00:00-23:59: ${fix}.`);
  }
  if (day(startDay) !== day(endDay)) {
    throw new Error(`blockedWindows entry '${value}' spans two days, which ARC does not support: split it into one window per day (${fix}).`);
  }
  if (times[0].h * 60 + times[0].m >= times[1].h * 60 + times[1].m) {
    throw new Error(`blockedWindows entry '${value}' ends before it starts: ${fix}.`);
  }
  return `${day(startDay)}:${startHour}:${startMinute}-${day(endDay)}:${endHour}:${endMinute}`;
}

/**
 * Alarms must live in the stack's account and Region: ARC reads them there. An alarm's place comes
 * from its ARN where that is concrete (imported alarms), else from the stack that defines it.
 */
function requireSameEnvironment(stack: Stack, alarm: cloudwatch.IAlarm, what: string): void {
  const arn = Token.isUnresolved(alarm.alarmArn) ? undefined : /^arn:[^:]+:cloudwatch:([^:]*):([^:]*):alarm:/.exec(alarm.alarmArn);
  const region = arn ? arn[1] : alarm.env.region;
  const account = arn ? arn[2] : alarm.env.account;
  const differs = (mine: string, theirs: string) =>
    !Token.isUnresolved(mine) && !Token.isUnresolved(theirs) && Token.compareStrings(mine, theirs) === TokenComparison.DIFFERENT;
  if (differs(stack.account, account) || differs(stack.region, region)) {
    throw new Error(`${what} (${alarm.node.path}) is in account ${account}, Region ${region}; ARC reads practice-run alarms in the load balancer's account and Region (${stack.account}, ${stack.region}). Use an alarm defined there.`);
  }
}

/** The attributes of a load balancer or target group defined in the app, or undefined for an imported one. */
function renderedAttributes(resource: Construct): Record<string, string> | undefined {
  const cfn = resource.node.defaultChild;
  if (!(cfn instanceof elbv2.CfnLoadBalancer) && !(cfn instanceof elbv2.CfnTargetGroup)) {
    return undefined;
  }
  const raw = Stack.of(resource).resolve(cfn instanceof elbv2.CfnLoadBalancer ? cfn.loadBalancerAttributes : cfn.targetGroupAttributes);
  const out: Record<string, string> = {};
  for (const entry of Array.isArray(raw) ? raw : []) {
    if (entry && typeof entry.key === 'string' && typeof entry.value === 'string') {
      out[entry.key] = entry.value;
    }
  }
  return out;
}

function checkLoadBalancer(loadBalancer: elbv2.IApplicationLoadBalancer): string[] {
  const attributes = renderedAttributes(loadBalancer);
  if (attributes === undefined) {
    Annotations.of(loadBalancer).addWarningV2('cdk-azi:ZonalAutoshift.zonalShiftUnchecked',
      'The load balancer is imported, so whether zonal shift is enabled on it was not checked; autoshift needs attribute zonal_shift.config.enabled=true.');
    return [];
  }
  return attributes['zonal_shift.config.enabled'] === 'true'
    ? []
    : [`Zonal shift is not enabled on load balancer ${loadBalancer.node.path}; autoshift and practice runs need it. Use ZonalFleet, or call loadBalancer.setAttribute('zonal_shift.config.enabled', 'true').`];
}

function checkCrossZoneOff(targetGroup: elbv2.IApplicationTargetGroup): string[] {
  const attributes = renderedAttributes(targetGroup);
  if (attributes === undefined) {
    Annotations.of(targetGroup).addWarningV2('cdk-azi:ZonalAutoshift.crossZoneUnchecked',
      'The target group is imported, so whether cross-zone load balancing is off was not checked; autoshift needs it off (attribute load_balancing.cross_zone.enabled=false).');
    return [];
  }
  return attributes['load_balancing.cross_zone.enabled'] === 'false'
    ? []
    : [`Cross-zone load balancing is not off in target group ${targetGroup.node.path}; a shifted AZ's targets would keep receiving traffic from the other nodes. Set crossZoneEnabled: false on the target group (ZonalFleet does).`];
}
