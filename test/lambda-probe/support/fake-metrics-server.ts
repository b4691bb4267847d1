import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One PutMetricData request as the fake received it. */
export interface PutMetricDataRequest {
  readonly target: string;
  readonly contentType: string;
  readonly authorization: string;
  readonly body: {
    Namespace: string;
    MetricData: Array<{
      MetricName: string;
      Dimensions?: Array<{ Name: string; Value: string }>;
      Timestamp?: number;
      Value?: number;
      Values?: number[];
      Counts?: number[];
      Unit?: string;
      StorageResolution?: number;
    }>;
  };
}

const TARGET = 'GraniteServiceVersion20100801.PutMetricData';

/**
 * CloudWatch PutMetricData over the protocol the SDK's CloudWatch client speaks (AWS JSON 1.0:
 * POST /, `X-Amz-Target: GraniteServiceVersion20100801.<Operation>`,
 * `Content-Type: application/x-amz-json-1.0`, body optionally gzip-compressed), on 127.0.0.1.
 * Anything else is answered with the error shape of that protocol, so a client speaking another
 * protocol fails loudly.
 */
export class FakeMetricsServer {
  static async start(): Promise<FakeMetricsServer> {
    const fake = new FakeMetricsServer();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  readonly requests: PutMetricDataRequest[] = [];
  /** Status codes to answer the next requests with (a 500 is an InternalServiceError). */
  readonly faults: number[] = [];
  private readonly server: http.Server;

  private constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks)));
    });
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Every datum received, flattened. */
  get datapoints(): PutMetricDataRequest['body']['MetricData'] {
    return this.requests.flatMap((request) => request.body.MetricData);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer): void {
    const error = (status: number, type: string, message: string) => {
      res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${type};Sender` });
      res.end(JSON.stringify({ __type: `com.amazonaws.cloudwatch#${type}`, message }));
    };
    const target = String(req.headers['x-amz-target'] ?? '');
    const contentType = String(req.headers['content-type'] ?? '');
    if (req.method !== 'POST' || req.url !== '/' || target !== TARGET || contentType !== 'application/x-amz-json-1.0') {
      error(400, 'InvalidAction', `unsupported request ${req.method} ${req.url} target=${target} content-type=${contentType}`);
      return;
    }
    const authorization = String(req.headers.authorization ?? '');
    if (!authorization.startsWith('AWS4-HMAC-SHA256 ')) {
      error(403, 'MissingAuthenticationToken', 'request is not signed');
      return;
    }
    const fault = this.faults.shift();
    if (fault !== undefined) {
      error(fault, fault >= 500 ? 'InternalServiceError' : 'InvalidParameterValue', 'injected fault');
      return;
    }
    const text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    const body = JSON.parse(text) as PutMetricDataRequest['body'];
    if (typeof body.Namespace !== 'string' || !Array.isArray(body.MetricData) || body.MetricData.length > 1000) {
      error(400, 'InvalidParameterValue', 'Namespace and 1-1000 MetricData are required');
      return;
    }
    for (const datum of body.MetricData) {
      if (datum.Values && (!datum.Counts || datum.Counts.length !== datum.Values.length || datum.Values.length > 150)) {
        error(400, 'InvalidParameterValue', 'Values and Counts must have the same length, at most 150');
        return;
      }
      if (datum.StorageResolution !== undefined && datum.StorageResolution !== 1 && datum.StorageResolution !== 60) {
        error(400, 'InvalidParameterValue', 'StorageResolution must be 1 or 60');
        return;
      }
    }
    this.requests.push({ target, contentType, authorization, body });
    res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.0' });
    res.end('{}');
  }
}
