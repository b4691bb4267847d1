// How the ARC client reads answers: the error fields of every documented error shape, the
// precedence between them, empty and malformed bodies, and the managed resource's fields. A local
// server on 127.0.0.1 plays back one scripted answer per request and records what it received.
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { ArcZonalShiftClient, arcEndpoint, parseManagedResource } from '../../lambda/zonal-shift/arc-client';
import { ArcError } from '../../lambda/zonal-shift/errors';
import { LB_ARN } from './support/fixtures';

interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

let server: http.Server;
let answer: Answer;
let received: Received[];
let port: number;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  received = [];
  answer = { status: 200, body: '{}' };
});

const client = (endpoint = `http://127.0.0.1:${port}`) => new ArcZonalShiftClient({
  region: 'us-east-1',
  endpoint,
  credentials: async () => ({ accessKeyId: 'AKIDANSWERS', secretAccessKey: 'secret' }),
  timeoutMs: 2000,
});

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer =>
  ({ status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

async function errorOf(call: Promise<unknown>): Promise<ArcError> {
  const err = await call.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ArcError);
  return err as ArcError;
}

describe('error answers', () => {
  test.each<[string, Answer, object]>([
    ['the error type header wins over the body', json(400, { __type: 'BodyType', code: 'CodeType', message: 'm' }, { 'x-amzn-errortype': 'HeaderType' }),
      { status: 400, errorType: 'HeaderType', message: 'm' }],
    ['a namespaced body __type with a URL suffix', json(404, { __type: 'com.amazonaws.arczonalshift#ResourceNotFoundException:http://internal/', message: 'gone' }),
      { status: 404, errorType: 'ResourceNotFoundException', message: 'gone' }],
    ['a header with a suffix and spaces', json(403, {}, { 'x-amzn-errortype': ' AccessDeniedException :http://x' }),
      { status: 403, errorType: 'AccessDeniedException', message: 'HTTP 403' }],
    ['only a code', json(500, { code: 'InternalServerException', Message: 'capital M' }),
      { status: 500, errorType: 'InternalServerException', message: 'capital M' }],
    ['lower-case message wins over Message', json(500, { code: 'X', message: 'lower', Message: 'upper' }),
      { errorType: 'X', message: 'lower' }],
    ['an empty header falls back to the body', json(429, { __type: 'ThrottlingException', message: 'slow down' }, { 'x-amzn-errortype': '' }),
      { status: 429, errorType: 'ThrottlingException', message: 'slow down' }],
    ['non-string fields are ignored', json(409, { __type: 7, code: ['x'], message: 1, Message: {}, reason: 2, zonalShiftId: 3 }),
      { status: 409, errorType: 'Http409', message: 'HTTP 409', reason: undefined, zonalShiftId: undefined }],
    ['no body at all', { status: 502 }, { status: 502, errorType: 'Http502', message: 'HTTP 502' }],
    ['an HTML body', { status: 503, headers: { 'content-type': 'text/html' }, body: '<html>busy</html>' }, { status: 503, errorType: 'Http503', message: 'HTTP 503' }],
    ['a JSON string body', { status: 500, body: '"oops"' }, { errorType: 'Http500', message: 'HTTP 500' }],
    ['a conflict naming the shift and its reason', json(409, { __type: 'ConflictException', message: 'exists', reason: 'ZonalShiftAlreadyExists', zonalShiftId: 'zs-1' }),
      { status: 409, errorType: 'ConflictException', reason: 'ZonalShiftAlreadyExists', zonalShiftId: 'zs-1' }],
    ['a redirect is an error, not an answer', { status: 300, body: '{}' }, { status: 300, errorType: 'Http300' }],
    ['a type with an empty namespace', json(429, { __type: '#ThrottlingException' }), { status: 429, errorType: 'ThrottlingException' }],
  ])('%s', async (_name, scripted, fields) => {
    answer = scripted;
    const err = await errorOf(client().startZonalShift({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', expiresIn: '30m', comment: 'c' }));
    expect(err).toMatchObject(fields);
  });
});

describe('successful answers', () => {
  test('an empty 2xx answer to a write is an empty shift; to GetManagedResource it is refused as not the resource', async () => {
    answer = { status: 204 };
    await expect(client().cancelZonalShift('zs-1')).resolves.toEqual({});
    answer = { status: 299, body: 'not json' };
    await expect(client().updateZonalShift('zs-1', { expiresIn: '30m' })).resolves.toEqual({});
    answer = { status: 200 };
    expect(await errorOf(client().getManagedResource(LB_ARN))).toMatchObject({
      status: 0, errorType: 'InvalidResponse', message: `GetManagedResource answered something that is not the managed resource ${LB_ARN}`,
    });
  });

  test.each<[string, unknown]>([
    ['an array', []],
    ['an empty object', {}],
    ['no zonal shifts', { appliedWeights: {}, autoshifts: [] }],
    ['no applied weights', { zonalShifts: [], autoshifts: [] }],
    ['zonal shifts that are not a list', { zonalShifts: {}, appliedWeights: {}, autoshifts: [] }],
    ['a zonal shift that is not an object', { zonalShifts: [null], appliedWeights: {} }],
    ['applied weights that are a list', { zonalShifts: [], appliedWeights: [] }],
    ['autoshifts that are not a list', { zonalShifts: [], appliedWeights: {}, autoshifts: 'none' }],
    ['an autoshift that is not an object', { zonalShifts: [], appliedWeights: {}, autoshifts: ['use1-az6'] }],
    ['another resource', { arn: `${LB_ARN}-other`, zonalShifts: [], appliedWeights: {}, autoshifts: [] }],
  ])('GetManagedResource refuses %s', async (_name, body) => {
    answer = json(200, body);
    expect(await errorOf(client().getManagedResource(LB_ARN))).toMatchObject({ errorType: 'InvalidResponse' });
  });

  test('GetManagedResource accepts an answer without arn or autoshifts', async () => {
    answer = json(200, { zonalShifts: [], appliedWeights: {} });
    await expect(client().getManagedResource(LB_ARN)).resolves.toEqual({ zonalShifts: [], autoshifts: [], appliedWeights: {} });
    answer = json(200, { arn: LB_ARN, zonalShifts: [], appliedWeights: {} });
    await expect(client().getManagedResource(LB_ARN)).resolves.toMatchObject({ arn: LB_ARN });
  });

  test.each([['a number', '5'], ['a string', '"done"'], ['an array', '[{"zonalShiftId":"zs-9"}]'], ['null', 'null'], ['blank', ' \n ']])(
    'a 2xx answer to a write whose body is %s, not a JSON object, is an empty shift', async (_name, body) => {
      answer = { status: 200, headers: { 'content-type': 'application/json' }, body };
      await expect(client().startZonalShift({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', expiresIn: '30m', comment: 'c' })).resolves.toEqual({});
    });

  test('a write answer is returned as ARC sent it', async () => {
    answer = json(200, { zonalShiftId: 'zs-9', status: 'ACTIVE', expiryTime: 1.5e9 });
    await expect(client().updateZonalShift('zs-9', { expiresIn: '1h' })).resolves.toEqual({ zonalShiftId: 'zs-9', status: 'ACTIVE', expiryTime: 1.5e9 });
  });
});

describe('requests', () => {
  test('an endpoint with a base path keeps it, with one slash before the operation', async () => {
    await client(`http://127.0.0.1:${port}/prefix//`).cancelZonalShift('zs-1');
    expect(received.map((request) => [request.method, request.url])).toEqual([['DELETE', '/prefix/zonalshifts/zs-1']]);
  });

  test('shift IDs are percent-encoded as RFC 3986 requires, including !\'()*', async () => {
    await client().updateZonalShift("a!b'c(d)e*f g/h", { expiresIn: '30m' });
    expect(received[0].url).toBe('/zonalshifts/a%21b%27c%28d%29e%2Af%20g%2Fh');
    expect(received[0].method).toBe('PATCH');
  });

  test('a write sends JSON with its length; a read sends no body and no content type', async () => {
    await client().startZonalShift({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', expiresIn: '30m', comment: 'zoné' });
    const [write] = received;
    expect(write.headers['content-type']).toBe('application/json');
    expect(write.headers['content-length']).toBe(String(Buffer.byteLength(write.body)));
    expect(JSON.parse(write.body)).toEqual({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', expiresIn: '30m', comment: 'zoné' });
    expect(write.headers.accept).toBe('application/json');
    expect(write.headers.host).toBe(`127.0.0.1:${port}`);
    received = [];
    answer = json(200, { arn: LB_ARN, zonalShifts: [], appliedWeights: {} });
    await client().getManagedResource(LB_ARN);
    expect(received[0].body).toBe('');
    expect(received[0].headers['content-type']).toBeUndefined();
    expect(received[0].headers.accept).toBe('application/json');
  });

  test('an endpoint that is not http(s) is refused when the client is made', () => {
    expect(() => client('ftp://127.0.0.1/')).toThrow('ARC endpoint ftp://127.0.0.1/ is not an http(s) URL');
  });
});

describe('the managed resource', () => {
  test('every field is read, times as epoch seconds from numbers or ISO strings', () => {
    expect(parseManagedResource({
      arn: LB_ARN,
      zonalShifts: [
        {
          zonalShiftId: 'zs-1', resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', comment: 'c',
          expiryTime: 1_800_000_000, startTime: '2026-11-26T12:00:00Z', shiftType: 'PRACTICE_RUN',
          appliedStatus: 'APPLIED', practiceRunOutcome: 'PENDING',
        },
        'not a shift',
        {},
      ],
      autoshifts: [{ awayFrom: 'use1-az1', startTime: '2026-11-26T12:00:00.500Z', appliedStatus: 'NOT_APPLIED' }, null, { startTime: '' }],
      appliedWeights: { 'use1-az6': 0, 'use1-az1': 1, 'use1-az2': '1' },
      zonalAutoshiftStatus: 'ENABLED',
    })).toEqual({
      arn: LB_ARN,
      zonalShifts: [
        {
          zonalShiftId: 'zs-1', resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', comment: 'c',
          expiryTime: 1_800_000_000, startTime: Date.UTC(2026, 10, 26, 12) / 1000, shiftType: 'PRACTICE_RUN',
          appliedStatus: 'APPLIED', practiceRunOutcome: 'PENDING',
        },
        {
          zonalShiftId: '', resourceIdentifier: '', awayFrom: '', comment: undefined, expiryTime: undefined, startTime: undefined,
          shiftType: undefined, appliedStatus: undefined, practiceRunOutcome: undefined,
        },
      ],
      autoshifts: [
        { awayFrom: 'use1-az1', startTime: Date.UTC(2026, 10, 26, 12) / 1000 + 0.5, appliedStatus: 'NOT_APPLIED' },
        { awayFrom: '', startTime: undefined, appliedStatus: undefined },
      ],
      appliedWeights: { 'use1-az6': 0, 'use1-az1': 1 },
      zonalAutoshiftStatus: 'ENABLED',
    });
  });

  test.each<[string, unknown, number | undefined]>([
    ['not a number', Number.NaN, undefined],
    ['infinite', Number.POSITIVE_INFINITY, undefined],
    ['a date that does not parse', 'soon', undefined],
    ['zero', 0, 0],
    ['a boolean', true, undefined],
    ['an array holding a date', ['2026-11-26T12:00:00Z'], undefined],
    ['an empty string', '', undefined],
  ])('a time that is %s', (_name, value, seconds) => {
    expect(parseManagedResource({ zonalShifts: [{ expiryTime: value }] }).zonalShifts[0].expiryTime).toBe(seconds);
  });

  test('weights and lists that are not objects are empty', () => {
    expect(parseManagedResource({ appliedWeights: [1, 2], zonalShifts: 'x', autoshifts: 3 })).toEqual({
      arn: undefined, zonalShifts: [], autoshifts: [], appliedWeights: {}, zonalAutoshiftStatus: undefined,
    });
  });
});

test('the endpoint of an unknown partition is built on amazonaws.com; one inherited from Object is not a partition', () => {
  expect(arcEndpoint('xx-east-1', 'aws-new', {})).toBe('https://arc-zonal-shift.xx-east-1.amazonaws.com');
  expect(arcEndpoint('xx-east-1', 'constructor', {})).toBe('https://arc-zonal-shift.xx-east-1.amazonaws.com');
  expect(arcEndpoint('eusc-de-east-1', 'aws-eusc', {})).toBe('https://arc-zonal-shift.eusc-de-east-1.amazonaws.eu');
  expect(arcEndpoint('us-east-1', 'aws', { AWS_ENDPOINT_URL_ARC_ZONAL_SHIFT: 'http://127.0.0.1:3///' })).toBe('http://127.0.0.1:3');
  expect(arcEndpoint('us-east-1', 'aws', { AWS_ENDPOINT_URL_ARC_ZONAL_SHIFT: '', AWS_ENDPOINT_URL: 'http://127.0.0.1:4' })).toBe('http://127.0.0.1:4');
});

test('a request Node refuses to build is a NetworkError, and leaves no timer behind to fail later', async () => {
  // A session token with a line break cannot be a header value: http.request throws at once.
  const refused = new ArcZonalShiftClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: async () => ({ accessKeyId: 'AKIDANSWERS', secretAccessKey: 'secret', sessionToken: 'token\nwith a line break' }),
    timeoutMs: 50,
  });
  const err = await errorOf(refused.getManagedResource(LB_ARN));
  expect(err).toMatchObject({ status: 0, errorType: 'NetworkError' });
  expect(err.message).toMatch(/x-amz-security-token/i);
  // Past the deadline: a timer armed before the refusal would fire here and throw.
  await new Promise((resolve) => setTimeout(resolve, 150));
  expect(received).toEqual([]);
});
