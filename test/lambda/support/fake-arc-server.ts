import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

/** A request the fake ARC service received. */
export interface ArcRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly json: Record<string, unknown> | undefined;
  /** Whether the SigV4 signature verified against the server's credentials. */
  readonly signatureValid: boolean;
}

/** A zonal shift as the fake stores it. */
export interface StoredShift {
  zonalShiftId: string;
  resourceIdentifier: string;
  awayFrom: string;
  comment: string;
  startTime: number;
  expiryTime: number;
  status: 'ACTIVE' | 'EXPIRED' | 'CANCELED';
  /** `ZONAL_SHIFT` for customer shifts; tests seed others (or none, as in older responses). */
  shiftType?: string;
  /** Practice runs only. */
  practiceRunOutcome?: string;
}

/** An error the next matching request answers with instead of its normal answer. */
export interface ArcFault {
  readonly status: number;
  readonly type: string;
  readonly reason?: string;
  readonly method?: string;
}

/** Options of the fake ARC service. */
export interface FakeArcOptions {
  readonly region?: string;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  /** Resources zonal shift knows; others answer 404. Default: any resource. */
  readonly managedResources?: string[];
  /** Page size of ListZonalShifts. Default 100. */
  readonly pageSize?: number;
}

const EXPIRES_IN = /^([1-9][0-9]*)(m|h)$/;
const SHIFT_PATH = /^\/zonalshifts\/([^/]+)$/;
const CREDENTIAL = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/**
 * An in-memory ARC zonal shift service speaking restJson1 on 127.0.0.1: one active customer
 * shift per resource, 409 ConflictException on a second, SigV4 verification, injectable faults.
 * A customer shift interrupts active practice runs and FIS experiments (ARC's precedence); an
 * autoshift stays active beside it. ListZonalShifts carries `shiftType`; the write operations
 * answer a ZonalShift, which has none.
 */
export class FakeArcServer {
  static async start(options: FakeArcOptions = {}): Promise<FakeArcServer> {
    const fake = new FakeArcServer(options);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  readonly shifts: StoredShift[] = [];
  readonly requests: ArcRequest[] = [];
  readonly faults: ArcFault[] = [];
  /** The service's clock in epoch seconds. */
  nowSeconds: () => number = () => Math.floor(Date.now() / 1000);

  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  private readonly managed?: Set<string>;
  private readonly pageSize: number;
  private readonly server: http.Server;

  private constructor(options: FakeArcOptions) {
    this.region = options.region ?? 'us-east-1';
    this.accessKeyId = options.accessKeyId ?? 'AKIDFAKEARC';
    this.secretAccessKey = options.secretAccessKey ?? 'fake-arc-secret';
    this.managed = options.managedResources ? new Set(options.managedResources) : undefined;
    this.pageSize = options.pageSize ?? 100;
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.handle(req, Buffer.concat(chunks).toString('utf8'))
          .then(([status, body]) => this.reply(res, status, body))
          .catch((err: Error) => this.reply(res, 500, { __type: 'InternalServerException', message: err.message }));
      });
    });
  }

  /** Base URL, e.g. `http://127.0.0.1:12345`. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Shifts that are active now. */
  activeShifts(): StoredShift[] {
    this.expire();
    return this.shifts.filter((shift) => shift.status === 'ACTIVE');
  }

  /** Requests other than ListZonalShifts. */
  writes(): ArcRequest[] {
    return this.requests.filter((request) => request.method !== 'GET');
  }

  /**
   * Adds a shift as if someone else had started it: by default an operator's customer shift;
   * pass `shiftType` for a practice run, autoshift or FIS experiment, or `undefined` for none.
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

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private reply(res: http.ServerResponse, status: number, body: unknown): void {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (status >= 400 && typeof (body as { __type?: unknown }).__type === 'string') {
      headers['x-amzn-errortype'] = (body as { __type: string }).__type;
    }
    res.writeHead(status, headers);
    res.end(JSON.stringify(body));
  }

  private async handle(req: http.IncomingMessage, body: string): Promise<[number, unknown]> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
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
    const signatureValid = await this.verifySignature(req, url, query, body);
    this.requests.push({ method, path: url.pathname, query, headers: req.headers, body, json, signatureValid });

    if (!signatureValid) {
      return [403, { __type: 'InvalidSignatureException', message: 'signature does not match' }];
    }
    const faultIndex = this.faults.findIndex((fault) => !fault.method || fault.method === method);
    if (faultIndex >= 0) {
      const [fault] = this.faults.splice(faultIndex, 1);
      return [fault.status, { __type: fault.type, message: `injected ${fault.type}`, reason: fault.reason }];
    }
    this.expire();
    const shiftPath = SHIFT_PATH.exec(url.pathname);
    if (url.pathname === '/zonalshifts' && method === 'POST') {
      return this.startShift(json ?? {});
    }
    if (url.pathname === '/zonalshifts' && method === 'GET') {
      return this.listShifts(query);
    }
    if (shiftPath && method === 'PATCH') {
      return this.updateShift(decodeURIComponent(shiftPath[1]), json ?? {});
    }
    if (shiftPath && method === 'DELETE') {
      return this.cancelShift(decodeURIComponent(shiftPath[1]));
    }
    return [404, { __type: 'ResourceNotFoundException', message: `no route ${method} ${url.pathname}` }];
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

  private listShifts(query: Record<string, string>): [number, unknown] {
    const matching = this.shifts.filter((shift) => (!query.status || shift.status === query.status)
      && (!query.resourceIdentifier || shift.resourceIdentifier === query.resourceIdentifier));
    const start = query.nextToken ? Number(query.nextToken) : 0;
    const size = Math.min(this.pageSize, query.maxResults ? Number(query.maxResults) : this.pageSize);
    const items = matching.slice(start, start + size).map((shift) => ({ ...shift }));
    const nextToken = start + size < matching.length ? String(start + size) : undefined;
    return [200, { items, nextToken }];
  }

  private updateShift(id: string, input: Record<string, unknown>): [number, unknown] {
    const shift = this.shifts.find((candidate) => candidate.zonalShiftId === id && candidate.status === 'ACTIVE');
    if (!shift) {
      return [404, { __type: 'ResourceNotFoundException', message: `no active zonal shift ${id}` }];
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
    const shift = this.shifts.find((candidate) => candidate.zonalShiftId === id && candidate.status === 'ACTIVE');
    if (!shift) {
      return [404, { __type: 'ResourceNotFoundException', message: `no active zonal shift ${id}` }];
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

  private async verifySignature(req: http.IncomingMessage, url: URL, query: Record<string, string>, body: string): Promise<boolean> {
    const auth = CREDENTIAL.exec(String(req.headers.authorization ?? ''));
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
    if (!auth || !date || auth[1] !== this.accessKeyId || auth[3] !== this.region || auth[4] !== 'arc-zonal-shift') {
      return false;
    }
    const signedHeaders = auth[5].split(';');
    if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) {
      return false;
    }
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) {
      const value = req.headers[name];
      if (value === undefined) {
        return false;
      }
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const signer = new SignatureV4({
      service: 'arc-zonal-shift',
      region: this.region,
      credentials: { accessKeyId: this.accessKeyId, secretAccessKey: this.secretAccessKey },
      sha256: Sha256,
    });
    const signingDate = new Date(Date.UTC(+date[1], +date[2] - 1, +date[3], +date[4], +date[5], +date[6]));
    const expected = await signer.sign({
      method: req.method ?? 'GET',
      protocol: 'http:',
      hostname: url.hostname,
      path: url.pathname,
      query,
      headers,
      body: body || undefined,
    }, { signingDate });
    return expected.headers.authorization === req.headers.authorization;
  }
}

function isCustomerShift(shift: StoredShift): boolean {
  return shift.shiftType === undefined || shift.shiftType === 'ZONAL_SHIFT';
}

/** A ZonalShift, as the write operations answer: no shiftType or practiceRunOutcome. */
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
