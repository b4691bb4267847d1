/**
 * Who asked for a drill. Lambda does not tell a function who invoked it, so the drill carries a
 * proof: an `sts:GetCallerIdentity` request presigned by the caller, with one extra signed header,
 * {@link DRILL_BINDING_HEADER}, whose value must be this function's ARN. The function sends that
 * request to STS in its own Region, with the header set to its own ARN: STS accepts the signature
 * only if the caller signed exactly that, and answers with the caller's ARN. A proof made for
 * another function, another Region or another endpoint does not verify here, and the function
 * never sends it anywhere but its own STS endpoint.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { DNS_SUFFIX } from './arc-client';

/** The signed header that binds a drill's identity proof to one function. */
export const DRILL_BINDING_HEADER = 'x-cdk-azi-drill';
/** The longest validity of a proof the function accepts (`X-Amz-Expires`, seconds). */
export const MAX_PROOF_EXPIRY_SECONDS = 300;
/** Clock difference allowed between the caller and the function. */
export const PROOF_CLOCK_SKEW_SECONDS = 60;
/** Upper bound of a proof's query (a session token is at most a few KB). */
const MAX_PROOF_BYTES = 8192;

/** The caller, as STS reports it. */
export interface CallerIdentity {
  readonly arn: string;
  readonly account: string;
}

/** Verifies a presigned `GetCallerIdentity` query and returns whose it is. */
export interface IdentityVerifier {
  /** @param nowMs the function's clock, for the proof's age */
  callerIdentity(signedQuery: Record<string, string>, binding: string, nowMs: number): Promise<CallerIdentity>;
}

/** A proof that was refused before or by STS; the message says why, for the drill's refusal. */
export class IdentityProofError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdentityProofError';
  }
}

const QUERY_KEYS = new Set([
  'Action', 'Version', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires',
  'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token',
]);
const REQUIRED_KEYS = ['Action', 'Version', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'];

/**
 * Checks the shape of a proof: a presigned `GetCallerIdentity` query (nothing else STS could be
 * asked to do), short-lived, with the binding header among the signed headers. Returns the query,
 * or throws {@link IdentityProofError} naming what is wrong.
 *
 * STS itself accepts a presigned request for 15 minutes after `X-Amz-Date`, whatever
 * `X-Amz-Expires` says, so the function checks the age itself: signed at most `X-Amz-Expires`
 * (plus clock skew) ago, and not in the future.
 */
export function checkProof(value: unknown, nowMs: number): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new IdentityProofError('the drill has no identity proof (identity.query); run it with `npx cdk-azi drill`');
  }
  const query: Record<string, string> = {};
  let bytes = 0;
  for (const [key, raw] of Object.entries(value)) {
    if (!QUERY_KEYS.has(key) || typeof raw !== 'string') {
      throw new IdentityProofError(`the identity proof has an unexpected parameter ${JSON.stringify(key).slice(0, 40)}`);
    }
    bytes += key.length + raw.length;
    query[key] = raw;
  }
  if (bytes > MAX_PROOF_BYTES) {
    throw new IdentityProofError(`the identity proof is ${bytes} bytes, more than ${MAX_PROOF_BYTES}`);
  }
  const missing = REQUIRED_KEYS.filter((key) => !query[key]);
  if (missing.length > 0) {
    throw new IdentityProofError(`the identity proof lacks ${missing.join(', ')}`);
  }
  if (query.Action !== 'GetCallerIdentity' || query.Version !== '2011-06-15') {
    throw new IdentityProofError('the identity proof must be a presigned sts:GetCallerIdentity request (Version 2011-06-15)');
  }
  if (query['X-Amz-Algorithm'] !== 'AWS4-HMAC-SHA256') {
    throw new IdentityProofError('the identity proof must be signed with AWS4-HMAC-SHA256');
  }
  const expires = Number(query['X-Amz-Expires']);
  if (!/^[1-9][0-9]*$/.test(query['X-Amz-Expires']) || expires > MAX_PROOF_EXPIRY_SECONDS) {
    throw new IdentityProofError(`the identity proof must expire within ${MAX_PROOF_EXPIRY_SECONDS} s (X-Amz-Expires ${query['X-Amz-Expires'].slice(0, 12)})`);
  }
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(query['X-Amz-Date']);
  const signedAtMs = date ? Date.UTC(+date[1], +date[2] - 1, +date[3], +date[4], +date[5], +date[6]) : NaN;
  if (Number.isNaN(signedAtMs)) {
    throw new IdentityProofError(`the identity proof's X-Amz-Date ${query['X-Amz-Date'].slice(0, 20)} is not a SigV4 date`);
  }
  const skewMs = PROOF_CLOCK_SKEW_SECONDS * 1000;
  const ageSeconds = Math.floor((nowMs - signedAtMs) / 1000);
  if (signedAtMs > nowMs + skewMs) {
    throw new IdentityProofError(`the identity proof is dated ${query['X-Amz-Date']}, ${-ageSeconds} s in the future (more than ${PROOF_CLOCK_SKEW_SECONDS} s of clock skew); check the caller's clock`);
  }
  if (nowMs - signedAtMs > expires * 1000 + skewMs) {
    throw new IdentityProofError(`the identity proof was signed ${ageSeconds} s ago, more than its ${expires} s (plus ${PROOF_CLOCK_SKEW_SECONDS} s of clock skew); run the drill again`);
  }
  const signed = query['X-Amz-SignedHeaders'].split(';');
  if (!signed.includes('host') || !signed.includes(DRILL_BINDING_HEADER)) {
    throw new IdentityProofError(`the identity proof must sign the host and ${DRILL_BINDING_HEADER} headers`);
  }
  return query;
}

/**
 * The STS endpoint of the function's Region: `AWS_ENDPOINT_URL_STS`, then `AWS_ENDPOINT_URL`,
 * then `https://sts.<region>.<partition DNS suffix>` (the Regional endpoint, never the global one:
 * the caller signs for the function's Region).
 */
export function stsEndpoint(region: string, partition: string, env: Record<string, string | undefined>): string {
  const override = env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL;
  if (override) {
    return override.replace(/\/+$/, '');
  }
  const suffix = Object.prototype.hasOwnProperty.call(DNS_SUFFIX, partition) ? DNS_SUFFIX[partition] : 'amazonaws.com';
  return `https://sts.${region}.${suffix}`;
}

/** Encodes a query the way SigV4 canonicalizes it (RFC 3986, unreserved characters kept). */
function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return match?.[1]
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** Sends the caller's presigned request to the function's own STS endpoint. */
export class StsIdentityVerifier implements IdentityVerifier {
  private readonly url: URL;

  constructor(endpoint: string, private readonly timeoutMs = 3000) {
    this.url = new URL(endpoint);
    if (this.url.protocol !== 'https:' && this.url.protocol !== 'http:') {
      throw new Error(`STS endpoint ${endpoint} is not an http(s) URL`);
    }
  }

  async callerIdentity(signedQuery: Record<string, string>, binding: string, nowMs: number): Promise<CallerIdentity> {
    const query = checkProof(signedQuery, nowMs);
    const search = Object.keys(query).sort().map((key) => `${encode(key)}=${encode(query[key])}`).join('&');
    const path = `${this.url.pathname.replace(/\/+$/, '')}/?${search}`;
    const { status, body } = await this.get(path, { [DRILL_BINDING_HEADER]: binding });
    if (status !== 200) {
      const code = xmlText(body, 'Code') ?? `HTTP ${status}`;
      const message = xmlText(body, 'Message') ?? '';
      const hint = code === 'SignatureDoesNotMatch' ? ' (a proof signed for another function, Region or STS endpoint does not verify here)' : '';
      throw new IdentityProofError(`STS refused the identity proof: ${code}${message ? `: ${message}` : ''}${hint}`);
    }
    const arn = xmlText(body, 'Arn');
    const account = xmlText(body, 'Account');
    if (!arn || !account || !/^arn:[a-z-]+:(sts|iam)::\d{12}:/.test(arn)) {
      throw new IdentityProofError('STS answered GetCallerIdentity without a caller ARN');
    }
    return { arn, account };
  }

  private get(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    const transport = this.url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      let deadline: NodeJS.Timeout | undefined;
      let request: http.ClientRequest;
      try {
        request = transport.request({
          method: 'GET',
          hostname: this.url.hostname,
          port: this.url.port || undefined,
          path,
          headers: { ...headers, host: this.url.host, accept: 'text/xml' },
        }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            clearTimeout(deadline);
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          });
          response.on('error', (err) => {
            clearTimeout(deadline);
            reject(new IdentityProofError(`STS's answer broke off: ${err.message}`));
          });
        });
      } catch (err) {
        // Node refuses to build some requests (a header with a control character, say) and throws
        // here. No timer is armed yet, so nothing outlives the refusal.
        reject(new IdentityProofError(`STS could not be asked: ${(err as Error).message}`));
        return;
      }
      deadline = setTimeout(() => {
        request.destroy(new IdentityProofError(`STS did not answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      request.on('error', (err) => {
        clearTimeout(deadline);
        reject(err instanceof IdentityProofError ? err : new IdentityProofError(`STS could not be reached: ${err.message}`));
      });
      request.end();
    });
  }
}

/**
 * Whether a caller is one of the allowed drill roles: `arn:P:sts::A:assumed-role/NAME/session`
 * matches the role `arn:P:iam::A:role/<path>NAME`. Nothing else matches (IAM users, the root user,
 * federated users): a drill runs under a role.
 */
export function isAllowedCaller(callerArn: string, roleArns: string[]): boolean {
  const caller = /^arn:([a-z-]+):sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/[^/]+$/.exec(callerArn);
  if (!caller) {
    return false;
  }
  const [, partition, account, roleName] = caller;
  return roleArns.some((roleArn) => {
    const role = /^arn:([a-z-]+):iam::(\d{12}):role\/(?:[^/]+\/)*([\w+=,.@-]+)$/.exec(roleArn);
    return role !== null && role[1] === partition && role[2] === account && role[3] === roleName;
  });
}
