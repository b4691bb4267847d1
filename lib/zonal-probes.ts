import { existsSync } from 'fs';
import { join } from 'path';
import {
  Duration,
  RemovalPolicy,
  Stack,
  Token,
  aws_cloudwatch as cloudwatch,
  aws_ec2 as ec2,
  aws_elasticloadbalancingv2 as elbv2,
  aws_events as events,
  aws_events_targets as targets,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { HANDLER_RUNTIME } from './private/lambda-runtime';
import { PROBE_METRIC_NAMES, ZonalProbeMetrics, loadBalancerDimension } from './private/zonal-metrics';
import { validateAvailabilityZones } from './private/validation';

/** Where the build puts the bundled probe function. */
const PROBE_ASSET = join(__dirname, '..', 'assets', 'zonal-probe');
/** The schedule invokes the function once a minute; each invocation runs cycles for this long. */
const INVOCATION_SECONDS = 60;
/**
 * Assumed time from the end of a probe request to its datapoint being visible to alarms:
 * PutMetricData is a synchronous call made right after the cycle, and high-resolution custom
 * metrics are typically readable within seconds (not documented as a guarantee).
 */
const INGESTION_DELAY = Duration.seconds(5);
/** Most requests per AZ per cycle (the fault-rate and latency values of a cycle fit one datum). */
const MAX_REQUESTS_PER_CYCLE = 50;

/**
 * Protocol of the probe requests.
 */
export enum ProbeProtocol {
  /** Plain HTTP. */
  HTTP = 'http',
  /**
   * HTTPS. The zonal name is not on the load balancer's certificate, so the request sends the
   * regional name (or `hostHeader`) as TLS server name and Host header, and the certificate is
   * verified against that name.
   */
  HTTPS = 'https',
}

/**
 * Per-AZ probe metrics, as `ZonalAlarms` and `ZonalDashboard` read them. `ZonalProbes`
 * implements it; another probe that publishes the same metrics can too.
 */
export interface IZonalProbes {
  /** The AZ names probed. */
  readonly availabilityZones: string[];
  /** The `LoadBalancer` dimension value of the probe metrics (`app/name/id`). */
  readonly loadBalancerDimension: string;
  /** Time between two probes of the same AZ. */
  readonly interval: Duration;
  /** Longest a probe request may take, DNS resolution included. */
  readonly timeout: Duration;
  /**
   * Assumed time from the start of the last request of a cycle to its datapoint being visible to
   * alarms: the request timeout plus ingestion.
   */
  readonly deliveryDelay: Duration;
  /**
   * Percentage of failed probe requests to one AZ (Average over the period).
   *
   * @param availabilityZone an AZ name from `availabilityZones`
   * @param period the period of the metric, 10, 20 or 30 seconds or a multiple of 60
   */
  metricFaultRate(availabilityZone: string, period: Duration): cloudwatch.IMetric;
  /**
   * Median latency of answered probe requests to one AZ, in seconds.
   *
   * @param availabilityZone an AZ name from `availabilityZones`
   * @param period the period of the metric, 10, 20 or 30 seconds or a multiple of 60
   */
  metricLatency(availabilityZone: string, period: Duration): cloudwatch.IMetric;
}

/**
 * Properties of `ZonalProbes`.
 */
export interface ZonalProbesProps {
  /** The load balancer whose zonal DNS names (`<az-name>.<dns name>`) are probed. */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;

  /** Names (not IDs) of the AZs to probe, e.g. `['us-east-1a', 'us-east-1b']`. At least two. */
  readonly availabilityZones: string[];

  /**
   * For an internal load balancer: the VPC to run the probe function in. Without it the function
   * runs outside any VPC, which reaches internet-facing load balancers only.
   *
   * @default - outside any VPC (for an internet-facing load balancer)
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets of `vpc` for the function. Spread them over two or more AZs, and give them a route
   * to CloudWatch (a NAT gateway or a `monitoring` interface endpoint).
   *
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Protocol of the probe requests.
   *
   * @default ProbeProtocol.HTTP
   */
  readonly protocol?: ProbeProtocol;

  /**
   * Port of the listener to probe.
   *
   * @default - 80 for HTTP, 443 for HTTPS
   */
  readonly port?: number;

  /**
   * Path of the probe requests.
   *
   * @default '/'
   */
  readonly path?: string;

  /**
   * Status codes that count as success: codes and inclusive ranges, comma-separated, e.g.
   * `'200-299,304'`. Any other response is a fault.
   *
   * @default '200-399'
   */
  readonly expectedStatusCodes?: string;

  /**
   * Host header, and TLS server name for HTTPS: a name the load balancer's listener rules and
   * certificate accept. The zonal name never matches the certificate.
   *
   * @default - the load balancer's regional DNS name (without a `dualstack.` prefix)
   */
  readonly hostHeader?: string;

  /**
   * Time between two probe cycles. 1 to 60 whole seconds and a divisor of 60, so cycles stay in
   * step with the once-a-minute invocation.
   *
   * @default Duration.seconds(10)
   */
  readonly interval?: Duration;

  /**
   * Longest a probe request may take, DNS resolution included; a slower one is a fault. Shorter
   * than `interval`.
   *
   * @default Duration.seconds(2)
   */
  readonly timeout?: Duration;

  /**
   * Requests to each AZ per cycle, sent at the same time. Several requests per period let the
   * alarms require a fault rate, so that one failed request never counts as an impaired period.
   * 1 to 50.
   *
   * @default 3
   */
  readonly requestsPerCycle?: number;

  /**
   * Namespace of the probe metrics.
   *
   * @default 'CdkAzi/Probes'
   */
  readonly metricsNamespace?: string;

  /**
   * Retention of the function's logs.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Synthetic probes of each AZ's zonal endpoint of an Application Load Balancer.
 *
 * One function, invoked once a minute, runs a cycle every `interval`: it sends `requestsPerCycle`
 * requests to every AZ's zonal name (`<az-name>.<dns name>`) at the same time, from the same
 * place, and publishes per-AZ fault rate and latency as one-second-resolution metrics with the
 * `LoadBalancer` and `AvailabilityZone` dimensions. Probing every AZ from one place in one cycle
 * means a fault on the probe's side (its host, its network, its AZ, DNS resolution) fails every
 * AZ at once: a regional event for people, never a shift. A zonal shift moves the regional name
 * only, so the probes keep measuring a shifted AZ and can tell when it has recovered.
 *
 * `probeHealthAlarm` fires when the probe stops publishing. It is meant to page; it is in no
 * composite and never shifts traffic.
 */
export class ZonalProbes extends Construct implements IZonalProbes {
  /** The probe function. */
  public readonly handler: lambda.IFunction;
  /** Fewer than half the expected probe cycles published for three minutes: the probe is blind. */
  public readonly probeHealthAlarm: cloudwatch.Alarm;
  /** The AZ names probed. */
  public readonly availabilityZones: string[];
  /** The `LoadBalancer` dimension value of the probe metrics. */
  public readonly loadBalancerDimension: string;
  /** Time between two probe cycles. */
  public readonly interval: Duration;
  /** Longest a probe request may take. */
  public readonly timeout: Duration;
  /** Assumed time from a request's start to its datapoint being visible: `timeout` + 5 s ingestion. */
  public readonly deliveryDelay: Duration;
  /** Requests to each AZ per cycle. */
  public readonly requestsPerCycle: number;
  /** Namespace of the probe metrics. */
  public readonly metricsNamespace: string;

  private readonly metrics: ZonalProbeMetrics;

  constructor(scope: Construct, id: string, props: ZonalProbesProps) {
    super(scope, id);
    this.availabilityZones = validateAvailabilityZones(props.availabilityZones, 'availabilityZones');
    this.interval = props.interval ?? Duration.seconds(10);
    this.timeout = props.timeout ?? Duration.seconds(2);
    this.requestsPerCycle = props.requestsPerCycle ?? 3;
    this.metricsNamespace = props.metricsNamespace ?? 'CdkAzi/Probes';
    const protocol = props.protocol ?? ProbeProtocol.HTTP;
    const port = props.port ?? (protocol === ProbeProtocol.HTTPS ? 443 : 80);
    const path = props.path ?? '/';
    const expectedStatusCodes = props.expectedStatusCodes ?? '200-399';
    validateProbeProps(this.interval, this.timeout, this.requestsPerCycle, port, path, expectedStatusCodes, props.hostHeader);
    checkPlacement(props.loadBalancer, props.vpc);
    this.deliveryDelay = Duration.millis(this.timeout.toMilliseconds() + INGESTION_DELAY.toMilliseconds());

    this.loadBalancerDimension = loadBalancerDimension(props.loadBalancer);
    this.metrics = new ZonalProbeMetrics({ namespace: this.metricsNamespace, loadBalancerDimension: this.loadBalancerDimension });

    if (!existsSync(join(PROBE_ASSET, 'index.js'))) {
      throw new Error(`The zonal-probe function bundle is missing at ${PROBE_ASSET}; run 'npm run bundle' (the package build does it).`);
    }
    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const intervalMs = this.interval.toMilliseconds();
    const fn = new lambda.Function(this, 'Handler', {
      runtime: HANDLER_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      code: lambda.Code.fromAsset(PROBE_ASSET),
      handler: 'index.handler',
      description: 'cdk-azi: probes every AZ\'s zonal load balancer name and publishes per-AZ availability and latency',
      memorySize: 128,
      // The last cycle starts before 60 s and ends within one timeout plus the publish.
      timeout: Duration.seconds(INVOCATION_SECONDS + Math.ceil(this.timeout.toSeconds({ integral: false })) + 15),
      logGroup,
      vpc: props.vpc,
      vpcSubnets: props.vpc ? (props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }) : undefined,
      environment: {
        LOAD_BALANCER_DNS_NAME: props.loadBalancer.loadBalancerDnsName,
        AVAILABILITY_ZONES: JSON.stringify(this.availabilityZones),
        LOAD_BALANCER_DIMENSION: this.loadBalancerDimension,
        PROTOCOL: protocol,
        PORT: String(port),
        PROBE_PATH: path,
        EXPECTED_STATUS_CODES: expectedStatusCodes,
        ...(props.hostHeader ? { HOST_HEADER: props.hostHeader } : {}),
        TIMEOUT_MS: String(this.timeout.toMilliseconds()),
        INTERVAL_MS: String(intervalMs),
        REQUESTS_PER_CYCLE: String(this.requestsPerCycle),
        RUN_FOR_MS: String(INVOCATION_SECONDS * 1000),
        METRICS_NAMESPACE: this.metricsNamespace,
        FAULT_RATE_METRIC: PROBE_METRIC_NAMES.faultRate,
        LATENCY_METRIC: PROBE_METRIC_NAMES.latency,
        CYCLES_METRIC: PROBE_METRIC_NAMES.cycles,
      },
    });
    fn.addToRolePolicy(new iam.PolicyStatement({
      sid: 'PublishProbeMetrics',
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': this.metricsNamespace } },
    }));
    this.handler = fn;

    // No retries: a retried invocation would run beside the next scheduled one. A lost
    // invocation is a minute without datapoints, which the heartbeat alarm sees if it lasts.
    new events.Rule(this, 'Schedule', {
      description: 'cdk-azi: starts a minute of zonal probe cycles',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 0, maxEventAge: Duration.minutes(1) })],
    });

    const expectedCycles = INVOCATION_SECONDS * 1000 / intervalMs;
    this.probeHealthAlarm = new cloudwatch.Alarm(this, 'ProbeHealth', {
      metric: this.metrics.cycles(Duration.minutes(1)),
      threshold: expectedCycles / 2,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      alarmDescription: `The zonal probes published fewer than ${expectedCycles / 2} of ${expectedCycles} cycles a minute for 3 minutes: ` +
        'per-AZ probe alarms are blind (their missing data keeps any shift in place). Page people; this alarm never shifts traffic.',
    });
  }

  /**
   * Percentage of failed probe requests to one AZ (Average over the period).
   *
   * @param availabilityZone an AZ name from `availabilityZones`
   * @param period the period of the metric
   */
  public metricFaultRate(availabilityZone: string, period: Duration): cloudwatch.IMetric {
    this.requireZone(availabilityZone);
    return this.metrics.faultRate(availabilityZone, period);
  }

  /**
   * Median latency of answered probe requests to one AZ, in seconds.
   *
   * @param availabilityZone an AZ name from `availabilityZones`
   * @param period the period of the metric
   */
  public metricLatency(availabilityZone: string, period: Duration): cloudwatch.IMetric {
    this.requireZone(availabilityZone);
    return this.metrics.latency(availabilityZone, period);
  }

  /**
   * Probe cycles published (Sum), the heartbeat.
   *
   * @default period Duration.minutes(1)
   */
  public metricCycles(period?: Duration): cloudwatch.IMetric {
    return this.metrics.cycles(period ?? Duration.minutes(1));
  }

  private requireZone(availabilityZone: string): void {
    if (!this.availabilityZones.includes(availabilityZone)) {
      throw new Error(`Unknown availability zone '${availabilityZone}': the probes cover ${this.availabilityZones.join(', ')}`);
    }
  }
}

function validateProbeProps(
  interval: Duration, timeout: Duration, requestsPerCycle: number, port: number, path: string, statusCodes: string, hostHeader?: string,
): void {
  if (interval.isUnresolved() || timeout.isUnresolved()) {
    throw new Error('interval and timeout must be concrete durations, not tokens: the probe cadence is checked at synthesis.');
  }
  const intervalMs = interval.toMilliseconds();
  if (!(intervalMs >= 1000 && intervalMs <= 60000 && intervalMs % 1000 === 0 && 60000 % intervalMs === 0)) {
    throw new Error(`interval is ${interval.toHumanString()}; use whole seconds from 1 to 60 that divide a minute, e.g. Duration.seconds(10).`);
  }
  const timeoutMs = timeout.toMilliseconds();
  if (!(timeoutMs >= 100 && timeoutMs < intervalMs)) {
    throw new Error(`timeout is ${timeout.toHumanString()}; it must be at least 100 milliseconds and shorter than interval (${interval.toHumanString()}), e.g. Duration.seconds(2).`);
  }
  if (!Token.isUnresolved(requestsPerCycle) && !(Number.isInteger(requestsPerCycle) && requestsPerCycle >= 1 && requestsPerCycle <= MAX_REQUESTS_PER_CYCLE)) {
    throw new Error(`requestsPerCycle is ${requestsPerCycle}; it must be an integer from 1 to ${MAX_REQUESTS_PER_CYCLE}, e.g. 3.`);
  }
  if (!Token.isUnresolved(port) && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
    throw new Error(`port is ${port}; it must be an integer from 1 to 65535.`);
  }
  if (!Token.isUnresolved(path) && !path.startsWith('/')) {
    throw new Error(`path is '${path}'; it must start with '/', e.g. '/health'.`);
  }
  if (!Token.isUnresolved(statusCodes)) {
    for (const part of statusCodes.split(',')) {
      const match = /^\s*(\d{3})(?:\s*-\s*(\d{3}))?\s*$/.exec(part);
      const from = match ? Number(match[1]) : NaN;
      const to = match?.[2] === undefined ? from : Number(match[2]);
      if (!match || from < 100 || to > 599 || from > to) {
        throw new Error(`expectedStatusCodes entry '${part}' is not a status code or a range; use e.g. '200-299,304'.`);
      }
    }
  }
  if (hostHeader !== undefined && !Token.isUnresolved(hostHeader) && !/^[A-Za-z0-9.-]+$/.test(hostHeader)) {
    throw new Error(`hostHeader '${hostHeader}' is not a host name; pass a name such as 'shop.example.com'.`);
  }
}

/**
 * An internal load balancer defined in this app cannot be reached from outside its VPC: demand
 * the VPC. (An imported load balancer does not say its scheme; the caller decides.)
 */
function checkPlacement(loadBalancer: elbv2.IApplicationLoadBalancer, vpc: ec2.IVpc | undefined): void {
  const cfn = loadBalancer.node.defaultChild;
  if (vpc === undefined && cfn instanceof elbv2.CfnLoadBalancer) {
    const scheme = Stack.of(loadBalancer).resolve(cfn.scheme);
    if (scheme === 'internal') {
      throw new Error(`The load balancer ${loadBalancer.node.path} is internal, so the probes must run inside its VPC: pass vpc (and optionally vpcSubnets in two or more AZs).`);
    }
  }
}
