import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { verifySigV4 } from '../../lambda/support/sigv4-verifier';

/** Credentials a fake accepts; any other access key is refused as AWS refuses one. */
export interface Caller {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly arn: string;
}

/** An HTTP answer. */
interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A server on 127.0.0.1 that checks SigV4 with the tests' own verifier before answering. */
abstract class SignedServer {
  readonly requests: { method: string; url: string; caller?: string }[] = [];
  protected readonly server: http.Server;

  protected constructor(private readonly service: string, private readonly callers: Caller[], private readonly region = 'us-east-1') {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const keyId = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
        const caller = this.callers.find((candidate) => candidate.accessKeyId === keyId);
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', caller: caller?.arn });
        if (!caller || !verifySigV4(req, body, { accessKeyId: caller.accessKeyId, secretAccessKey: caller.secretAccessKey, region: this.region, service: this.service })) {
          this.refuseSignature(res);
          return;
        }
        this.handle(req, body, caller).then(({ status, headers, body: answer }) => {
          res.writeHead(status, headers);
          res.end(answer);
        }, (err: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(err.message);
        });
      });
    });
  }

  protected abstract refuseSignature(res: http.ServerResponse): void;
  protected abstract handle(req: http.IncomingMessage, body: string, caller: Caller): Promise<Answer>;

  protected listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  /** Base URL, e.g. `http://127.0.0.1:12345`. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A stack output as DescribeStacks returns it. */
export interface StackOutput {
  readonly OutputKey: string;
  readonly OutputValue: string;
  readonly Description?: string;
}

const CFN_XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * CloudFormation `DescribeStacks` over the AWS Query protocol (form-encoded POST, XML answers):
 * a stack it does not know is a 400 `ValidationError` "Stack with id NAME does not exist", as
 * CloudFormation answers.
 */
export class FakeCloudFormationServer extends SignedServer {
  static async start(callers: Caller[]): Promise<FakeCloudFormationServer> {
    const fake = new FakeCloudFormationServer(callers);
    await fake.listen();
    return fake;
  }

  readonly stacks = new Map<string, StackOutput[]>();

  private constructor(callers: Caller[]) {
    super('cloudformation', callers);
  }

  protected refuseSignature(res: http.ServerResponse): void {
    res.writeHead(403, { 'content-type': 'text/xml' });
    res.end(error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.'));
  }

  protected async handle(_req: http.IncomingMessage, body: string): Promise<Answer> {
    const form = new URLSearchParams(body);
    if (form.get('Action') !== 'DescribeStacks' || form.get('Version') !== '2010-05-15') {
      return { status: 400, headers: { 'content-type': 'text/xml' }, body: error('InvalidAction', `The action ${form.get('Action') ?? ''} is not valid for this web service.`) };
    }
    const name = form.get('StackName') ?? '';
    const outputs = this.stacks.get(name);
    if (!outputs) {
      return { status: 400, headers: { 'content-type': 'text/xml' }, body: error('ValidationError', `Stack with id ${xml(name)} does not exist`) };
    }
    const members = outputs.map((output) => `<member><OutputKey>${xml(output.OutputKey)}</OutputKey><OutputValue>${xml(output.OutputValue)}</OutputValue>${output.Description ? `<Description>${xml(output.Description)}</Description>` : ''}</member>`).join('');
    return {
      status: 200,
      headers: { 'content-type': 'text/xml' },
      body: `<DescribeStacksResponse xmlns="${CFN_XMLNS}"><DescribeStacksResult><Stacks><member><StackName>${xml(name)}</StackName><StackId>arn:aws:cloudformation:us-east-1:111111111111:stack/${xml(name)}/4b1ac3c0-0000-0000-0000-000000000000</StackId><CreationTime>2026-11-01T00:00:00.000Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>cfn-req</RequestId></ResponseMetadata></DescribeStacksResponse>`,
    };
  }
}

function error(code: string, message: string): string {
  return `<ErrorResponse xmlns="${CFN_XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>cfn-req</RequestId></ErrorResponse>`;
}

/** A function behind the fake Lambda: the payload in, the result out (a throw is a function error). */
export type LocalFunction = (payload: unknown, context: { invokedFunctionArn: string; getRemainingTimeInMillis: () => number }) => Promise<unknown>;

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/**
 * Lambda `Invoke` over restJson1: `POST /2015-03-31/functions/{FunctionName}/invocations`, the
 * payload as the body. A function that throws answers 200 with `X-Amz-Function-Error: Unhandled`
 * and `{errorType, errorMessage}`; an unknown function is a 404 `ResourceNotFoundException`; a
 * caller without `lambda:InvokeFunction` on the function is a 403 `AccessDeniedException`.
 */
export class FakeLambdaServer extends SignedServer {
  static async start(callers: Caller[]): Promise<FakeLambdaServer> {
    const fake = new FakeLambdaServer(callers);
    await fake.listen();
    return fake;
  }

  /** Functions by ARN, with the callers allowed to invoke each. */
  readonly functions = new Map<string, { run: LocalFunction; invokers: string[] }>();

  private constructor(callers: Caller[]) {
    super('lambda', callers);
  }

  protected refuseSignature(res: http.ServerResponse): void {
    res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'InvalidSignatureException' });
    res.end(JSON.stringify({ message: 'The request signature we calculated does not match the signature you provided.' }));
  }

  protected async handle(req: http.IncomingMessage, body: string, caller: Caller): Promise<Answer> {
    const match = req.method === 'POST' ? INVOKE_PATH.exec((req.url ?? '').split('?')[0]) : null;
    const json = (status: number, type: string, message: string): Answer => ({ status, headers: { 'content-type': 'application/json', 'x-amzn-errortype': type }, body: JSON.stringify({ Type: 'User', message }) });
    if (!match) {
      return json(404, 'UnknownOperationException', 'Unknown operation');
    }
    const name = decodeURIComponent(match[1]);
    const fn = this.functions.get(name);
    if (!fn) {
      return json(404, 'ResourceNotFoundException', `Function not found: ${name}`);
    }
    if (!fn.invokers.includes(caller.arn)) {
      return json(403, 'AccessDeniedException', `User: ${caller.arn} is not authorized to perform: lambda:InvokeFunction on resource: ${name} because no identity-based policy allows the lambda:InvokeFunction action`);
    }
    if (String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse') !== 'RequestResponse') {
      return json(400, 'InvalidParameterValueException', 'the fake answers RequestResponse invocations only');
    }
    const deadline = Date.now() + 90_000;
    try {
      const result = await fn.run(JSON.parse(body), { invokedFunctionArn: name, getRemainingTimeInMillis: () => deadline - Date.now() });
      return { status: 200, headers: { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' }, body: JSON.stringify(result) };
    } catch (err) {
      return {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST', 'x-amz-function-error': 'Unhandled' },
        body: JSON.stringify({ errorType: (err as Error).name, errorMessage: (err as Error).message, trace: [] }),
      };
    }
  }
}
