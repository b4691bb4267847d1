/**
 * The drill's identity proof, piece by piece: what the function refuses before sending anything,
 * which callers are drill roles, where the proof goes, and how STS's answers are read (over HTTP
 * against a local server on 127.0.0.1).
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { IdentityProofError, StsIdentityVerifier, checkProof, isAllowedCaller, stsEndpoint } from '../../lambda/zonal-shift/caller-identity';
import { unqualifiedArn } from '../../lambda/zonal-shift/drill';
import { FirstBytesServer, TLS_HANDSHAKE } from './support/first-bytes-server';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const PROOF: Record<string, string> = {
  'Action': 'GetCallerIdentity',
  'Version': '2011-06-15',
  'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
  'X-Amz-Credential': 'AKIADRILLER/20261126/us-east-1/sts/aws4_request',
  'X-Amz-Date': '20261126T120000Z',
  'X-Amz-Expires': '60',
  'X-Amz-SignedHeaders': 'host;x-cdk-azi-drill',
  'X-Amz-Signature': 'a'.repeat(64),
};

function refusal(value: unknown, nowMs = NOW): string {
  try {
    checkProof(value, nowMs);
  } catch (err) {
    expect(err).toBeInstanceOf(IdentityProofError);
    expect((err as Error).name).toBe('IdentityProofError');
    return (err as Error).message;
  }
  throw new Error('the proof was accepted');
}

describe('checkProof refuses, naming why', () => {
  test('a well-formed, fresh proof passes as it is', () => {
    expect(checkProof(PROOF, NOW)).toEqual(PROOF);
    expect(checkProof({ ...PROOF, 'X-Amz-Security-Token': 'token' }, NOW)['X-Amz-Security-Token']).toBe('token');
  });

  test.each([
    ['no proof', undefined],
    ['null', null],
    ['an array', [PROOF]],
    ['a string', 'Action=GetCallerIdentity'],
  ])('%s', (_name, value) => {
    expect(refusal(value)).toBe('the drill has no identity proof (identity.query); run it with `npx cdk-azi drill`');
  });

  test('an unknown parameter or a value that is not a string', () => {
    expect(refusal({ ...PROOF, RoleArn: 'x' })).toBe('the identity proof has an unexpected parameter "RoleArn"');
    expect(refusal({ ...PROOF, Version: 2011 })).toBe('the identity proof has an unexpected parameter "Version"');
    expect(refusal({ ...PROOF, ['K'.repeat(100)]: 'x' })).toBe(`the identity proof has an unexpected parameter "${'K'.repeat(39)}`);
  });

  test('a proof over 8 KB', () => {
    expect(refusal({ ...PROOF, 'X-Amz-Security-Token': 'x'.repeat(8192) })).toMatch(/^the identity proof is \d+ bytes, more than 8192$/);
    const withoutToken = Object.entries(PROOF).reduce((bytes, [key, value]) => bytes + key.length + value.length, 0) + 'X-Amz-Security-Token'.length;
    expect(() => checkProof({ ...PROOF, 'X-Amz-Security-Token': 'x'.repeat(8192 - withoutToken) }, NOW)).not.toThrow();
    expect(refusal({ ...PROOF, 'X-Amz-Security-Token': 'x'.repeat(8193 - withoutToken) })).toBe('the identity proof is 8193 bytes, more than 8192');
  });

  test('a missing or empty required parameter, all named', () => {
    const { Action: _action, 'X-Amz-Signature': _signature, ...rest } = PROOF;
    expect(refusal(rest)).toBe('the identity proof lacks Action, X-Amz-Signature');
    expect(refusal({ ...PROOF, 'X-Amz-Date': '' })).toBe('the identity proof lacks X-Amz-Date');
  });

  test('another action or version', () => {
    const message = 'the identity proof must be a presigned sts:GetCallerIdentity request (Version 2011-06-15)';
    expect(refusal({ ...PROOF, Action: 'AssumeRole' })).toBe(message);
    expect(refusal({ ...PROOF, Version: '2011-06-16' })).toBe(message);
  });

  test('another algorithm', () => {
    expect(refusal({ ...PROOF, 'X-Amz-Algorithm': 'AWS4-ECDSA-P256-SHA256' })).toBe('the identity proof must be signed with AWS4-HMAC-SHA256');
  });

  test.each(['0', '301', '60s', '-5', '1e2', '060'])('X-Amz-Expires %s', (expires) => {
    expect(refusal({ ...PROOF, 'X-Amz-Expires': expires })).toBe(`the identity proof must expire within 300 s (X-Amz-Expires ${expires})`);
  });

  test('a long X-Amz-Expires or X-Amz-Date is cut short in the refusal', () => {
    expect(refusal({ ...PROOF, 'X-Amz-Expires': '9'.repeat(40) })).toBe(`the identity proof must expire within 300 s (X-Amz-Expires ${'9'.repeat(12)})`);
    expect(refusal({ ...PROOF, 'X-Amz-Date': `${'2'.repeat(30)}Z` })).toBe(`the identity proof's X-Amz-Date ${'2'.repeat(20)} is not a SigV4 date`);
  });

  test('X-Amz-Expires of 300 s is the longest taken', () => {
    expect(() => checkProof({ ...PROOF, 'X-Amz-Expires': '300' }, NOW)).not.toThrow();
  });

  test.each(['2026-11-26T12:00:00Z', '20261126T120000', '20261126T120000z', 'x20261126T120000Z', '20261126T120000Zx'])('X-Amz-Date %s', (date) => {
    expect(refusal({ ...PROOF, 'X-Amz-Date': date })).toBe(`the identity proof's X-Amz-Date ${date} is not a SigV4 date`);
  });

  test('the age: at most X-Amz-Expires plus 60 s of skew, and at most 60 s ahead', () => {
    expect(() => checkProof(PROOF, NOW + 120_000)).not.toThrow();
    expect(refusal(PROOF, NOW + 121_000)).toBe('the identity proof was signed 121 s ago, more than its 60 s (plus 60 s of clock skew); run the drill again');
    expect(() => checkProof({ ...PROOF, 'X-Amz-Expires': '300' }, NOW + 360_000)).not.toThrow();
    expect(refusal({ ...PROOF, 'X-Amz-Expires': '300' }, NOW + 361_000)).toMatch(/^the identity proof was signed 361 s ago, more than its 300 s/);
    expect(() => checkProof(PROOF, NOW - 60_000)).not.toThrow();
    expect(refusal(PROOF, NOW - 61_000)).toBe("the identity proof is dated 20261126T120000Z, 61 s in the future (more than 60 s of clock skew); check the caller's clock");
  });

  test('the binding header and the host must be signed', () => {
    const message = 'the identity proof must sign the host and x-cdk-azi-drill headers';
    expect(refusal({ ...PROOF, 'X-Amz-SignedHeaders': 'host' })).toBe(message);
    expect(refusal({ ...PROOF, 'X-Amz-SignedHeaders': 'x-cdk-azi-drill' })).toBe(message);
    expect(refusal({ ...PROOF, 'X-Amz-SignedHeaders': 'host;x-cdk-azi-drill-other' })).toBe(message);
  });
});

describe('isAllowedCaller: an assumed-role session of a drill role, nothing else', () => {
  const ROLES = ['arn:aws:iam::111111111111:role/ops/team/Drill', 'arn:aws:iam::222222222222:role/Other'];
  test.each([
    ['a session of a role with a path', 'arn:aws:sts::111111111111:assumed-role/Drill/alice', true],
    ['a session of a role without a path', 'arn:aws:sts::222222222222:assumed-role/Other/bob', true],
    ['the same name in another account', 'arn:aws:sts::333333333333:assumed-role/Drill/alice', false],
    ['the same name in another partition', 'arn:aws-cn:sts::111111111111:assumed-role/Drill/alice', false],
    ['another role name', 'arn:aws:sts::111111111111:assumed-role/Drill2/alice', false],
    ['a name that differs in case', 'arn:aws:sts::111111111111:assumed-role/drill/alice', false],
    ['an IAM user of the same name', 'arn:aws:iam::111111111111:user/Drill', false],
    ['the role ARN itself', 'arn:aws:iam::111111111111:role/ops/team/Drill', false],
    ['a federated user', 'arn:aws:sts::111111111111:federated-user/Drill', false],
    ['the root user', 'arn:aws:iam::111111111111:root', false],
    ['a session without a name', 'arn:aws:sts::111111111111:assumed-role/Drill/', false],
    ['a path inside the session ARN', 'arn:aws:sts::111111111111:assumed-role/team/Drill/alice', false],
    ['more path after the session name', 'arn:aws:sts::111111111111:assumed-role/Drill/alice/extra', false],
    ['text before the ARN', 'x arn:aws:sts::111111111111:assumed-role/Drill/alice', false],
  ])('%s', (_name, caller, allowed) => {
    expect(isAllowedCaller(caller, ROLES)).toBe(allowed);
  });

  test('a role ARN that is not one matches nobody', () => {
    expect(isAllowedCaller('arn:aws:sts::111111111111:assumed-role/Drill/alice', ['arn:aws:iam::111111111111:user/Drill', 'Drill'])).toBe(false);
    expect(isAllowedCaller('arn:aws:sts::111111111111:assumed-role/Drill/alice', ['x arn:aws:iam::111111111111:role/Drill'])).toBe(false);
    expect(isAllowedCaller('arn:aws:sts::111111111111:assumed-role/Drill/alice', ['arn:aws:iam::111111111111:role/Drill!'])).toBe(false);
  });
});

describe('where the proof goes', () => {
  test.each([
    ['us-east-1', 'aws', 'https://sts.us-east-1.amazonaws.com'],
    ['cn-north-1', 'aws-cn', 'https://sts.cn-north-1.amazonaws.com.cn'],
    ['eusc-de-east-1', 'aws-eusc', 'https://sts.eusc-de-east-1.amazonaws.eu'],
    ['us-east-1', 'aws-unknown', 'https://sts.us-east-1.amazonaws.com'],
  ])('the Regional endpoint of %s in %s', (region, partition, endpoint) => {
    expect(stsEndpoint(region, partition, {})).toBe(endpoint);
  });

  test('AWS_ENDPOINT_URL_STS, then AWS_ENDPOINT_URL, without trailing slashes', () => {
    expect(stsEndpoint('us-east-1', 'aws', { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:1/', AWS_ENDPOINT_URL: 'http://127.0.0.1:2' })).toBe('http://127.0.0.1:1');
    expect(stsEndpoint('us-east-1', 'aws', { AWS_ENDPOINT_URL: 'http://127.0.0.1:2//' })).toBe('http://127.0.0.1:2');
    expect(stsEndpoint('us-east-1', 'aws', { AWS_ENDPOINT_URL_STS: '' })).toBe('https://sts.us-east-1.amazonaws.com');
  });

  test('the verifier takes only http(s) endpoints', () => {
    expect(() => new StsIdentityVerifier('ftp://127.0.0.1/')).toThrow('STS endpoint ftp://127.0.0.1/ is not an http(s) URL');
  });

  test.each([
    ['arn:aws:lambda:us-east-1:111111111111:function:Fn', 'arn:aws:lambda:us-east-1:111111111111:function:Fn'],
    ['arn:aws:lambda:us-east-1:111111111111:function:Fn:live', 'arn:aws:lambda:us-east-1:111111111111:function:Fn'],
    ['arn:aws:lambda:us-east-1:111111111111:function:Fn:$LATEST', 'arn:aws:lambda:us-east-1:111111111111:function:Fn'],
    ['arn:aws:lambda:us-east-1:111111111111:function:Fn:7', 'arn:aws:lambda:us-east-1:111111111111:function:Fn'],
    ['arn:aws:lambda:us-east-1:111111111111:function:Fn:live:x', undefined],
    ['arn:aws:states:us-east-1:111111111111:function:Fn', undefined],
    ['Fn', undefined],
  ])('the function %s is bound as %s', (invoked, bound) => {
    expect(unqualifiedArn(invoked)).toBe(bound);
  });
});

describe('what STS answers', () => {
  let server: http.Server;
  let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  let seen: http.IncomingMessage[];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req);
      answer(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen = [];
  });
  const endpoint = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const reply = (status: number, body: string) => {
    answer = (_req, res) => {
      res.writeHead(status, { 'content-type': 'text/xml' });
      res.end(body);
    };
  };

  test('the request: GET of the proof\'s query on the endpoint\'s path, with the binding header and the endpoint\'s host', async () => {
    reply(200, '<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:sts::111111111111:assumed-role/Drill/alice</Arn><Account>111111111111</Account></GetCallerIdentityResult></GetCallerIdentityResponse>');
    const caller = await new StsIdentityVerifier(`${endpoint()}/base//`).callerIdentity({ ...PROOF, 'X-Amz-Security-Token': "a+b/c=d&e!'()*" }, 'arn:aws:lambda:us-east-1:111111111111:function:Fn', NOW);
    expect(caller).toEqual({ arn: 'arn:aws:sts::111111111111:assumed-role/Drill/alice', account: '111111111111' });
    const [request] = seen;
    expect(request.method).toBe('GET');
    expect(request.url).toBe('/base/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIADRILLER%2F20261126%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20261126T120000Z&X-Amz-Expires=60&X-Amz-Security-Token=a%2Bb%2Fc%3Dd%26e%21%27%28%29%2A&X-Amz-Signature=' + 'a'.repeat(64) + '&X-Amz-SignedHeaders=host%3Bx-cdk-azi-drill');
    expect(request.headers.host).toBe(new URL(endpoint()).host);
    expect(request.headers['x-cdk-azi-drill']).toBe('arn:aws:lambda:us-east-1:111111111111:function:Fn');
    expect(request.headers.accept).toBe('text/xml');
  });

  test('XML entities in the answer are read as text', async () => {
    reply(200, '<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:sts::111111111111:assumed-role/R&amp;D/a&lt;b&gt;&quot;&apos;</Arn><Account>111111111111</Account></GetCallerIdentityResult></GetCallerIdentityResponse>');
    const caller = await new StsIdentityVerifier(endpoint()).callerIdentity(PROOF, 'x', NOW);
    expect(caller.arn).toBe('arn:aws:sts::111111111111:assumed-role/R&D/a<b>"\'');
  });

  test('an error answer is a refusal naming its code and message, with a hint for a signature that does not match', async () => {
    reply(403, '<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match.</Message></Error></ErrorResponse>');
    await expect(new StsIdentityVerifier(endpoint()).callerIdentity(PROOF, 'x', NOW)).rejects.toThrow(new IdentityProofError('STS refused the identity proof: SignatureDoesNotMatch: The request signature we calculated does not match. (a proof signed for another function, Region or STS endpoint does not verify here)'));
    reply(403, '<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>');
    await expect(new StsIdentityVerifier(endpoint()).callerIdentity(PROOF, 'x', NOW)).rejects.toThrow(new IdentityProofError('STS refused the identity proof: InvalidClientTokenId'));
    reply(502, 'Bad Gateway');
    await expect(new StsIdentityVerifier(endpoint()).callerIdentity(PROOF, 'x', NOW)).rejects.toThrow(new IdentityProofError('STS refused the identity proof: HTTP 502'));
  });

  test.each([
    ['no Arn', '<GetCallerIdentityResponse><GetCallerIdentityResult><Account>111111111111</Account></GetCallerIdentityResult></GetCallerIdentityResponse>'],
    ['no Account', '<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:sts::111111111111:assumed-role/Drill/a</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>'],
    ['an Arn that is not an IAM or STS ARN', '<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:s3:::bucket</Arn><Account>111111111111</Account></GetCallerIdentityResult></GetCallerIdentityResponse>'],
    ['an Arn with text before it', '<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>x arn:aws:sts::111111111111:assumed-role/Drill/a</Arn><Account>111111111111</Account></GetCallerIdentityResult></GetCallerIdentityResponse>'],
    ['not XML', '{"Arn":"arn:aws:sts::111111111111:assumed-role/Drill/a"}'],
  ])('a 200 with %s is a refusal', async (_name, body) => {
    reply(200, body);
    await expect(new StsIdentityVerifier(endpoint()).callerIdentity(PROOF, 'x', NOW)).rejects.toThrow(new IdentityProofError('STS answered GetCallerIdentity without a caller ARN'));
  });

  test('a proof the function refuses is never sent', async () => {
    reply(200, '');
    await expect(new StsIdentityVerifier(endpoint()).callerIdentity({ ...PROOF, Action: 'AssumeRole' }, 'x', NOW)).rejects.toThrow(IdentityProofError);
    expect(seen).toEqual([]);
  });

  test('a request Node refuses to build is a refusal, and leaves no timer behind to fail later', async () => {
    answer = () => undefined;
    // A binding with a line break cannot be a header value: http.request throws at once.
    await expect(new StsIdentityVerifier(endpoint(), 50).callerIdentity(PROOF, 'arn\nwith a line break', NOW))
      .rejects.toThrow(/^STS could not be asked: .*x-cdk-azi-drill/);
    // Past the deadline: a timer armed before the refusal would fire here and throw.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(seen).toEqual([]);
  });

  test('an answer cut off after its headers is a refusal at once, not a wait for the deadline', async () => {
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/xml', 'content-length': '500' });
      res.write('<GetCallerIdentityResponse>');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    await expect(new StsIdentityVerifier(endpoint(), 5000).callerIdentity(PROOF, 'x', NOW)).rejects.toThrow(new IdentityProofError("STS's answer broke off: aborted"));
  });

  test('an https endpoint is spoken to with TLS', async () => {
    const tcp = await FirstBytesServer.start();
    try {
      await expect(new StsIdentityVerifier(`https://127.0.0.1:${tcp.port}`, 5000).callerIdentity(PROOF, 'x', NOW))
        .rejects.toThrow(/^STS could not be reached: /);
      expect(tcp.firstBytes.map((chunk) => chunk[0])).toEqual([TLS_HANDSHAKE]);
    } finally {
      await tcp.close();
    }
  });

  test('no answer within the timeout, and no server, are refusals', async () => {
    answer = () => undefined;
    const started = Date.now();
    await expect(new StsIdentityVerifier(endpoint(), 200).callerIdentity(PROOF, 'x', NOW)).rejects.toThrow(new IdentityProofError('STS did not answer within 200 ms'));
    expect(Date.now() - started).toBeLessThan(2000);
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(new StsIdentityVerifier(`http://127.0.0.1:${port}`).callerIdentity(PROOF, 'x', NOW)).rejects.toThrow(/^STS could not be reached: connect ECONNREFUSED/);
  });
});
