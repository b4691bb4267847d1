import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { verifyPresignedSigV4 } from './sigv4-verifier';

/** Who an access key belongs to. */
export interface StsIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** What GetCallerIdentity answers, e.g. `arn:aws:sts::111111111111:assumed-role/Drill/me`. */
  readonly arn: string;
}

/** A request the fake received. */
export interface StsRequest {
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly status: number;
}

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
/** How long STS takes a presigned request, whatever its `X-Amz-Expires`. */
const PRESIGNED_VALIDITY_SECONDS = 15 * 60;

/**
 * STS `GetCallerIdentity` on 127.0.0.1, as the Query protocol answers it in XML, for presigned
 * requests (query-string SigV4, checked by the tests' own verifier with the fake's clock): 403
 * `InvalidClientTokenId` for an unknown access key, 403 `SignatureDoesNotMatch` for a wrong or
 * expired signature (the signed headers included), 400 `InvalidAction` for another action. Like
 * STS, it takes a presigned request for 15 minutes after `X-Amz-Date`, whatever `X-Amz-Expires`
 * says.
 */
export class FakeStsServer {
  static async start(region = 'us-east-1'): Promise<FakeStsServer> {
    const fake = new FakeStsServer(region);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  readonly identities: StsIdentity[] = [];
  readonly requests: StsRequest[] = [];
  /** The fake's clock (ms since the epoch), for presigned expiry. */
  nowMs = () => Date.now();
  private readonly server: http.Server;

  private constructor(private readonly region: string) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const [status, body] = this.answer(req, Buffer.concat(chunks).toString('utf8'));
        this.requests.push({ url: req.url ?? '/', headers: req.headers, status });
        res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': `req-${this.requests.length}` });
        res.end(body);
      });
    });
  }

  /** Base URL, e.g. `http://127.0.0.1:12345`. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: http.IncomingMessage, body: string): [number, string] {
    const url = new URL(req.url ?? '/', 'http://sts');
    if (url.searchParams.get('Action') !== 'GetCallerIdentity') {
      return [400, error('InvalidAction', `Could not find operation ${url.searchParams.get('Action') ?? ''} for version ${url.searchParams.get('Version') ?? ''}`)];
    }
    const keyId = (url.searchParams.get('X-Amz-Credential') ?? '').split('/')[0];
    const identity = this.identities.find((candidate) => candidate.accessKeyId === keyId);
    if (!identity) {
      return [403, error('InvalidClientTokenId', 'The security token included in the request is invalid.')];
    }
    const expectation = { accessKeyId: identity.accessKeyId, secretAccessKey: identity.secretAccessKey, region: this.region, service: 'sts' };
    if (!verifyPresignedSigV4(req, body, expectation, this.nowMs(), PRESIGNED_VALIDITY_SECONDS)) {
      return [403, error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.')];
    }
    const account = identity.arn.split(':')[4];
    return [200, `<GetCallerIdentityResponse xmlns="${XMLNS}">
  <GetCallerIdentityResult>
    <Arn>${identity.arn}</Arn>
    <UserId>AROAEXAMPLE:${identity.arn.split('/').pop()}</UserId>
    <Account>${account}</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>req-${this.requests.length + 1}</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>
`];
  }
}

function error(code: string, message: string): string {
  return `<ErrorResponse xmlns="${XMLNS}">
  <Error>
    <Type>Sender</Type>
    <Code>${code}</Code>
    <Message>${message}</Message>
  </Error>
  <RequestId>req-error</RequestId>
</ErrorResponse>
`;
}
