import * as http from 'node:http';
import * as https from 'node:https';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { ArcError } from './errors';
import { Autoshift, ManagedResource, ShiftApi, StartShiftRequest, ZonalShift } from './types';

/** SigV4 signing name and endpoint prefix of ARC zonal shift. */
export const ARC_SERVICE = 'arc-zonal-shift';

/** Credentials as the AWS credential providers return them. */
export interface ArcCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** Options of {@link ArcZonalShiftClient}. */
export interface ArcClientOptions {
  readonly region: string;
  /** Base URL, e.g. `https://arc-zonal-shift.us-east-1.amazonaws.com`. */
  readonly endpoint: string;
  readonly credentials: () => Promise<ArcCredentials>;
  /** Per-request timeout. Default 3000 ms. */
  readonly timeoutMs?: number;
}

/** The DNS suffix of each partition's service endpoints. */
export const DNS_SUFFIX: Record<string, string> = {
  'aws': 'amazonaws.com',
  'aws-cn': 'amazonaws.com.cn',
  'aws-us-gov': 'amazonaws.com',
  'aws-iso': 'c2s.ic.gov',
  'aws-iso-b': 'sc2s.sgov.gov',
  'aws-iso-e': 'cloud.adc-e.uk',
  'aws-iso-f': 'csp.hci.ic.gov',
  'aws-eusc': 'amazonaws.eu',
};

/**
 * The ARC zonal shift endpoint: `AWS_ENDPOINT_URL_ARC_ZONAL_SHIFT`, then `AWS_ENDPOINT_URL`,
 * then `https://arc-zonal-shift.<region>.<partition DNS suffix>`.
 */
export function arcEndpoint(region: string, partition: string, env: Record<string, string | undefined>): string {
  const override = env.AWS_ENDPOINT_URL_ARC_ZONAL_SHIFT || env.AWS_ENDPOINT_URL;
  if (override) {
    return override.replace(/\/+$/, '');
  }
  const suffix = Object.prototype.hasOwnProperty.call(DNS_SUFFIX, partition) ? DNS_SUFFIX[partition] : 'amazonaws.com';
  return `https://${ARC_SERVICE}.${region}.${suffix}`;
}

/** RFC 3986 encoding, as SigV4 expects for path segments. */
function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A small restJson1 client for the ARC zonal shift operations the handler needs. */
export class ArcZonalShiftClient implements ShiftApi {
  private readonly url: URL;
  private readonly signer: SignatureV4;
  private readonly timeoutMs: number;

  constructor(options: ArcClientOptions) {
    this.url = new URL(options.endpoint);
    if (this.url.protocol !== 'https:' && this.url.protocol !== 'http:') {
      throw new Error(`ARC endpoint ${options.endpoint} is not an http(s) URL`);
    }
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.signer = new SignatureV4({
      service: ARC_SERVICE,
      region: options.region,
      credentials: options.credentials,
      sha256: Sha256,
      uriEscapePath: true,
    });
  }

  async getManagedResource(resourceIdentifier: string): Promise<ManagedResource> {
    const out = await this.call('GET', `/managedresources/${rfc3986(resourceIdentifier)}`, undefined, true);
    // An answer that is not ARC's, or about another resource, must never read as "no shifts":
    // the decision would override an autoshift or FIS experiment it cannot see. ARC always sends
    // zonalShifts and appliedWeights (required in its API model); autoshifts may be left out.
    const listOfObjects = (value: unknown) => Array.isArray(value) && value.every(isRecord);
    if (!isRecord(out) || !listOfObjects(out.zonalShifts) || !isRecord(out.appliedWeights)
      || (out.autoshifts !== undefined && !listOfObjects(out.autoshifts))
      || (out.arn !== undefined && out.arn !== resourceIdentifier)) {
      throw new ArcError({ status: 0, errorType: 'InvalidResponse', message: `GetManagedResource answered something that is not the managed resource ${resourceIdentifier}` });
    }
    return parseManagedResource(out);
  }

  async startZonalShift(request: StartShiftRequest): Promise<ZonalShift> {
    return (await this.call('POST', '/zonalshifts', request)) as ZonalShift;
  }

  async updateZonalShift(zonalShiftId: string, update: { expiresIn: string }): Promise<ZonalShift> {
    return (await this.call('PATCH', `/zonalshifts/${rfc3986(zonalShiftId)}`, update)) as ZonalShift;
  }

  async cancelZonalShift(zonalShiftId: string): Promise<ZonalShift> {
    return (await this.call('DELETE', `/zonalshifts/${rfc3986(zonalShiftId)}`)) as ZonalShift;
  }

  /** The operations the handler uses take no query string: the path and the JSON body say it all. */
  private async call(method: string, path: string, body?: unknown, strict = false): Promise<unknown> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const basePath = this.url.pathname.replace(/\/+$/, '');
    const headers: Record<string, string> = { host: this.url.host, accept: 'application/json' };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const signed = await this.signer.sign({
      method,
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      port: this.url.port ? Number(this.url.port) : undefined,
      path: basePath + path,
      headers,
      body: payload,
    });
    const response = await this.send(method, basePath + path, signed.headers, payload);
    const parsed = parseJsonBody(response.body);
    if (response.status >= 200 && response.status < 300) {
      return strict ? parsed : parsed ?? {};
    }
    throw toArcError(response, parsed);
  }

  private send(method: string, path: string, headers: Record<string, string>, payload?: string): Promise<RawResponse> {
    const transport = this.url.protocol === 'http:' ? http : https;
    return new Promise<RawResponse>((resolveOnce, rejectOnce) => {
      let deadline: NodeJS.Timeout | undefined;
      const resolve = (value: RawResponse) => {
        clearTimeout(deadline);
        resolveOnce(value);
      };
      const reject = (err: unknown) => {
        clearTimeout(deadline);
        rejectOnce(err);
      };
      let request: http.ClientRequest;
      try {
        request = transport.request(
          {
            method,
            protocol: this.url.protocol,
            hostname: this.url.hostname,
            port: this.url.port || undefined,
            path,
            headers,
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }));
            response.on('error', (err) => reject(networkError(err)));
          },
        );
      } catch (err) {
        // Node refuses to build some requests (a header with a control character, say) and throws
        // here. No timer is armed yet, so nothing outlives the refusal.
        reject(networkError(err as Error));
        return;
      }
      // The per-attempt budget is a deadline for the whole exchange, not a socket idle timeout
      // (an answer that trickles in would never hit that).
      deadline = setTimeout(() => {
        reject(new ArcError({ status: 0, errorType: 'RequestTimeout', message: `no complete response from ${this.url.host} within ${this.timeoutMs} ms` }));
        request.destroy();
      }, this.timeoutMs);
      request.on('error', (err) => reject(err instanceof ArcError ? err : networkError(err)));
      request.end(payload);
    });
  }
}

function networkError(err: Error): ArcError {
  return new ArcError({ status: 0, errorType: 'NetworkError', message: err.message });
}

/** The body as a JSON object; an empty body, other JSON (an array, a string) or no JSON is undefined. */
function parseJsonBody(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** `aws.foo#ConflictException:http://...` -> `ConflictException`. */
function bareErrorType(raw: string): string {
  const withoutSuffix = raw.split(':')[0];
  return withoutSuffix.slice(withoutSuffix.lastIndexOf('#') + 1).trim();
}

function toArcError(response: RawResponse, body: Record<string, unknown> | undefined): ArcError {
  const header = response.headers['x-amzn-errortype'];
  const rawType = (typeof header === 'string' && header)
    || (typeof body?.__type === 'string' && body.__type)
    || (typeof body?.code === 'string' && body.code)
    || `Http${response.status}`;
  const message = (typeof body?.message === 'string' && body.message)
    || (typeof body?.Message === 'string' && body.Message)
    || `HTTP ${response.status}`;
  return new ArcError({
    status: response.status,
    errorType: bareErrorType(rawType),
    message,
    reason: typeof body?.reason === 'string' ? body.reason : undefined,
    zonalShiftId: typeof body?.zonalShiftId === 'string' ? body.zonalShiftId : undefined,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** restJson1 timestamps are epoch seconds; tolerate ISO strings too. */
function epochSeconds(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return value;
  }
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed / 1000;
  }
  return undefined;
}

const optionalString = (value: unknown) => (typeof value === 'string' ? value : undefined);

function parseShift(item: Record<string, unknown>): ZonalShift {
  return {
    zonalShiftId: String(item.zonalShiftId ?? ''),
    resourceIdentifier: String(item.resourceIdentifier ?? ''),
    awayFrom: String(item.awayFrom ?? ''),
    comment: optionalString(item.comment),
    expiryTime: epochSeconds(item.expiryTime),
    startTime: epochSeconds(item.startTime),
    shiftType: optionalString(item.shiftType),
    appliedStatus: optionalString(item.appliedStatus),
    practiceRunOutcome: optionalString(item.practiceRunOutcome),
  };
}

/**
 * The parts of a GetManagedResource answer the decision reads, from an answer that
 * `getManagedResource` has already checked. A missing list reads as empty (`autoshifts` is
 * optional in ARC's API model).
 */
export function parseManagedResource(out: Record<string, unknown>): ManagedResource {
  const list = (value: unknown) => (Array.isArray(value) ? value.filter(isRecord) : []);
  const weights: Record<string, number> = {};
  if (isRecord(out.appliedWeights)) {
    for (const [zone, weight] of Object.entries(out.appliedWeights)) {
      if (typeof weight === 'number') {
        weights[zone] = weight;
      }
    }
  }
  return {
    arn: optionalString(out.arn),
    zonalShifts: list(out.zonalShifts).map(parseShift),
    autoshifts: list(out.autoshifts).map((item): Autoshift => ({
      awayFrom: String(item.awayFrom ?? ''),
      startTime: epochSeconds(item.startTime),
      appliedStatus: optionalString(item.appliedStatus),
    })),
    appliedWeights: weights,
    zonalAutoshiftStatus: optionalString(out.zonalAutoshiftStatus),
  };
}
