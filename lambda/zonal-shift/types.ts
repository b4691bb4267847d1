import { AlarmStateValue } from './alarm-rule';

/** One metric's dimensions, as `{ Name: Value }`. */
export type DimensionSet = Record<string, string>;

/** The parts of a CloudWatch alarm definition the handler decides on. */
export interface AlarmDefinition {
  readonly name: string;
  readonly arn?: string;
  readonly type: 'metric' | 'composite';
  readonly state: AlarmStateValue;
  /** Composite alarms only. */
  readonly rule?: string;
  /** Metric alarms only: the alarm's own metric and every `MetricStat` of its metric math. */
  readonly dimensionSets: DimensionSet[];
}

/** Reads alarm definitions (cloudwatch:DescribeAlarms, both alarm types). */
export interface AlarmReader {
  /** Returns the definitions of the named alarms that exist; unknown names are left out. */
  describeAlarms(names: string[]): Promise<AlarmDefinition[]>;
}

/** Values of `shiftType` in ListZonalShifts: who started a shift and why. */
export const SHIFT_TYPE = {
  /** A customer started it (a person or this automation). */
  CUSTOMER: 'ZONAL_SHIFT',
  /** ARC's weekly 30-minute autoshift practice run. */
  PRACTICE_RUN: 'PRACTICE_RUN',
  /** An AWS FIS experiment's zonal autoshift action. */
  FIS_EXPERIMENT: 'FIS_EXPERIMENT',
  /** AWS shifted traffic away from an AZ it sees as impaired. */
  AUTOSHIFT: 'ZONAL_AUTOSHIFT',
} as const;

/** An ARC zonal shift as the API returns it. */
export interface ZonalShift {
  readonly zonalShiftId: string;
  readonly resourceIdentifier: string;
  readonly awayFrom: string;
  readonly status?: string;
  readonly comment?: string;
  readonly expiryTime?: number;
  readonly startTime?: number;
  /**
   * ListZonalShifts only: one of {@link SHIFT_TYPE}, or a value added later. Absent in older
   * responses and in the answers of Start/Update/CancelZonalShift, which act on customer shifts.
   */
  readonly shiftType?: string;
  /** ListZonalShifts only, practice runs: `PENDING`, `SUCCEEDED`, `INTERRUPTED`, ... */
  readonly practiceRunOutcome?: string;
}

/** One page of ListZonalShifts. */
export interface ZonalShiftPage {
  readonly items: ZonalShift[];
  readonly nextToken?: string;
}

/** The ARC zonal shift operations the handler uses. */
export interface ShiftApi {
  listActiveZonalShifts(resourceIdentifier: string, nextToken?: string): Promise<ZonalShiftPage>;
  startZonalShift(request: {
    resourceIdentifier: string;
    awayFrom: string;
    expiresIn: string;
    comment: string;
  }): Promise<ZonalShift>;
  updateZonalShift(zonalShiftId: string, update: { expiresIn: string; comment?: string }): Promise<ZonalShift>;
  cancelZonalShift(zonalShiftId: string): Promise<ZonalShift>;
}

/** Time and randomness, injectable so retries are fast in tests. */
export interface Runtime {
  sleep(ms: number): Promise<void>;
  random(): number;
  now(): Date;
}

/** Where decision lines go (stdout in Lambda). */
export interface Logger {
  log(line: string): void;
}

/** Parsed environment of the function. */
export interface HandlerConfig {
  readonly managedLoadBalancerArns: string[];
  readonly azIdMap: Record<string, string>;
  readonly shiftExpiresIn: string;
  readonly endShiftOnRecovery: boolean;
  readonly dryRun: boolean;
  readonly metricsNamespace: string;
}

/** Everything the decision logic needs. */
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
  zonalShiftId: string;
  shiftType: string;
}

/** One decision, as logged. */
export interface Decision {
  decision: DecisionKind;
  reason: string;
  alarmName?: string;
  alarmArn?: string;
  loadBalancerArn?: string;
  availabilityZone?: string;
  availabilityZoneId?: string;
  zonalShiftId?: string;
  /** Active shifts ARC or AWS started that our customer shift takes precedence over. */
  supersedes?: SupersededShift[];
  /** For dry-run: what would have been done. */
  wouldHave?: 'started' | 'extended' | 'cancelled';
}
