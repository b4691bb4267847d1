import { CompositeAlarm, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { compositeAlarmDefinition, metricAlarmDefinition } from '../../../lambda/zonal-shift/cloudwatch-reader';
import { ArcError } from '../../../lambda/zonal-shift/errors';
import { AlarmDefinition, AlarmReader, HandlerConfig, HandlerDeps, Runtime, SHIFT_TYPE, ShiftApi, ZonalShift, ZonalShiftPage } from '../../../lambda/zonal-shift/types';
import { AZ_ID_MAP, LB_ARN } from './fixtures';

/** Alarm definitions from a fixture set; records every DescribeAlarms call. */
export class FakeAlarmReader implements AlarmReader {
  readonly calls: string[][] = [];
  definitions: AlarmDefinition[];
  failWith?: unknown;

  constructor(metric: MetricAlarm[] = [], composite: CompositeAlarm[] = []) {
    this.definitions = [...metric.map(metricAlarmDefinition), ...composite.map(compositeAlarmDefinition)];
  }

  async describeAlarms(names: string[]): Promise<AlarmDefinition[]> {
    this.calls.push([...names]);
    if (this.failWith) {
      throw this.failWith;
    }
    return this.definitions.filter((alarm) => names.includes(alarm.name));
  }
}

/** One call the in-memory shift API received. */
export interface ShiftCall {
  readonly op: 'list' | 'start' | 'update' | 'cancel';
  readonly args: unknown[];
}

type StoredShift = { -readonly [K in keyof ZonalShift]: ZonalShift[K] } & { status: string };

/** Whether ARC would count the shift as a customer shift (`ZONAL_SHIFT`, or untyped as in older responses). */
export function isCustomerShift(shift: ZonalShift): boolean {
  return shift.shiftType === undefined || shift.shiftType === SHIFT_TYPE.CUSTOMER;
}

/** What Start/Update/CancelZonalShift answer: a ZonalShift has no shiftType or practiceRunOutcome. */
function writeAnswer(shift: StoredShift): ZonalShift {
  const { shiftType: _type, practiceRunOutcome: _outcome, ...rest } = shift;
  return rest;
}

/**
 * In-memory ARC: one active customer shift per resource, injectable errors per operation. A new
 * customer shift interrupts active practice runs and FIS experiments, as ARC's precedence says;
 * an autoshift stays active beside it. Seeded shifts keep whatever `shiftType` the test gives
 * (none, like older responses, unless given).
 */
export class InMemoryShiftApi implements ShiftApi {
  readonly shifts: StoredShift[] = [];
  readonly calls: ShiftCall[] = [];
  /** Errors thrown, in order, by the next calls of an operation. */
  readonly failures: Partial<Record<ShiftCall['op'], ArcError[]>> = {};
  /** Runs before a start is stored (to simulate a race). */
  beforeStart?: () => void;
  private counter = 0;

  seed(shift: Omit<ZonalShift, 'zonalShiftId'> & { zonalShiftId?: string }): ZonalShift {
    const stored: StoredShift = { zonalShiftId: `seed-${++this.counter}`, status: 'ACTIVE', ...shift };
    this.shifts.push(stored);
    return stored;
  }

  active(): StoredShift[] {
    return this.shifts.filter((shift) => shift.status === 'ACTIVE');
  }

  count(op: ShiftCall['op']): number {
    return this.calls.filter((call) => call.op === op).length;
  }

  async listActiveZonalShifts(resourceIdentifier: string, nextToken?: string): Promise<ZonalShiftPage> {
    this.record('list', [resourceIdentifier, nextToken]);
    const items = this.active().filter((shift) => shift.resourceIdentifier === resourceIdentifier);
    return { items: items.map((shift) => ({ ...shift })) };
  }

  async startZonalShift(request: { resourceIdentifier: string; awayFrom: string; expiresIn: string; comment: string }): Promise<ZonalShift> {
    this.record('start', [request]);
    this.beforeStart?.();
    const onResource = this.shifts.filter((shift) => shift.status === 'ACTIVE' && shift.resourceIdentifier === request.resourceIdentifier);
    const existing = onResource.find(isCustomerShift);
    if (existing) {
      throw new ArcError({ status: 409, errorType: 'ConflictException', message: 'exists', reason: 'ZonalShiftAlreadyExists', zonalShiftId: existing.zonalShiftId });
    }
    for (const other of onResource) {
      if (other.shiftType === SHIFT_TYPE.PRACTICE_RUN || other.shiftType === SHIFT_TYPE.FIS_EXPERIMENT) {
        other.status = 'CANCELED';
        if (other.shiftType === SHIFT_TYPE.PRACTICE_RUN) {
          other.practiceRunOutcome = 'INTERRUPTED';
        }
      }
    }
    const shift: StoredShift = {
      zonalShiftId: `shift-${++this.counter}`,
      status: 'ACTIVE',
      resourceIdentifier: request.resourceIdentifier,
      awayFrom: request.awayFrom,
      comment: request.comment,
      shiftType: SHIFT_TYPE.CUSTOMER,
    };
    this.shifts.push(shift);
    return writeAnswer(shift);
  }

  async updateZonalShift(zonalShiftId: string, update: { expiresIn: string; comment?: string }): Promise<ZonalShift> {
    this.record('update', [zonalShiftId, update]);
    const shift = this.active().find((candidate) => candidate.zonalShiftId === zonalShiftId);
    if (!shift) {
      throw new ArcError({ status: 404, errorType: 'ResourceNotFoundException', message: 'no such shift' });
    }
    return writeAnswer(shift);
  }

  async cancelZonalShift(zonalShiftId: string): Promise<ZonalShift> {
    this.record('cancel', [zonalShiftId]);
    const shift = this.shifts.find((candidate) => candidate.zonalShiftId === zonalShiftId && candidate.status === 'ACTIVE');
    if (!shift) {
      throw new ArcError({ status: 404, errorType: 'ResourceNotFoundException', message: 'no such shift' });
    }
    shift.status = 'CANCELED';
    return writeAnswer(shift);
  }

  private record(op: ShiftCall['op'], args: unknown[]): void {
    this.calls.push({ op, args });
    const failure = this.failures[op]?.shift();
    if (failure) {
      throw failure;
    }
  }
}

/** Sleep that returns at once and remembers the delays asked for. */
export class FakeRuntime implements Runtime {
  readonly sleeps: number[] = [];
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
  }
  random(): number {
    return 0.5;
  }
  now(): Date {
    return new Date('2024-05-01T12:00:00Z');
  }
}

/** Collects log lines and parses them. */
export class MemoryLogger {
  readonly lines: string[] = [];
  log(line: string): void {
    this.lines.push(line);
  }
  records(): Array<Record<string, unknown>> {
    return this.lines.map((line) => JSON.parse(line));
  }
}

export function testConfig(overrides: Partial<HandlerConfig> = {}): HandlerConfig {
  return {
    managedLoadBalancerArns: [LB_ARN],
    azIdMap: { ...AZ_ID_MAP },
    shiftExpiresIn: '60m',
    endShiftOnRecovery: true,
    dryRun: false,
    metricsNamespace: 'CdkAzi/ZonalShift',
    ...overrides,
  };
}

export interface FakeWorld {
  readonly alarms: FakeAlarmReader;
  readonly shifts: InMemoryShiftApi;
  readonly runtime: FakeRuntime;
  readonly logger: MemoryLogger;
  readonly deps: HandlerDeps;
}

export function fakeWorld(metric: MetricAlarm[] = [], composite: CompositeAlarm[] = []): FakeWorld {
  const alarms = new FakeAlarmReader(metric, composite);
  const shifts = new InMemoryShiftApi();
  const runtime = new FakeRuntime();
  const logger = new MemoryLogger();
  return { alarms, shifts, runtime, logger, deps: { alarms, shifts, runtime, logger } };
}
