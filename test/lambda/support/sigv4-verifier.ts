import { createHash, createHmac } from 'node:crypto';
import * as http from 'node:http';

/**
 * Verifies an AWS Signature Version 4 `Authorization` header the way AWS documents the canonical
 * request, independently of the client's signing library:
 *
 *   CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n
 *                      SignedHeaders \n hex(SHA256(payload))
 *
 * - CanonicalURI: the raw request path as received, each segment URI-encoded once more (services
 *   other than S3 encode the already-encoded path again).
 * - CanonicalQuery: the raw query split on `&` and `=`, names and values percent-decoded and then
 *   URI-encoded (unreserved characters `A-Za-z0-9-_.~` kept), sorted by name then value.
 * - CanonicalHeaders: the signed headers, lower-case names, trimmed values with inner runs of
 *   spaces collapsed, each followed by a newline.
 * - The signature is HMAC-SHA256 of the string to sign under the key derived from
 *   `AWS4<secret>`, date, Region, service and `aws4_request`.
 */
export interface SigV4Expectation {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  readonly service: string;
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/** RFC 3986 encoding of everything but the unreserved characters, as SigV4 asks. */
export function uriEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function hex(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** The canonical query string of a raw query (without `?`). */
export function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') {
    return '';
  }
  return rawQuery.split('&')
    .map((pair) => {
      const at = pair.indexOf('=');
      const name = at >= 0 ? pair.slice(0, at) : pair;
      const value = at >= 0 ? pair.slice(at + 1) : '';
      return [uriEncode(decodeURIComponent(name)), uriEncode(decodeURIComponent(value))];
    })
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : av > bv ? 1 : 0) : a < b ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** The canonical URI of a raw path (segments encoded once more). */
export function canonicalUri(rawPath: string): string {
  return rawPath.split('/').map(uriEncode).join('/') || '/';
}

/** The canonical headers of the signed header names, or undefined when one is absent. */
function canonicalHeaders(req: http.IncomingMessage, signedHeaders: string[]): string | undefined {
  let lines = '';
  for (const name of signedHeaders) {
    const value = req.headers[name];
    if (value === undefined) {
      return undefined;
    }
    const joined = Array.isArray(value) ? value.join(',') : value;
    lines += `${name}:${joined.trim().replace(/\s+/g, ' ')}\n`;
  }
  return lines;
}

/** HMAC-SHA256 of the string to sign under the key derived from the secret and the scope. */
function signatureOf(secretAccessKey: string, amzDate: string, scope: string, canonicalRequest: string): string {
  const [date, region, service] = scope.split('/');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}

/** Whether the request's signature is the one AWS would compute. */
export function verifySigV4(req: http.IncomingMessage, body: string, expected: SigV4Expectation): boolean {
  const auth = AUTHORIZATION.exec(String(req.headers.authorization ?? ''));
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!auth || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
    return false;
  }
  const [, keyId, date, region, service, signedHeaderList, signature] = auth;
  if (keyId !== expected.accessKeyId || region !== expected.region || service !== expected.service || !amzDate.startsWith(date)) {
    return false;
  }
  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) {
    return false;
  }
  if (req.headers['x-amz-security-token'] !== undefined && !signedHeaders.includes('x-amz-security-token')) {
    return false;
  }
  const headerLines = canonicalHeaders(req, signedHeaders);
  if (headerLines === undefined) {
    return false;
  }
  const rawUrl = req.url ?? '/';
  const queryAt = rawUrl.indexOf('?');
  const rawPath = queryAt >= 0 ? rawUrl.slice(0, queryAt) : rawUrl;
  const rawQuery = queryAt >= 0 ? rawUrl.slice(queryAt + 1) : '';
  const canonicalRequest = [
    req.method ?? 'GET',
    canonicalUri(rawPath),
    canonicalQuery(rawQuery),
    headerLines,
    signedHeaderList,
    hex(body),
  ].join('\n');
  return signatureOf(expected.secretAccessKey, amzDate, `${date}/${region}/${service}/aws4_request`, canonicalRequest) === signature;
}

/**
 * Whether a presigned request (query-string authentication) carries the signature AWS would
 * compute: the canonical query is every parameter but `X-Amz-Signature`, the signed headers come
 * from `X-Amz-SignedHeaders`, and the payload hash is that of the body (empty for a GET). Also
 * false once `X-Amz-Date` plus `X-Amz-Expires` seconds (or the service's own `validitySeconds`,
 * when it ignores `X-Amz-Expires`) is before `nowMs`.
 */
export function verifyPresignedSigV4(req: http.IncomingMessage, body: string, expected: SigV4Expectation, nowMs: number, validitySeconds?: number): boolean {
  const rawUrl = req.url ?? '/';
  const queryAt = rawUrl.indexOf('?');
  const rawPath = queryAt >= 0 ? rawUrl.slice(0, queryAt) : rawUrl;
  const pairs = (queryAt >= 0 ? rawUrl.slice(queryAt + 1) : '').split('&').filter((pair) => pair !== '');
  const params = new Map(pairs.map((pair) => {
    const at = pair.indexOf('=');
    return [decodeURIComponent(at >= 0 ? pair.slice(0, at) : pair), decodeURIComponent(at >= 0 ? pair.slice(at + 1) : '')];
  }));
  const credential = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/.exec(params.get('X-Amz-Credential') ?? '');
  const amzDate = params.get('X-Amz-Date') ?? '';
  const expires = Number(params.get('X-Amz-Expires'));
  const signature = params.get('X-Amz-Signature') ?? '';
  const signedHeaderList = params.get('X-Amz-SignedHeaders') ?? '';
  if (!credential || params.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' || !/^\d{8}T\d{6}Z$/.test(amzDate) || !Number.isInteger(expires) || !/^[0-9a-f]{64}$/.test(signature)) {
    return false;
  }
  const [, keyId, date, region, service] = credential;
  if (keyId !== expected.accessKeyId || region !== expected.region || service !== expected.service || !amzDate.startsWith(date)) {
    return false;
  }
  const signedAt = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
  if (nowMs > signedAt + (validitySeconds ?? expires) * 1000) {
    return false;
  }
  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host')) {
    return false;
  }
  const headerLines = canonicalHeaders(req, signedHeaders);
  if (headerLines === undefined) {
    return false;
  }
  const unsignedQuery = pairs.filter((pair) => decodeURIComponent(pair.split('=')[0]) !== 'X-Amz-Signature').join('&');
  const canonicalRequest = [
    req.method ?? 'GET',
    canonicalUri(rawPath),
    canonicalQuery(unsignedQuery),
    headerLines,
    signedHeaderList,
    hex(body),
  ].join('\n');
  return signatureOf(expected.secretAccessKey, amzDate, `${date}/${region}/${service}/aws4_request`, canonicalRequest) === signature;
}
