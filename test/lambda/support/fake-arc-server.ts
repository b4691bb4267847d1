import { randomBytes, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { verifySigV4 } from './sigv4-verifier';

/** The ARC operations the fake serves. */
export type ArcOperation = 'GetManagedResource' | 'ListZonalShifts' | 'StartZonalShift' | 'UpdateZonalShift' | 'CancelZonalShift' | 'Unknown';

/** A request the fake ARC service received. */
export interface ArcRequest {
  readonly operation: ArcOperation;
  readonly method: string;
  /** The path as received (still percent-encoded). */
  readonly rawPath: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly json: Record<string, unknown> | undefined;
  /** Whether the SigV4 signature verified (own implementation of AWS's canonical request). */
  readonly signatureValid: boolean;
}

/** A zonal shift as the fake stores it (customer shifts, practice runs, FIS experiments). */
export interface StoredShift {
  zonalShiftId: string;
  resourceIdentifier: string;
  awayFrom: string;
  comment: string;
  startTime: number;
  expiryTime: number;
  status: 'ACTIVE' | 'EXPIRED' | 'CANCELED';
  /** `ZONAL_SHIFT` for customer shifts; `PRACTICE_RUN`, `FIS_EXPERIMENT`; or none, as in older answers. */
  shiftType?: string;
  practiceRunOutcome?: string;
}

/** An AWS autoshift: never a zonal shift, never in ListZonalShifts. */
export interface StoredAutoshift {
  resourceIdentifier: string;
  awayFrom: string;
  startTime: number;
  status: 'ACTIVE' | 'COMPLETED';
}

/** An error the next matching request answers with instead of its normal answer. */
export interface ArcFault {
  readonly status: number;
  readonly type: string;
  readonly reason?: string;
  /** Only this operation; any when absent. */
  readonly operation?: ArcOperation;
  /** Answer with this body as it is (e.g. a proxy's HTML page) instead of an error object. */
  readonly rawBody?: string;
}

/** Options of the fake ARC service. */
export interface FakeArcOptions {
  readonly region?: string;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  /** Resources zonal shift knows; others answer 404. Default: any resource. */
  readonly managedResources?: string[];
  /** AZ IDs of every resource, for `appliedWeights`. */
  readonly zoneIds?: string[];
  /** Page size of ListZonalShifts. Default 100. */
  readonly pageSize?: number;
}

const EXPIRES_IN = /^([1-9][0-9]*)(m|h)$/;
const SHIFT_PATH = /^\/zonalshifts\/([^/]+)$/;
const RESOURCE_PATH = /^\/managedresources\/([^/]+)$/;

/** Precedence on one resource: customer shift, then FIS experiment, then autoshift, then practice run. */
const PRECEDENCE = ['ZONAL_SHIFT', 'FIS_EXPERIMENT', 'AUTOSHIFT', 'PRACTICE_RUN'];

/**
 * An in-memory ARC zonal shift service speaking restJson1 on 127.0.0.1, behaving like the API
 * reference: one active customer shift per resource (409 `ConflictException` on a second); a
 * customer shift interrupts active practice runs and FIS experiments; autoshifts live apart and
 * appear only in GetManagedResource, never in ListZonalShifts; `appliedStatus` and
 * `appliedWeights` follow the precedence; Update/Cancel of a shift that is no longer active answer
 * 409 `ZonalShiftStatusNotActive`; page tokens are opaque; SigV4 is verified on the raw path and
 * query with an own implementation of the canonical request.
 */
export class FakeArcServer {
  static async start(options: FakeArcOptions = {}): Promise<FakeArcServer> {
    const fake = new FakeArcServer(options);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  readonly shifts: StoredShift[] = [];
  readonly autoshifts: StoredAutoshift[] = [];
  readonly requests: ArcRequest[] = [];
  readonly faults: ArcFault[] = [];
  /** The service's clock in epoch seconds. */
  nowSeconds: () => number = () => Math.floor(Date.now() / 1000);
  /** Runs when a request arrives, before it is answered (to change the world in a race). */
  onRequest?: (operation: ArcOperation) => void;

  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  private readonly managed?: Set<string>;
  private readonly zoneIds: string[];
  private readonly pageSize: number;
  private readonly pageTokens = new Map<string, number>();
  private readonly server: http.Server;

  private constructor(options: FakeArcOptions) {
    this.region = options.region ?? 'us-east-1';
    this.accessKeyId = options.accessKeyId ?? 'AKIDFAKEARC';
    this.secretAccessKey = options.secretAccessKey ?? 'fake-arc-secret';
    this.managed = options.managedResources ? new Set(options.managedResources) : undefined;
    this.zoneIds = options.zoneIds ?? ['use1-az6', 'use1-az1', 'use1-az2'];
    this.pageSize = options.pageSize ?? 100;
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        try {
          const [status, body] = this.handle(req, Buffer.concat(chunks).toString('utf8'));
          this.reply(res, status, body);
        } catch (err) {
          this.reply(res, 500, { __type: 'InternalServerException', message: (err as Error).message });
        }
      });
    });
  }

  /** Base URL, e.g. `http://127.0.0.1:12345`. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Zonal shifts that are active now (all types). */
  activeShifts(): StoredShift[] {
    this.expire();
    return this.shifts.filter((shift) => shift.status === 'ACTIVE');
  }

  /** Requests of one operation. */
  calls(operation: ArcOperation): ArcRequest[] {
    return this.requests.filter((request) => request.operation === operation);
  }

  /** Start, Update and Cancel requests. */
  writes(): ArcRequest[] {
    return this.requests.filter((request) => request.method !== 'GET');
  }

  /**
   * Adds a zonal shift as if someone else had started it: by default an operator's customer
   * shift; pass `shiftType` for a practice run or FIS experiment, or `undefined` for none.
   */
  seed(shift: Partial<StoredShift> & { resourceIdentifier: string; awayFrom: string }): StoredShift {
    const now = this.nowSeconds();
    const stored: StoredShift = {
      zonalShiftId: randomUUID(),
      comment: 'started by an operator',
      startTime: now,
      expiryTime: now + 3600,
      status: 'ACTIVE',
      shiftType: 'ZONAL_SHIFT',
      ...shift,
    };
    this.shifts.push(stored);
    return stored;
  }

  /** Adds an active AWS autoshift. */
  seedAutoshift(autoshift: { resourceIdentifier: string; awayFrom: string }): StoredAutoshift {
    const stored: StoredAutoshift = { startTime: this.nowSeconds(), status: 'ACTIVE', ...autoshift };
    this.autoshifts.push(stored);
    return stored;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private reply(res: http.ServerResponse, status: number, body: unknown): void {
    if (body instanceof RawBody) {
      res.writeHead(status, { 'content-type': 'text/html' });
      res.end(body.text);
      return;
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (status >= 400 && typeof (body as { __type?: unknown }).__type === 'string') {
      headers['x-amzn-errortype'] = (body as { __type: string }).__type;
    }
    res.writeHead(status, headers);
    res.end(JSON.stringify(body));
  }

  private operationOf(method: string, path: string): ArcOperation {
    if (path === '/zonalshifts') {
      return method === 'POST' ? 'StartZonalShift' : method === 'GET' ? 'ListZonalShifts' : 'Unknown';
    }
    if (SHIFT_PATH.test(path)) {
      return method === 'PATCH' ? 'UpdateZonalShift' : method === 'DELETE' ? 'CancelZonalShift' : 'Unknown';
    }
    return RESOURCE_PATH.test(path) && method === 'GET' ? 'GetManagedResource' : 'Unknown';
  }

  private handle(req: http.IncomingMessage, body: string): [number, unknown] {
    const rawUrl = req.url ?? '/';
    const rawPath = rawUrl.split('?')[0];
    const url = new URL(rawUrl, 'http://127.0.0.1');
    const query: Record<string, string> = {};
    url.searchParams.forEach((value, key) => {
      query[key] = value;
    });
    let json: Record<string, unknown> | undefined;
    try {
      json = body ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    const method = req.method ?? 'GET';
    const operation = this.operationOf(method, rawPath);
    let signatureValid: boolean;
    try {
      signatureValid = verifySigV4(req, body, { accessKeyId: this.accessKeyId, secretAccessKey: this.secretAccessKey, region: this.region, service: 'arc-zonal-shift' });
    } catch {
      signatureValid = false;
    }
    this.requests.push({ operation, method, rawPath, path: url.pathname, query, headers: req.headers, body, json, signatureValid });
    if (!signatureValid) {
      return [403, { __type: 'InvalidSignatureException', message: 'The request signature we calculated does not match the signature you provided.' }];
    }
    this.onRequest?.(operation);
    const faultIndex = this.faults.findIndex((fault) => !fault.operation || fault.operation === operation);
    if (faultIndex >= 0) {
      const [fault] = this.faults.splice(faultIndex, 1);
      if (fault.rawBody !== undefined) {
        return [fault.status, new RawBody(fault.rawBody)];
      }
      return [fault.status, { __type: fault.type, message: `injected ${fault.type}`, reason: fault.reason }];
    }
    this.expire();
    const shiftPath = SHIFT_PATH.exec(rawPath);
    const resourcePath = RESOURCE_PATH.exec(rawPath);
    switch (operation) {
      case 'StartZonalShift':
        return this.startShift(json ?? {});
      case 'ListZonalShifts':
        return this.listShifts(query);
      case 'UpdateZonalShift':
        return this.updateShift(decodeURIComponent(shiftPath![1]), json ?? {});
      case 'CancelZonalShift':
        return this.cancelShift(decodeURIComponent(shiftPath![1]));
      case 'GetManagedResource':
        return this.getManagedResource(decodeURIComponent(resourcePath![1]));
      default:
        return [404, { __type: 'ResourceNotFoundException', message: `no route ${method} ${rawPath}` }];
    }
  }

  private getManagedResource(arn: string): [number, unknown] {
    if (!arn.startsWith('arn:') || (this.managed && !this.managed.has(arn))) {
      return [404, { __type: 'ResourceNotFoundException', message: `${arn} is not a managed resource` }];
    }
    const shifts = this.shifts.filter((shift) => shift.status === 'ACTIVE' && shift.resourceIdentifier === arn);
    const autoshifts = this.autoshifts.filter((autoshift) => autoshift.status === 'ACTIVE' && autoshift.resourceIdentifier === arn);
    const kinds = [
      ...shifts.map((shift) => ({ rank: PRECEDENCE.indexOf(shift.shiftType ?? 'ZONAL_SHIFT'), item: shift as object, awayFrom: shift.awayFrom })),
      ...autoshifts.map((autoshift) => ({ rank: PRECEDENCE.indexOf('AUTOSHIFT'), item: autoshift as object, awayFrom: autoshift.awayFrom })),
    ].sort((a, b) => a.rank - b.rank);
    const applied = kinds[0];
    const status = (item: object) => (applied && applied.item === item ? 'APPLIED' : 'NOT_APPLIED');
    const appliedWeights: Record<string, number> = {};
    for (const zone of this.zoneIds) {
      appliedWeights[zone] = applied && applied.awayFrom === zone ? 0 : 1;
    }
    return [200, {
      arn,
      name: arn.split('/').slice(-2, -1)[0],
      appliedWeights,
      zonalShifts: shifts.map((shift) => ({
        appliedStatus: status(shift),
        awayFrom: shift.awayFrom,
        comment: shift.comment,
        expiryTime: shift.expiryTime,
        resourceIdentifier: shift.resourceIdentifier,
        startTime: shift.startTime,
        zonalShiftId: shift.zonalShiftId,
        ...(shift.shiftType !== undefined ? { shiftType: shift.shiftType } : {}),
        ...(shift.practiceRunOutcome !== undefined ? { practiceRunOutcome: shift.practiceRunOutcome } : {}),
      })),
      autoshifts: autoshifts.map((autoshift) => ({ appliedStatus: status(autoshift), awayFrom: autoshift.awayFrom, startTime: autoshift.startTime })),
      zonalAutoshiftStatus: 'ENABLED',
    }];
  }

  private startShift(input: Record<string, unknown>): [number, unknown] {
    const { resourceIdentifier, awayFrom, expiresIn, comment } = input;
    if (typeof resourceIdentifier !== 'string' || resourceIdentifier.length < 8 || resourceIdentifier.length > 1024) {
      return validation('InvalidResourceIdentifier', 'resourceIdentifier');
    }
    if (typeof awayFrom !== 'string' || awayFrom.length === 0 || awayFrom.length > 20) {
      return validation('InvalidAz', 'awayFrom');
    }
    const minutes = expiryMinutes(expiresIn);
    if (minutes === undefined) {
      return validation('InvalidExpiresIn', 'expiresIn');
    }
    if (typeof comment !== 'string' || comment.length > 128) {
      return validation('InvalidCommentLength', 'comment');
    }
    if (this.managed && !this.managed.has(resourceIdentifier)) {
      return [404, { __type: 'ResourceNotFoundException', message: 'resource is not managed by zonal shift' }];
    }
    const onResource = this.shifts.filter((shift) => shift.status === 'ACTIVE' && shift.resourceIdentifier === resourceIdentifier);
    const existing = onResource.find(isCustomerShift);
    if (existing) {
      return [409, {
        __type: 'ConflictException',
        message: 'a zonal shift is already active for this resource',
        reason: 'ZonalShiftAlreadyExists',
        zonalShiftId: existing.zonalShiftId,
      }];
    }
    for (const other of onResource) {
      if (other.shiftType === 'PRACTICE_RUN' || other.shiftType === 'FIS_EXPERIMENT') {
        other.status = 'CANCELED';
        if (other.shiftType === 'PRACTICE_RUN') {
          other.practiceRunOutcome = 'INTERRUPTED';
        }
      }
    }
    const now = this.nowSeconds();
    const shift: StoredShift = {
      zonalShiftId: randomUUID(),
      resourceIdentifier,
      awayFrom,
      comment,
      startTime: now,
      expiryTime: now + minutes * 60,
      status: 'ACTIVE',
      shiftType: 'ZONAL_SHIFT',
    };
    this.shifts.push(shift);
    return [201, writeAnswer(shift)];
  }

  /** ListZonalShifts: zonal shifts only (never autoshifts), opaque page tokens. */
  private listShifts(query: Record<string, string>): [number, unknown] {
    const matching = this.shifts.filter((shift) => (!query.status || shift.status === query.status)
      && (!query.resourceIdentifier || shift.resourceIdentifier === query.resourceIdentifier));
    let start = 0;
    if (query.nextToken !== undefined) {
      const known = this.pageTokens.get(query.nextToken);
      if (known === undefined) {
        return validation('InvalidToken', 'nextToken');
      }
      start = known;
    }
    const size = Math.min(this.pageSize, query.maxResults ? Number(query.maxResults) : this.pageSize);
    const items = matching.slice(start, start + size).map((shift) => ({ ...shift }));
    let nextToken: string | undefined;
    if (start + size < matching.length) {
      nextToken = `${randomBytes(9).toString('base64')}+/=&${start + size}`;
      this.pageTokens.set(nextToken, start + size);
    }
    return [200, { items, nextToken }];
  }

  private findForWrite(id: string): StoredShift | [number, unknown] {
    const shift = this.shifts.find((candidate) => candidate.zonalShiftId === id);
    if (!shift) {
      return [404, { __type: 'ResourceNotFoundException', message: `no zonal shift ${id}` }];
    }
    if (shift.status !== 'ACTIVE') {
      return [409, { __type: 'ConflictException', message: `zonal shift ${id} is ${shift.status}`, reason: 'ZonalShiftStatusNotActive', zonalShiftId: id }];
    }
    return shift;
  }

  private updateShift(id: string, input: Record<string, unknown>): [number, unknown] {
    const shift = this.findForWrite(id);
    if (Array.isArray(shift)) {
      return shift;
    }
    if (input.expiresIn !== undefined) {
      const minutes = expiryMinutes(input.expiresIn);
      if (minutes === undefined) {
        return validation('InvalidExpiresIn', 'expiresIn');
      }
      shift.expiryTime = this.nowSeconds() + minutes * 60;
    }
    if (input.comment !== undefined) {
      if (typeof input.comment !== 'string' || input.comment.length > 128) {
        return validation('InvalidCommentLength', 'comment');
      }
      shift.comment = input.comment;
    }
    return [200, writeAnswer(shift)];
  }

  private cancelShift(id: string): [number, unknown] {
    const shift = this.findForWrite(id);
    if (Array.isArray(shift)) {
      return shift;
    }
    shift.status = 'CANCELED';
    return [200, writeAnswer(shift)];
  }

  private expire(): void {
    const now = this.nowSeconds();
    for (const shift of this.shifts) {
      if (shift.status === 'ACTIVE' && shift.expiryTime <= now) {
        shift.status = 'EXPIRED';
      }
    }
  }
}

/** A body sent as it is, not as JSON. */
class RawBody {
  constructor(readonly text: string) {}
}

function isCustomerShift(shift: StoredShift): boolean {
  return shift.shiftType === undefined || shift.shiftType === 'ZONAL_SHIFT';
}

/** A ZonalShift, as the write operations answer: no shiftType, appliedStatus or practiceRunOutcome. */
function writeAnswer(shift: StoredShift): Omit<StoredShift, 'shiftType' | 'practiceRunOutcome'> {
  const { shiftType: _type, practiceRunOutcome: _outcome, ...rest } = shift;
  return rest;
}

function validation(reason: string, field: string): [number, unknown] {
  return [400, { __type: 'ValidationException', message: `invalid ${field}`, reason }];
}

function expiryMinutes(value: unknown): number | undefined {
  const match = typeof value === 'string' ? EXPIRES_IN.exec(value) : null;
  if (!match) {
    return undefined;
  }
  const minutes = Number(match[1]) * (match[2] === 'h' ? 60 : 1);
  return minutes <= 72 * 60 ? minutes : undefined;
}
