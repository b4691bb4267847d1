// The fake ARC behaves like the API reference, so tests against it mean something.
import * as http from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { FakeArcServer } from './support/fake-arc-server';
import { LB_ARN } from './support/fixtures';

let arc: FakeArcServer;

beforeEach(async () => {
  arc = await FakeArcServer.start({ pageSize: 1 });
});
afterEach(() => arc.close());

/** A signed GET; `rawQuery` is sent exactly as given, the signer is told `query`. */
async function get(path: string, query: Record<string, string> = {}, rawQuery?: string): Promise<{ status: number; body: any }> {
  const url = new URL(arc.endpoint);
  const signer = new SignatureV4({ service: 'arc-zonal-shift', region: 'us-east-1', credentials: { accessKeyId: arc.accessKeyId, secretAccessKey: arc.secretAccessKey }, sha256: Sha256 });
  const signed = await signer.sign({ method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path, query, headers: { host: url.host } });
  const search = rawQuery ?? Object.entries(query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return new Promise((resolve, reject) => {
    const request = http.request({ hostname: url.hostname, port: url.port, path: search ? `${path}?${search}` : path, method: 'GET', headers: signed.headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    request.on('error', reject);
    request.end();
  });
}

test('ListZonalShifts never lists autoshifts; GetManagedResource shows them', async () => {
  arc.seedAutoshift({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az1' });
  const list = await get('/zonalshifts', { status: 'ACTIVE', resourceIdentifier: LB_ARN });
  expect(list).toEqual({ status: 200, body: { items: [] } });
  const resource = await get(`/managedresources/${encodeURIComponent(LB_ARN)}`);
  expect(resource.body.autoshifts).toEqual([expect.objectContaining({ awayFrom: 'use1-az1', appliedStatus: 'APPLIED' })]);
});

test('a customer shift takes precedence over an autoshift, which takes precedence over a practice run', async () => {
  arc.seed({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az2', shiftType: 'PRACTICE_RUN', comment: 'practice' });
  arc.seedAutoshift({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az1' });
  let resource = (await get(`/managedresources/${encodeURIComponent(LB_ARN)}`)).body;
  expect(resource.autoshifts[0].appliedStatus).toBe('APPLIED');
  expect(resource.zonalShifts[0].appliedStatus).toBe('NOT_APPLIED');
  expect(resource.appliedWeights).toEqual({ 'use1-az6': 1, 'use1-az1': 0, 'use1-az2': 1 });
  arc.seed({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6', comment: 'operator' });
  resource = (await get(`/managedresources/${encodeURIComponent(LB_ARN)}`)).body;
  expect(resource.zonalShifts.map((shift: any) => [shift.shiftType, shift.appliedStatus])).toEqual([['PRACTICE_RUN', 'NOT_APPLIED'], ['ZONAL_SHIFT', 'APPLIED']]);
  expect(resource.autoshifts[0].appliedStatus).toBe('NOT_APPLIED');
  expect(resource.appliedWeights).toEqual({ 'use1-az6': 0, 'use1-az1': 1, 'use1-az2': 1 });
});

test('page tokens are opaque, contain + / = &, and work only when encoded strictly', async () => {
  arc.seed({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az6' });
  arc.seed({ resourceIdentifier: LB_ARN, awayFrom: 'use1-az1', shiftType: 'PRACTICE_RUN' });
  const first = await get('/zonalshifts', { status: 'ACTIVE' });
  const token = first.body.nextToken as string;
  expect(token).toMatch(/\+/);
  expect(token).toMatch(/\//);
  expect(token).toMatch(/=/);
  expect(token).toMatch(/&/);
  const second = await get('/zonalshifts', { status: 'ACTIVE', nextToken: token });
  expect(second.body.items).toHaveLength(1);
  // encodeURI leaves + / = & as they are: the token splits, and the signature no longer matches.
  const careless = await get('/zonalshifts', { status: 'ACTIVE', nextToken: token }, `status=ACTIVE&nextToken=${encodeURI(token)}`);
  expect(careless.status).toBe(403);
});

test('a GetManagedResource path with the ARN not percent-encoded reaches no resource', async () => {
  const response = await get(`/managedresources/${LB_ARN}`);
  expect(response.status).toBe(404);
});
