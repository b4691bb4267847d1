import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { evaluateAlarmRule, parseAlarmRule, alarmNameFromReference, AlarmStateValue } from '../../../lambda/zonal-shift/alarm-rule';
import { ArcZonalShiftClient } from '../../../lambda/zonal-shift/arc-client';
import { CloudWatchAlarmReader } from '../../../lambda/zonal-shift/cloudwatch-reader';
import { RawConfig, parseConfig } from '../../../lambda/zonal-shift/config';
import { HandleOptions, handleEvent } from '../../../lambda/zonal-shift/decide';
import { Decision, HandlerConfig, HandlerDeps } from '../../../lambda/zonal-shift/types';
import { FakeArcOptions, FakeArcServer } from './fake-arc-server';
import { FakeCloudWatchServer } from './fake-cloudwatch-server';
import { AZS, ConfigOptions, TreeOptions, detectionTree, rawConfig, zoneNames } from './fixtures';

/** Options of {@link World.start}. */
export interface WorldOptions extends ConfigOptions, TreeOptions {
  /** Zones impaired at the start. */
  readonly impaired?: string[];
  readonly arc?: FakeArcOptions;
  /** The configuration, when not the one {@link rawConfig} builds from the options. */
  readonly config?: RawConfig;
}

/**
 * The local fakes of ARC and CloudWatch, a clock the test controls, and the real decision code
 * with its real HTTP clients pointed at the fakes. Alarm states change through {@link setMetric},
 * which re-evaluates the composites like CloudWatch does and stamps the transitions.
 */
export class World {
  static async start(options: WorldOptions = {}): Promise<World> {
    const arc = await FakeArcServer.start(options.arc);
    const cloudwatch = await FakeCloudWatchServer.start();
    return new World(arc, cloudwatch, options);
  }

  /** The clock (ms since the epoch) shared by the handler, the fake ARC and the alarm timestamps. */
  nowMs = Date.UTC(2024, 4, 1, 12, 0, 0);
  readonly config: HandlerConfig;
  readonly deps: HandlerDeps;
  readonly lines: string[] = [];
  /** AWS calls in order, across both fakes. */
  readonly calls: string[] = [];
  private readonly azs: string[];

  private constructor(readonly arc: FakeArcServer, readonly cloudwatch: FakeCloudWatchServer, options: WorldOptions) {
    this.azs = options.azs ?? AZS;
    arc.nowSeconds = () => Math.floor(this.nowMs / 1000);
    const tree = detectionTree(options.impaired ?? [], options);
    const start = new Date(this.nowMs - 3600_000);
    for (const alarm of [...tree.metric, ...tree.composite]) {
      alarm.StateTransitionedTimestamp = start;
      alarm.StateUpdatedTimestamp = start;
    }
    cloudwatch.setAlarms(tree.metric, tree.composite);
    this.config = parseConfig({ ZONAL_SHIFT_CONFIG: JSON.stringify(options.config ?? rawConfig(options)) });
    arc.onRequest = (operation) => this.calls.push(operation);
    cloudwatch.onRequest = (target) => this.calls.push(target.split('.').pop()!);
    const credentials = { accessKeyId: arc.accessKeyId, secretAccessKey: arc.secretAccessKey };
    this.deps = {
      alarms: new CloudWatchAlarmReader(new CloudWatchClient({
        region: 'us-east-1',
        endpoint: cloudwatch.endpoint,
        credentials,
        maxAttempts: 1,
      })),
      shifts: new ArcZonalShiftClient({ region: 'us-east-1', endpoint: arc.endpoint, credentials: async () => credentials }),
      runtime: { sleep: async () => undefined, random: () => 0.5, now: () => new Date(this.nowMs) },
      logger: { log: (line) => this.lines.push(line) },
    };
  }

  /** Runs the real decision code for one invocation. */
  invoke(event: unknown, options: HandleOptions = {}): Promise<Decision[]> {
    return handleEvent(event, this.config, this.deps, options);
  }

  /** Runs one invocation that decides one zone and returns its decision. */
  async decide(event: unknown): Promise<Decision> {
    const decisions = await this.invoke(event);
    expect(decisions).toHaveLength(1);
    return decisions[0];
  }

  /** Advances the clock. */
  advance(ms: number): void {
    this.nowMs += ms;
  }

  /** The current state of an alarm in the fake. */
  state(name: string): AlarmStateValue {
    const alarm = [...this.cloudwatch.metricAlarms, ...this.cloudwatch.compositeAlarms].find((candidate) => candidate.AlarmName === name);
    return (alarm?.StateValue ?? 'INSUFFICIENT_DATA') as AlarmStateValue;
  }

  /** Sets metric alarms' states, then every composite as CloudWatch would evaluate it now. */
  setMetric(states: Record<string, AlarmStateValue>): void {
    const at = new Date(this.nowMs);
    for (const [name, state] of Object.entries(states)) {
      this.cloudwatch.setState(name, state, at);
    }
    for (const composite of this.cloudwatch.compositeAlarms) {
      const holds = evaluateAlarmRule(parseAlarmRule(composite.AlarmRule!), (ref) => this.state(alarmNameFromReference(ref)));
      this.cloudwatch.setState(composite.AlarmName!, holds ? 'ALARM' : 'OK', at);
    }
  }

  /** Sets a zone's load-balancer alarms and probe alarm. */
  setZone(az: string, states: { alb?: AlarmStateValue; probe?: AlarmStateValue }): void {
    const names = zoneNames(az);
    const out: Record<string, AlarmStateValue> = {};
    if (states.alb) {
      out[names.errors] = states.alb;
      out[names.rate] = states.alb;
    }
    if (states.probe) {
      out[names.probe] = states.probe;
    }
    this.setMetric(out);
  }

  /** Decision log records. */
  decisions(): Array<Record<string, unknown>> {
    return this.lines.map((line) => JSON.parse(line)).filter((record) => record.decision);
  }

  /** AWS calls since the last {@link resetCalls}. */
  resetCalls(): void {
    this.calls.splice(0, this.calls.length);
  }

  get zones(): string[] {
    return this.azs;
  }

  close(): Promise<void> {
    return Promise.all([this.arc.close(), this.cloudwatch.close()]).then(() => undefined);
  }
}
