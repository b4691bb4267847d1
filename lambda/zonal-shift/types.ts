import { AlarmStateValue } from './alarm-rule';

/** One metric's dimensions, as `{ Name: Value }`. */
export type DimensionSet = Record<string, string>;

/** An alarm as `cloudwatch:DescribeAlarms` returns it, reduced to what the decision reads. */
export interface AlarmState {
  readonly name: string;
  readonly arn?: string;
  readonly type: 'metric' | 'composite';
  readonly state: AlarmStateValue;
  /** Composite alarms only. */
  readonly rule?: string;
  /** Metric alarms only: the alarm's own metric and every `MetricStat` of its metric math. */
  readonly dimensionSets: DimensionSet[];
  /**
   * When the alarm last changed state (epoch ms): `StateTransitionedTimestamp`, or
   * `StateUpdatedTimestamp` when the former is absent; undefined when neither was returned.
   */
  readonly stateSince?: number;
  /** The alarm's actions, when DescribeAlarms returned them. */
  readonly actions?: AlarmActions;
}

/** Whether an alarm acts, and whom it notifies on ALARM and on OK. */
export interface AlarmActions {
  readonly enabled: boolean;
  readonly onAlarm: string[];
  readonly onOk: string[];
}

/** Reads alarm states (cloudwatch:DescribeAlarms, both alarm types, as few calls as possible). */
export interface AlarmReader {
  /** Returns the alarms of the given names that exist; unknown names are left out. */
  describeAlarms(names: string[]): Promise<AlarmState[]>;
}

/** Values of `shiftType` in GetManagedResource's `zonalShifts`: who started a shift and why. */
export const SHIFT_TYPE = {
  /** A customer started it (a person or this automation). */
  CUSTOMER: 'ZONAL_SHIFT',
  /** ARC's weekly 30-minute autoshift practice run. */
  PRACTICE_RUN: 'PRACTICE_RUN',
  /** An AWS FIS experiment's zonal shift. */
  FIS_EXPERIMENT: 'FIS_EXPERIMENT',
} as const;

/** An ARC zonal shift as GetManagedResource (`zonalShifts[]`) or a write operation returns it. */
export interface ZonalShift {
  readonly zonalShiftId: string;
  readonly resourceIdentifier: string;
  readonly awayFrom: string;
  readonly comment?: string;
  /** Epoch seconds. */
  readonly expiryTime?: number;
  /** Epoch seconds. */
  readonly startTime?: number;
  /** One of {@link SHIFT_TYPE}, or a value added later; absent in older answers (a customer shift). */
  readonly shiftType?: string;
  /** `APPLIED` or `NOT_APPLIED` (precedence between kinds of shift). */
  readonly appliedStatus?: string;
  /** Practice runs only. */
  readonly practiceRunOutcome?: string;
  /** Write answers only: `ACTIVE`, `EXPIRED`, `CANCELED`. */
  readonly status?: string;
}

/** An active AWS autoshift, from GetManagedResource's `autoshifts[]`. */
export interface Autoshift {
  readonly awayFrom: string;
  readonly startTime?: number;
  readonly appliedStatus?: string;
}

/** What ARC says about one managed resource (GetManagedResource). */
export interface ManagedResource {
  readonly arn?: string;
  readonly zonalShifts: ZonalShift[];
  readonly autoshifts: Autoshift[];
  readonly appliedWeights: Record<string, number>;
  readonly zonalAutoshiftStatus?: string;
}

/** A StartZonalShift request. */
export interface StartShiftRequest {
  readonly resourceIdentifier: string;
  readonly awayFrom: string;
  readonly expiresIn: string;
  readonly comment: string;
}

/** The ARC zonal shift operations the handler uses. */
export interface ShiftApi {
  getManagedResource(resourceIdentifier: string): Promise<ManagedResource>;
  startZonalShift(request: StartShiftRequest): Promise<ZonalShift>;
  updateZonalShift(zonalShiftId: string, update: { expiresIn: string }): Promise<ZonalShift>;
  cancelZonalShift(zonalShiftId: string): Promise<ZonalShift>;
}

/** Time and randomness, injectable so retries are fast and clocks controllable in tests. */
export interface Runtime {
  sleep(ms: number): Promise<void>;
  random(): number;
  now(): Date;
}

/** Where decision lines go (stdout in Lambda). */
export interface Logger {
  log(line: string): void;
}

/** One isolated-impact alarm wired to the function, as the configuration lists it. */
export interface WiredAlarm {
  readonly name: string;
  readonly loadBalancerArn: string;
  readonly availabilityZone: string;
  /** This zone's impaired alarm(s). */
  readonly impairedAlarms: string[];
  /** The other zones' impaired alarms. */
  readonly otherImpairedAlarms: string[];
  /** This zone's metric alarms with `LoadBalancer` and `AvailabilityZone` dimensions. */
  readonly dimensionAlarms: string[];
  /** This zone's alarms that keep measuring it while shifted (probes). */
  readonly recoveryAlarms: string[];
}

/**
 * Every wired alarm of one load balancer and zone. They share one shift, whose comment is
 * exactly {@link ZoneGroup.comment}.
 */
export interface ZoneGroup {
  readonly loadBalancerArn: string;
  readonly availabilityZone: string;
  readonly availabilityZoneId: string;
  /** The exact comment of this responder's shift for this load balancer and zone. */
  readonly comment: string;
  readonly wired: WiredAlarm[];
  readonly impairedAlarms: string[];
  readonly otherImpairedAlarms: string[];
  readonly dimensionAlarms: string[];
  readonly recoveryAlarms: string[];
  /** Every alarm name the decision reads, without duplicates (one DescribeAlarms call). */
  readonly alarmNames: string[];
}

/** Parsed configuration of the function. */
export interface HandlerConfig {
  /** Fixed at synthesis; part of every comment this responder writes. */
  readonly owner: string;
  readonly shiftExpiresIn: string;
  readonly shiftExpiresInMinutes: number;
  readonly endShiftOnRecovery: boolean;
  readonly recoveryWindowMs: number;
  readonly dryRun: boolean;
  readonly metricsNamespace: string;
  readonly groups: ZoneGroup[];
  /** ARNs of the IAM roles that may run a drill (none: every drill is refused). */
  readonly drillRoles: string[];
  /** What was wrong with the configured drill roles (the bad ones are left out). */
  readonly drillProblem?: string;
}

/** Everything the decision pipeline needs. */
export interface HandlerDeps {
  readonly alarms: AlarmReader;
  readonly shifts: ShiftApi;
  readonly runtime: Runtime;
  readonly logger: Logger;
}

/** The kinds of decision, one log line (and one metric) each. */
export type DecisionKind = 'started' | 'extended' | 'cancelled' | 'refused' | 'dry-run' | 'nothing-to-do';

/** A shift that a customer shift takes precedence over, as logged. */
export interface SupersededShift {
  readonly zonalShiftId?: string;
  readonly shiftType: string;
  readonly awayFrom: string;
}

/** One decision, as logged. */
export interface Decision {
  readonly decision: DecisionKind;
  readonly reason: string;
  /** What invoked the function: an alarm name, or `reconcile`. */
  readonly trigger?: string;
  readonly alarmArn?: string;
  readonly loadBalancerArn?: string;
  readonly availabilityZone?: string;
  readonly availabilityZoneId?: string;
  readonly zonalShiftId?: string;
  /** Active shifts (practice runs, FIS experiments, autoshifts) our customer shift takes precedence over. */
  readonly supersedes?: SupersededShift[];
  /** For dry-run: what would have been done. */
  readonly wouldHave?: 'started' | 'extended' | 'cancelled';
}
