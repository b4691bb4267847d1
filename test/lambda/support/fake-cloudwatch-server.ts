import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { CompositeAlarm, MetricAlarm } from '@aws-sdk/client-cloudwatch';

/** A DescribeAlarms request the fake received. */
export interface CloudWatchRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly target: string;
  readonly body: Record<string, unknown>;
}

/** An error the next request answers with. */
export interface CloudWatchFault {
  readonly status: number;
  /** Query-compatible error code, e.g. `Throttling`, `AccessDenied`, `InternalServiceError`. */
  readonly code: string;
  /** Extra response headers, e.g. `retry-after`. */
  readonly headers?: Record<string, string>;
}

const TARGET_PREFIX = 'GraniteServiceVersion20100801.';

/**
 * CloudWatch DescribeAlarms over AWS JSON 1.0 on 127.0.0.1, answering from a fixture set of
 * metric and composite alarms (in the SDK's shapes), with their state timestamps, counting calls.
 */
export class FakeCloudWatchServer {
  static async start(): Promise<FakeCloudWatchServer> {
    const fake = new FakeCloudWatchServer();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  readonly metricAlarms: MetricAlarm[] = [];
  readonly compositeAlarms: CompositeAlarm[] = [];
  readonly requests: CloudWatchRequest[] = [];
  readonly faults: CloudWatchFault[] = [];
  /** Runs when a request arrives, before it is answered (to change the world in a race). */
  onRequest?: (target: string) => void;
  /** Largest page the fake returns, whatever MaxRecords says. */
  pageSize = 100;
  private readonly server: http.Server;

  private constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
  }

  /** Base URL, e.g. `http://127.0.0.1:12345`. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Replaces the fixture set. */
  setAlarms(metric: MetricAlarm[], composite: CompositeAlarm[] = []): void {
    this.metricAlarms.splice(0, this.metricAlarms.length, ...metric);
    this.compositeAlarms.splice(0, this.compositeAlarms.length, ...composite);
  }

  /** DescribeAlarms requests received (each one an AWS call). */
  get describeAlarmsCalls(): number {
    return this.requests.filter((request) => request.target === `${TARGET_PREFIX}DescribeAlarms`).length;
  }

  /**
   * Sets an alarm's state as CloudWatch would: `StateUpdatedTimestamp` always moves to `at`,
   * `StateTransitionedTimestamp` only when the state value changes.
   */
  setState(name: string, state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA', at: Date): void {
    const alarm = [...this.metricAlarms, ...this.compositeAlarms].find((candidate) => candidate.AlarmName === name);
    if (!alarm) {
      throw new Error(`no alarm ${name} in the fake`);
    }
    if (alarm.StateValue !== state || alarm.StateTransitionedTimestamp === undefined) {
      alarm.StateTransitionedTimestamp = at;
    }
    alarm.StateValue = state;
    alarm.StateUpdatedTimestamp = at;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const target = String(req.headers['x-amz-target'] ?? '');
    let body: Record<string, unknown> = {};
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      return this.error(res, 400, 'SerializationException', 'body is not JSON');
    }
    this.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, target, body });
    if (req.method !== 'POST' || req.url !== '/' || req.headers['content-type'] !== 'application/x-amz-json-1.0') {
      return this.error(res, 400, 'InvalidAction', 'expected POST / with application/x-amz-json-1.0');
    }
    if (target !== `${TARGET_PREFIX}DescribeAlarms`) {
      return this.error(res, 400, 'InvalidAction', `unsupported target ${target}`);
    }
    this.onRequest?.(target);
    const fault = this.faults.shift();
    if (fault) {
      return this.error(res, fault.status, fault.code, `injected ${fault.code}`, fault.headers);
    }
    const names = Array.isArray(body.AlarmNames) ? (body.AlarmNames as string[]) : undefined;
    if (names && names.length > 100) {
      return this.error(res, 400, 'InvalidParameterValue', 'AlarmNames has more than 100 members');
    }
    const types = Array.isArray(body.AlarmTypes) ? (body.AlarmTypes as string[]) : ['MetricAlarm'];
    const wanted = (name?: string) => !names || (name !== undefined && names.includes(name));
    const all: Array<['metric' | 'composite', MetricAlarm | CompositeAlarm]> = [
      ...(types.includes('MetricAlarm') ? this.metricAlarms.filter((a) => wanted(a.AlarmName)).map((a) => ['metric', a] as ['metric', MetricAlarm]) : []),
      ...(types.includes('CompositeAlarm') ? this.compositeAlarms.filter((a) => wanted(a.AlarmName)).map((a) => ['composite', a] as ['composite', CompositeAlarm]) : []),
    ];
    const start = typeof body.NextToken === 'string' ? Number(body.NextToken) : 0;
    const size = Math.min(this.pageSize, typeof body.MaxRecords === 'number' ? body.MaxRecords : 50);
    const page = all.slice(start, start + size);
    const out: Record<string, unknown> = {
      MetricAlarms: page.filter(([kind]) => kind === 'metric').map(([, alarm]) => wire(alarm)),
      CompositeAlarms: page.filter(([kind]) => kind === 'composite').map(([, alarm]) => wire(alarm)),
    };
    if (start + size < all.length) {
      out.NextToken = String(start + size);
    }
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(out));
  }

  private error(res: http.ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-query-error': `${code};${status >= 500 ? 'Receiver' : 'Sender'}`,
      ...headers,
    });
    res.end(JSON.stringify({ __type: `com.amazonaws.cloudwatch#${code}`, message }));
  }
}

/** AWS JSON 1.0 sends timestamps as epoch seconds. */
function wire(alarm: MetricAlarm | CompositeAlarm): Record<string, unknown> {
  const out: Record<string, unknown> = { ...alarm };
  for (const [key, value] of Object.entries(out)) {
    if (value instanceof Date) {
      out[key] = value.getTime() / 1000;
    }
  }
  return out;
}
