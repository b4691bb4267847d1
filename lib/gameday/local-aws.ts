import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { AlarmEngine } from './alarms';
import { AlarmDef, GamedayStack } from './assembly';

/** A zonal shift held by the local ARC. Times in simulated epoch seconds. */
export interface ZonalShiftRecord {
  zonalShiftId: string;
  resourceIdentifier: string;
  awayFrom: string;
  comment: string;
  startTime: number;
  expiryTime: number;
  status: 'ACTIVE' | 'EXPIRED' | 'CANCELED';
  /** Simulated epoch seconds the shift stopped being active. */
  endTime?: number;
}

/** A call the local services answered, for the timeline. */
export interface ApiCall {
  readonly service: 'cloudwatch' | 'arc';
  readonly operation: string;
  readonly status: number;
  readonly detail: string;
}

const EXPIRES_IN = /^([1-9][0-9]*)(m|h)$/;

/** Seconds of an ARC `expiresIn`, or undefined when it is invalid (pattern, at most 72 h). */
export function expiresInSeconds(value: unknown): number | undefined {
  const match = typeof value === 'string' ? EXPIRES_IN.exec(value) : null;
  if (!match) {
    return undefined;
  }
  const seconds = Number(match[1]) * (match[2] === 'h' ? 3600 : 60);
  return seconds <= 72 * 3600 ? seconds : undefined;
}

/**
 * CloudWatch (DescribeAlarms, AWS JSON 1.0) and ARC zonal shift (restJson1) on 127.0.0.1,
 * answering from the simulator's alarms and shifts. Requests are not signature-checked.
 */
export class LocalAws {
  /** `clock` gives simulated seconds since the start; `baseEpoch` is the start in epoch seconds. */
  static async start(stack: GamedayStack, alarms: AlarmEngine, clock: () => number, baseEpoch: number): Promise<LocalAws> {
    const local = new LocalAws(stack, alarms, () => baseEpoch + clock(), baseEpoch);
    await new Promise<void>((resolve, reject) => {
      local.server.once('error', reject);
      local.server.listen(0, '127.0.0.1', () => resolve());
    });
    return local;
  }

  readonly shifts: ZonalShiftRecord[] = [];
  readonly calls: ApiCall[] = [];
  private readonly server: http.Server;
  private nextId = 1;

  private constructor(
    private readonly stack: GamedayStack,
    private readonly alarms: AlarmEngine,
    private readonly clock: () => number,
    private readonly baseEpoch: number,
  ) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        try {
          this.handle(req, res, Buffer.concat(chunks).toString('utf8'));
        } catch (err) {
          this.send(res, 500, { message: (err as Error).message }, 'application/json');
        }
      });
    });
    this.server.keepAliveTimeout = 1000;
  }

  /** Base URL of both services. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The active shift, after expiring shifts whose time has come. */
  active(): ZonalShiftRecord | undefined {
    this.expire();
    return this.shifts.find((s) => s.status === 'ACTIVE');
  }

  /** Marks shifts past their expiry as EXPIRED; returns those that just expired. */
  expire(): ZonalShiftRecord[] {
    const now = this.clock();
    const expired: ZonalShiftRecord[] = [];
    for (const shift of this.shifts) {
      if (shift.status === 'ACTIVE' && now >= shift.expiryTime) {
        shift.status = 'EXPIRED';
        shift.endTime = shift.expiryTime;
        expired.push(shift);
      }
    }
    return expired;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const target = req.headers['x-amz-target'];
    if (req.method === 'POST' && typeof target === 'string') {
      return this.cloudwatch(res, String(target), body);
    }
    return this.arc(req, res, body);
  }

  // ---- CloudWatch ----

  private cloudwatch(res: http.ServerResponse, target: string, raw: string): void {
    const operation = target.replace(/^GraniteServiceVersion20100801\./, '');
    let body: Record<string, unknown>;
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      return this.cwError(res, operation, 400, 'SerializationException', 'body is not JSON');
    }
    if (operation !== 'DescribeAlarms') {
      return this.cwError(res, operation, 400, 'InvalidAction', `the game-day CloudWatch answers DescribeAlarms only, not ${operation}`);
    }
    const unsupported = ['ChildrenOfAlarmName', 'ParentsOfAlarmName', 'ActionPrefix'].filter((key) => body[key] !== undefined);
    if (unsupported.length) {
      return this.cwError(res, operation, 400, 'InvalidParameterCombination', `the game-day CloudWatch does not support ${unsupported.join(', ')}`);
    }
    const names = Array.isArray(body.AlarmNames) ? (body.AlarmNames as string[]) : undefined;
    if (names && names.length > 100) {
      return this.cwError(res, operation, 400, 'InvalidParameterValue', 'AlarmNames has more than 100 members');
    }
    const prefix = typeof body.AlarmNamePrefix === 'string' ? body.AlarmNamePrefix : undefined;
    const types = Array.isArray(body.AlarmTypes) ? (body.AlarmTypes as string[]) : ['MetricAlarm'];
    const stateFilter = typeof body.StateValue === 'string' ? body.StateValue : undefined;
    const wanted = (alarm: AlarmDef) => (!names || names.includes(alarm.name))
      && (!prefix || alarm.name.startsWith(prefix))
      && (!stateFilter || this.alarms.stateOf(alarm.name) === stateFilter)
      && types.includes(alarm.type === 'metric' ? 'MetricAlarm' : 'CompositeAlarm');
    const matching = this.stack.alarms.filter(wanted).sort((a, b) => a.name.localeCompare(b.name));
    const start = typeof body.NextToken === 'string' ? Number(body.NextToken) || 0 : 0;
    const size = typeof body.MaxRecords === 'number' ? Math.min(100, Math.max(1, body.MaxRecords)) : 50;
    const page = matching.slice(start, start + size);
    const out: Record<string, unknown> = {
      MetricAlarms: page.filter((a) => a.type === 'metric').map((a) => this.describe(a)),
      CompositeAlarms: page.filter((a) => a.type === 'composite').map((a) => this.describe(a)),
    };
    if (start + size < matching.length) {
      out.NextToken = String(start + size);
    }
    this.calls.push({ service: 'cloudwatch', operation, status: 200, detail: `${page.length} alarm(s)` });
    this.send(res, 200, out, 'application/x-amz-json-1.0');
  }

  private describe(alarm: AlarmDef): Record<string, unknown> {
    const status = this.alarms.status.get(alarm.name)!;
    const epoch = (t: number) => this.baseEpoch + t;
    const base: Record<string, unknown> = {
      AlarmName: alarm.name,
      AlarmArn: alarm.arn,
      AlarmDescription: alarm.properties.AlarmDescription,
      ActionsEnabled: alarm.properties.ActionsEnabled ?? true,
      AlarmActions: alarm.properties.AlarmActions ?? [],
      OKActions: alarm.properties.OKActions ?? [],
      InsufficientDataActions: alarm.properties.InsufficientDataActions ?? [],
      StateValue: status.value,
      StateReason: status.reason,
      StateUpdatedTimestamp: epoch(status.updatedAt),
      StateTransitionedTimestamp: epoch(status.transitionedAt),
      AlarmConfigurationUpdatedTimestamp: 0,
    };
    if (alarm.type === 'composite') {
      return { ...base, AlarmRule: alarm.rule };
    }
    const p = alarm.properties;
    const keys = ['MetricName', 'Namespace', 'Statistic', 'ExtendedStatistic', 'Dimensions', 'Period', 'Unit', 'EvaluationPeriods',
      'DatapointsToAlarm', 'Threshold', 'ComparisonOperator', 'TreatMissingData', 'EvaluateLowSampleCountPercentile', 'Metrics', 'ThresholdMetricId'];
    const out: Record<string, unknown> = { ...base };
    for (const key of keys) {
      if (p[key] !== undefined) {
        out[key] = p[key];
      }
    }
    if (out.TreatMissingData === undefined) {
      out.TreatMissingData = alarm.treatMissingData;
    }
    return out;
  }

  private cwError(res: http.ServerResponse, operation: string, status: number, code: string, message: string): void {
    this.calls.push({ service: 'cloudwatch', operation, status, detail: message });
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${code};Sender` });
    res.end(JSON.stringify({ __type: `com.amazonaws.cloudwatch#${code}`, message }));
  }

  // ---- ARC zonal shift ----

  private arc(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    let body: Record<string, unknown> = {};
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        return this.arcError(res, 'unknown', 400, 'ValidationException', 'body is not JSON');
      }
    }
    const segments = url.pathname.split('/').filter(Boolean);
    if (segments[0] === 'zonalshifts') {
      if (segments.length === 1 && method === 'POST') {
        return this.startShift(res, body);
      }
      if (segments.length === 1 && method === 'GET') {
        return this.listShifts(res, url);
      }
      if (segments.length === 2 && method === 'PATCH') {
        return this.updateShift(res, decodeURIComponent(segments[1]), body);
      }
      if (segments.length === 2 && method === 'DELETE') {
        return this.cancelShift(res, decodeURIComponent(segments[1]));
      }
      if (segments.length === 2 && method === 'GET') {
        const shift = this.shifts.find((s) => s.zonalShiftId === decodeURIComponent(segments[1]));
        return shift ? this.arcOk(res, 'GetZonalShift', 200, this.shape(shift), shift.zonalShiftId) : this.arcError(res, 'GetZonalShift', 404, 'ResourceNotFoundException', 'no such zonal shift');
      }
    }
    if (segments[0] === 'managedresources' && segments.length === 2 && method === 'GET') {
      return this.managedResource(res, decodeURIComponent(segments[1]));
    }
    return this.arcError(res, `${method} ${url.pathname}`, 400, 'ValidationException', `the game-day ARC does not answer ${method} ${url.pathname}`);
  }

  private shape(shift: ZonalShiftRecord): Record<string, unknown> {
    this.expire();
    return {
      zonalShiftId: shift.zonalShiftId,
      resourceIdentifier: shift.resourceIdentifier,
      awayFrom: shift.awayFrom,
      expiryTime: shift.expiryTime,
      startTime: shift.startTime,
      status: shift.status,
      comment: shift.comment,
      shiftType: 'ZONAL_SHIFT',
    };
  }

  private startShift(res: http.ServerResponse, body: Record<string, unknown>): void {
    const op = 'StartZonalShift';
    const { resourceIdentifier, awayFrom, expiresIn, comment } = body;
    if (typeof resourceIdentifier !== 'string' || typeof awayFrom !== 'string' || typeof expiresIn !== 'string' || typeof comment !== 'string') {
      return this.arcError(res, op, 400, 'ValidationException', 'resourceIdentifier, awayFrom, expiresIn and comment are required', 'MissingValue');
    }
    if (resourceIdentifier !== this.stack.loadBalancer.arn) {
      return this.arcError(res, op, 404, 'ResourceNotFoundException', `no managed resource ${resourceIdentifier}`);
    }
    if (!Object.values(this.stack.azIds).includes(awayFrom)) {
      return this.arcError(res, op, 400, 'ValidationException', `${awayFrom} is not an AZ of the resource`, 'InvalidAz');
    }
    const seconds = expiresInSeconds(expiresIn);
    if (seconds === undefined) {
      return this.arcError(res, op, 400, 'ValidationException', `expiresIn ${expiresIn} is invalid`, 'InvalidExpiresIn');
    }
    if (comment.length > 128) {
      return this.arcError(res, op, 400, 'ValidationException', 'comment is longer than 128 characters');
    }
    const existing = this.active();
    if (existing) {
      return this.arcError(res, op, 409, 'ConflictException', 'a zonal shift is already active on this resource', 'ZonalShiftAlreadyExists', existing.zonalShiftId);
    }
    const now = this.clock();
    const shift: ZonalShiftRecord = {
      zonalShiftId: `00000000-0000-4000-8000-${String(this.nextId++).padStart(12, '0')}`,
      resourceIdentifier,
      awayFrom,
      comment,
      startTime: now,
      expiryTime: now + seconds,
      status: 'ACTIVE',
    };
    this.shifts.push(shift);
    this.arcOk(res, op, 201, this.shape(shift), `away from ${awayFrom} for ${expiresIn}`);
  }

  /** The active shift with this id, or undefined after answering the error ARC would give. */
  private activeShift(res: http.ServerResponse, op: string, id: string): ZonalShiftRecord | undefined {
    this.expire();
    const shift = this.shifts.find((s) => s.zonalShiftId === id);
    if (!shift) {
      this.arcError(res, op, 404, 'ResourceNotFoundException', `no zonal shift ${id}`);
      return undefined;
    }
    if (shift.status !== 'ACTIVE') {
      // ARC answers a shift that has ended with 409 ZonalShiftStatusNotActive, as the test fakes do.
      this.arcError(res, op, 409, 'ConflictException', `zonal shift ${id} is ${shift.status}`, 'ZonalShiftStatusNotActive');
      return undefined;
    }
    return shift;
  }

  private updateShift(res: http.ServerResponse, id: string, body: Record<string, unknown>): void {
    const op = 'UpdateZonalShift';
    const shift = this.activeShift(res, op, id);
    if (!shift) {
      return;
    }
    if (body.expiresIn !== undefined) {
      const seconds = expiresInSeconds(body.expiresIn);
      if (seconds === undefined) {
        return this.arcError(res, op, 400, 'ValidationException', `expiresIn ${String(body.expiresIn)} is invalid`, 'InvalidExpiresIn');
      }
      shift.expiryTime = this.clock() + seconds;
    }
    if (typeof body.comment === 'string') {
      shift.comment = body.comment;
    }
    this.arcOk(res, op, 200, this.shape(shift), `${shift.awayFrom} now expires at +${shift.expiryTime - this.clock()}s`);
  }

  private cancelShift(res: http.ServerResponse, id: string): void {
    const op = 'CancelZonalShift';
    const shift = this.activeShift(res, op, id);
    if (!shift) {
      return;
    }
    shift.status = 'CANCELED';
    shift.endTime = this.clock();
    this.arcOk(res, op, 200, this.shape(shift), `away from ${shift.awayFrom}`);
  }

  private listShifts(res: http.ServerResponse, url: URL): void {
    const status = url.searchParams.get('status');
    const resource = url.searchParams.get('resourceIdentifier');
    this.expire();
    const items = this.shifts
      .filter((s) => (!status || s.status === status) && (!resource || s.resourceIdentifier === resource))
      .map((s) => this.shape(s));
    this.arcOk(res, 'ListZonalShifts', 200, { items }, `${items.length} shift(s)`);
  }

  private managedResource(res: http.ServerResponse, arn: string): void {
    const op = 'GetManagedResource';
    if (arn !== this.stack.loadBalancer.arn) {
      return this.arcError(res, op, 404, 'ResourceNotFoundException', `no managed resource ${arn}`);
    }
    const active = this.active();
    const appliedWeights: Record<string, number> = {};
    for (const id of Object.values(this.stack.azIds)) {
      appliedWeights[id] = active && active.awayFrom === id ? 0 : 1;
    }
    const zonalShifts = active ? [{ ...this.shape(active), appliedStatus: 'APPLIED' }] : [];
    this.arcOk(res, op, 200, {
      arn,
      name: this.stack.loadBalancer.fullName.split('/')[1],
      appliedWeights,
      zonalShifts,
      autoshifts: [],
      zonalAutoshiftStatus: 'DISABLED',
    }, `${zonalShifts.length} active shift(s)`);
  }

  private arcOk(res: http.ServerResponse, operation: string, status: number, body: unknown, detail: string): void {
    this.calls.push({ service: 'arc', operation, status, detail });
    this.send(res, status, body, 'application/json');
  }

  private arcError(res: http.ServerResponse, operation: string, status: number, code: string, message: string, reason?: string, zonalShiftId?: string): void {
    this.calls.push({ service: 'arc', operation, status, detail: `${code}${reason ? ` (${reason})` : ''}: ${message}` });
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': code });
    res.end(JSON.stringify({ message, reason, zonalShiftId }));
  }

  private send(res: http.ServerResponse, status: number, body: unknown, type: string): void {
    res.writeHead(status, { 'content-type': type });
    res.end(JSON.stringify(body));
  }
}
