import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { ArcZonalShiftClient, arcEndpoint } from '../../lambda/zonal-shift/arc-client';
import { ArcError } from '../../lambda/zonal-shift/errors';
import { FakeArcServer } from './support/fake-arc-server';
import { FirstBytesServer, TLS_HANDSHAKE } from './support/first-bytes-server';
import { LB_ARN } from './support/fixtures';

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=AKIDFAKEARC\/\d{8}\/us-east-1\/arc-zonal-shift\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$/;

describe('arcEndpoint', () => {
  test.each<[string, string, Record<string, string>, string]>([
    ['us-east-1', 'aws', {}, 'https://arc-zonal-shift.us-east-1.amazonaws.com'],
    ['cn-north-1', 'aws-cn', {}, 'https://arc-zonal-shift.cn-north-1.amazonaws.com.cn'],
    ['us-gov-west-1', 'aws-us-gov', {}, 'https://arc-zonal-shift.us-gov-west-1.amazonaws.com'],
    ['us-iso-east-1', 'aws-iso', {}, 'https://arc-zonal-shift.us-iso-east-1.c2s.ic.gov'],
    ['us-isob-east-1', 'aws-iso-b', {}, 'https://arc-zonal-shift.us-isob-east-1.sc2s.sgov.gov'],
    ['eu-isoe-west-1', 'aws-iso-e', {}, 'https://arc-zonal-shift.eu-isoe-west-1.cloud.adc-e.uk'],
    ['us-isof-south-1', 'aws-iso-f', {}, 'https://arc-zonal-shift.us-isof-south-1.csp.hci.ic.gov'],
    ['us-east-1', 'aws', { AWS_ENDPOINT_URL: 'http://127.0.0.1:1/' }, 'http://127.0.0.1:1'],
    ['us-east-1', 'aws', { AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_ENDPOINT_URL_ARC_ZONAL_SHIFT: 'http://127.0.0.1:2' }, 'http://127.0.0.1:2'],
  ])('%s in %s with %j -> %s', (region, partition, env, expected) => {
    expect(arcEndpoint(region, partition, env)).toBe(expected);
  });
});

describe('ArcZonalShiftClient against a local ARC', () => {
  let arc: FakeArcServer;
  let client: ArcZonalShiftClient;

  beforeEach(async () => {
    arc = await FakeArcServer.start();
    client = new ArcZonalShiftClient({
      region: 'us-east-1',
      endpoint: arc.endpoint,
      credentials: async () => ({ accessKeyId: arc.accessKeyId, secretAccessKey: arc.secretAccessKey }),
    });
  });
  afterEach(() => arc.close());

  test('StartZonalShift is a signed POST /zonalshifts with the JSON body', async () => {
    const request = { resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', expiresIn: '30m', comment: 'cdk-azi: alarm a' };
    const shift = await client.startZonalShift(request);
    expect(shift).toMatchObject({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', comment: 'cdk-azi: alarm a', status: 'ACTIVE', zonalShiftId: expect.any(String) });
    const [sent] = arc.requests;
    expect(sent).toMatchObject({ method: 'POST', path: '/zonalshifts', json: request, signatureValid: true });
    expect(sent.headers['content-type']).toBe('application/json');
    const signedHeaders = AUTHORIZATION.exec(String(sent.headers.authorization))?.[1].split(';');
    expect(signedHeaders).toEqual(expect.arrayContaining(['host', 'x-amz-date']));
  });

  test('GetManagedResource is a signed GET of the ARN percent-encoded as one path segment', async () => {
    await client.getManagedResource(LB_ARN);
    const [sent] = arc.requests;
    expect(sent).toMatchObject({ operation: 'GetManagedResource', method: 'GET', path: `/managedresources/${encodeURIComponent(LB_ARN)}`, body: '', signatureValid: true });
    expect(sent.rawPath).toBe('/managedresources/arn%3Aaws%3Aelasticloadbalancing%3Aus-east-1%3A111111111111%3Aloadbalancer%2Fapp%2Fweb%2F0123456789abcdef');
  });

  test('GetManagedResource returns zonal shifts with their types, autoshifts and applied weights', async () => {
    const practice = arc.seed({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', shiftType: 'PRACTICE_RUN', practiceRunOutcome: 'PENDING' });
    arc.seedAutoshift({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az1' });
    const resource = await client.getManagedResource(LB_ARN);
    expect(resource.zonalShifts).toEqual([expect.objectContaining({
      zonalShiftId: practice.zonalShiftId,
      shiftType: 'PRACTICE_RUN',
      practiceRunOutcome: 'PENDING',
      appliedStatus: 'NOT_APPLIED',
      expiryTime: practice.expiryTime,
    })]);
    expect(resource.autoshifts).toEqual([expect.objectContaining({ awayFrom: 'use1-az1', appliedStatus: 'APPLIED' })]);
    expect(resource.appliedWeights).toEqual({ 'use1-az6': 1, 'use1-az1': 0, 'use1-az2': 1 });
  });

  test('UpdateZonalShift is a PATCH of the shift', async () => {
    const stored = arc.seed({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6' });
    await client.updateZonalShift(stored.zonalShiftId, { expiresIn: '2h' });
    expect(arc.requests[0]).toMatchObject({ method: 'PATCH', path: `/zonalshifts/${stored.zonalShiftId}`, json: { expiresIn: '2h' }, signatureValid: true });
  });

  test('CancelZonalShift is a DELETE of the shift', async () => {
    const stored = arc.seed({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6' });
    const shift = await client.cancelZonalShift(stored.zonalShiftId);
    expect(shift.status).toBe('CANCELED');
    expect(arc.requests[0]).toMatchObject({ method: 'DELETE', path: `/zonalshifts/${stored.zonalShiftId}`, body: '', signatureValid: true });
  });

  test('a second start is a typed 409 ConflictException naming the existing shift', async () => {
    const stored = arc.seed({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6' });
    const error = await client.startZonalShift({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az1', expiresIn: '1h', comment: 'c' }).catch((err) => err);
    expect(error).toBeInstanceOf(ArcError);
    expect(error).toMatchObject({ status: 409, errorType: 'ConflictException', reason: 'ZonalShiftAlreadyExists', zonalShiftId: stored.zonalShiftId });
  });

  test('cancelling a shift that is no longer active is a 409 ZonalShiftStatusNotActive', async () => {
    const stored = arc.seed({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', status: 'EXPIRED' });
    await expect(client.cancelZonalShift(stored.zonalShiftId)).rejects.toMatchObject({ status: 409, errorType: 'ConflictException', reason: 'ZonalShiftStatusNotActive' });
  });

  test('a namespaced error type header is reduced to the bare name', async () => {
    arc.faults.push({ status: 429, type: 'aws.protocoljson#ThrottlingException:http://internal.amazon.com/' });
    await expect(client.getManagedResource(LB_ARN)).rejects.toMatchObject({ status: 429, errorType: 'ThrottlingException' });
  });

  test('a validation error carries its reason', async () => {
    const error = await client.startZonalShift({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', expiresIn: '100h', comment: 'c' }).catch((err) => err);
    expect(error).toMatchObject({ status: 400, errorType: 'ValidationException', reason: 'InvalidExpiresIn' });
  });

  test('a session token is sent and signed', async () => {
    const withToken = new ArcZonalShiftClient({
      region: 'us-east-1',
      endpoint: arc.endpoint,
      credentials: async () => ({ accessKeyId: arc.accessKeyId, secretAccessKey: arc.secretAccessKey, sessionToken: 'session' }),
    });
    await withToken.getManagedResource(LB_ARN);
    expect(arc.requests[0].headers['x-amz-security-token']).toBe('session');
    expect(String(arc.requests[0].headers.authorization)).toMatch(/SignedHeaders=[a-z0-9;-]*x-amz-security-token/);
    expect(arc.requests[0].signatureValid).toBe(true);
  });

  test('a wrong secret fails the server-side signature check', async () => {
    const wrong = new ArcZonalShiftClient({
      region: 'us-east-1',
      endpoint: arc.endpoint,
      credentials: async () => ({ accessKeyId: arc.accessKeyId, secretAccessKey: 'not-the-secret' }),
    });
    await expect(wrong.getManagedResource(LB_ARN)).rejects.toMatchObject({ status: 403, errorType: 'InvalidSignatureException' });
    expect(arc.requests[0].signatureValid).toBe(false);
  });

  test('signing for another region fails the signature check', async () => {
    const wrong = new ArcZonalShiftClient({
      region: 'eu-west-1',
      endpoint: arc.endpoint,
      credentials: async () => ({ accessKeyId: arc.accessKeyId, secretAccessKey: arc.secretAccessKey }),
    });
    await expect(wrong.getManagedResource(LB_ARN)).rejects.toMatchObject({ status: 403 });
  });
});

describe('ArcZonalShiftClient without an answer', () => {
  test('a request that gets no answer times out as a status-0 RequestTimeout', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const client = new ArcZonalShiftClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }),
      timeoutMs: 100,
    });
    const port = (silent.address() as AddressInfo).port;
    await expect(client.getManagedResource(LB_ARN)).rejects.toMatchObject({
      status: 0, errorType: 'RequestTimeout', message: `no complete response from 127.0.0.1:${port} within 100 ms`,
    });
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  test('a refused connection is a status-0 NetworkError', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const client = new ArcZonalShiftClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }),
    });
    await expect(client.getManagedResource(LB_ARN)).rejects.toMatchObject({ status: 0, errorType: 'NetworkError' });
  });
});

describe('ArcZonalShiftClient over a connection that breaks', () => {
  test('an answer cut off after its headers is a NetworkError at once, not a wait for the deadline', async () => {
    const cut = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"zonalShifts":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await new Promise<void>((resolve) => cut.listen(0, '127.0.0.1', resolve));
    const client = new ArcZonalShiftClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${(cut.address() as AddressInfo).port}`,
      credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }),
      timeoutMs: 5000,
    });
    try {
      await expect(client.getManagedResource(LB_ARN)).rejects.toMatchObject({ status: 0, errorType: 'NetworkError', message: 'aborted' });
    } finally {
      cut.closeAllConnections();
      await new Promise((resolve) => cut.close(resolve));
    }
  });

  test('an https endpoint is spoken to with TLS', async () => {
    const tcp = await FirstBytesServer.start();
    const client = new ArcZonalShiftClient({
      region: 'us-east-1',
      endpoint: `https://127.0.0.1:${tcp.port}`,
      credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }),
      timeoutMs: 5000,
    });
    try {
      await expect(client.getManagedResource(LB_ARN)).rejects.toMatchObject({ status: 0, errorType: 'NetworkError' });
      expect(tcp.firstBytes.map((chunk) => chunk[0])).toEqual([TLS_HANDSHAKE]);
    } finally {
      await tcp.close();
    }
  });
});
