import { existsSync } from 'fs';
import { join } from 'path';
import {
  Annotations,
  Duration,
  RemovalPolicy,
  Stack,
  Token,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cw_actions,
  aws_elasticloadbalancingv2 as elbv2,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AvailabilityZoneIds } from './private/availability-zone-ids';
import { validateAvailabilityZones } from './private/validation';

/** The longest expiry ARC accepts when a zonal shift starts. */
const MAX_SHIFT_EXPIRY_HOURS = 72;
/** The namespace of the decision metrics, unless the props name another. */
const DEFAULT_METRICS_NAMESPACE = 'CdkAzi/ZonalShift';
/** Where the build puts the bundled handler. */
const HANDLER_ASSET = join(__dirname, '..', 'assets', 'zonal-shift');

/**
 * The kinds of decision the zonal-shift function logs, one metric each.
 */
export enum ZonalShiftDecision {
  /** A zonal shift was started. */
  STARTED = 'started',
  /** The automation's own active shift away from the same zone was extended. */
  EXTENDED = 'extended',
  /** The automation's own shift was cancelled after the zone recovered. */
  CANCELLED = 'cancelled',
  /** The event or the situation did not allow a shift; someone should look. */
  REFUSED = 'refused',
  /** Dry-run mode: the decision was logged and nothing was changed. */
  DRY_RUN = 'dry-run',
  /** Nothing needed doing (for example, the alarm was no longer in ALARM). */
  NOTHING_TO_DO = 'nothing-to-do',
}

/**
 * Properties of a {@link ZonalShiftResponder}.
 */
export interface ZonalShiftResponderProps {
  /**
   * The load balancers the function may shift. Alarms about any other load balancer are refused,
   * and the role can start, update and cancel zonal shifts only on these.
   */
  readonly loadBalancers: elbv2.IApplicationLoadBalancer[];

  /**
   * The Availability Zone names the alarms report. Each is resolved to its AZ ID at deploy time
   * (AZ names differ between accounts; zonal shift takes the ID).
   */
  readonly availabilityZones: string[];

  /**
   * How long a zonal shift lasts unless the function ends it on recovery or extends it. Whole
   * minutes, at most 72 hours. The expiry is the safety net for a shift nobody ends.
   *
   * @default Duration.hours(6)
   */
  readonly shiftExpiresIn?: Duration;

  /**
   * Whether the function also runs on the alarms' OK transition and cancels the shift it started,
   * once that zone's own alarms have cleared. It never cancels a shift that a person started.
   *
   * @default true
   */
  readonly endShiftOnRecovery?: boolean;

  /**
   * Decide and log, but never call ARC to start, extend or cancel a shift.
   *
   * @default false
   */
  readonly dryRun?: boolean;

  /**
   * How long the function's logs are kept.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The CloudWatch namespace of the per-decision metrics (embedded in the function's log lines).
   *
   * @default 'CdkAzi/ZonalShift'
   */
  readonly metricsNamespace?: string;
}

/**
 * A Lambda function that answers an isolated-impact alarm by shifting the load balancer's traffic
 * away from the impaired zone with an ARC zonal shift, and ends that shift when the zone recovers.
 *
 * The function reads the alarm's definition (not the event) to find the load balancer and zone,
 * refuses anything it does not manage, never starts a second shift, and never cancels a shift
 * it did not start. Failed asynchronous invocations land in an encrypted dead-letter queue;
 * alarms watch function errors, the queue and refusals.
 */
export class ZonalShiftResponder extends Construct {
  /** The zonal-shift function. */
  public readonly handler: lambda.IFunction;
  /** The dead-letter queue of failed asynchronous invocations. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** Fires when the function fails. */
  public readonly errorsAlarm: cloudwatch.Alarm;
  /** Fires when an invocation lands in the dead-letter queue. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  /** Fires when the function refuses to act on an alarm (a case for people). */
  public readonly refusalsAlarm: cloudwatch.Alarm;
  /** Whether the function ends its shifts when the zone recovers. */
  public readonly endShiftOnRecovery: boolean;
  private readonly metricsNamespace: string;
  private readonly action: cw_actions.LambdaAction;

  constructor(scope: Construct, id: string, props: ZonalShiftResponderProps) {
    super(scope, id);

    if (props.loadBalancers.length === 0) {
      throw new Error('ZonalShiftResponder needs at least one load balancer in loadBalancers: it only shifts the load balancers it is given.');
    }
    const zones = validateAvailabilityZones(props.availabilityZones, 'availabilityZones');
    const expiresIn = formatExpiry(props.shiftExpiresIn ?? Duration.hours(6));
    if (expiresIn.minutes < 60) {
      Annotations.of(this).addWarningV2('cdk-azi:shiftExpiresInShort',
        `shiftExpiresIn is ${expiresIn.text}; some ARC documentation gives one hour as the shortest expiry, so a start may be refused. Prefer at least Duration.hours(1).`);
    }
    this.endShiftOnRecovery = props.endShiftOnRecovery ?? true;
    this.metricsNamespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;
    const loadBalancerArns = props.loadBalancers.map((lb) => lb.loadBalancerArn);

    if (!existsSync(join(HANDLER_ASSET, 'index.js'))) {
      throw new Error(`The zonal-shift handler bundle is missing at ${HANDLER_ASSET}; run 'npm run bundle' (the package build does it).`);
    }

    const zoneIds = new AvailabilityZoneIds(this, 'ZoneIds', zones);

    const deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.deadLetterQueue = deadLetterQueue;

    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const fn = new lambda.Function(this, 'Handler', {
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      code: lambda.Code.fromAsset(HANDLER_ASSET),
      handler: 'index.handler',
      description: 'cdk-azi: shifts load balancer traffic away from an isolated impaired Availability Zone',
      memorySize: 256,
      timeout: Duration.minutes(1),
      logGroup,
      deadLetterQueue,
      retryAttempts: 2,
      maxEventAge: Duration.minutes(30),
      environment: {
        MANAGED_LOAD_BALANCER_ARNS: Stack.of(this).toJsonString(loadBalancerArns),
        AZ_ID_MAP: zoneIds.toJson(),
        SHIFT_EXPIRES_IN: expiresIn.text,
        END_SHIFT_ON_RECOVERY: String(this.endShiftOnRecovery),
        DRY_RUN: String(props.dryRun ?? false),
        METRICS_NAMESPACE: this.metricsNamespace,
      },
    });
    this.handler = fn;

    fn.addToRolePolicy(new iam.PolicyStatement({
      sid: 'ReadAlarmDefinitions',
      actions: ['cloudwatch:DescribeAlarms'],
      resources: ['*'],
    }));
    fn.addToRolePolicy(new iam.PolicyStatement({
      sid: 'ShiftManagedLoadBalancers',
      actions: ['arc-zonal-shift:StartZonalShift', 'arc-zonal-shift:UpdateZonalShift', 'arc-zonal-shift:CancelZonalShift'],
      resources: loadBalancerArns,
      conditions: { StringEquals: { 'arc-zonal-shift:ResourceIdentifier': loadBalancerArns } },
    }));
    fn.addToRolePolicy(new iam.PolicyStatement({
      sid: 'ListZonalShifts',
      actions: ['arc-zonal-shift:ListZonalShifts'],
      resources: ['*'],
    }));

    this.action = new cw_actions.LambdaAction(fn, { useUniquePermissionId: true });

    this.errorsAlarm = this.alarmOnAny('ErrorsAlarm',
      'The zonal-shift function failed; a zone may not have been shifted away from.',
      fn.metricErrors({ period: Duration.minutes(1), statistic: cloudwatch.Stats.SUM }));
    this.deadLetterAlarm = this.alarmOnAny('DeadLetterAlarm',
      'A zonal-shift invocation failed all retries and is in the dead-letter queue.',
      deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }));
    this.refusalsAlarm = this.alarmOnAny('RefusalsAlarm',
      'The zonal-shift function refused to act on an alarm; read its log for the reason.',
      this.metricDecisions(ZonalShiftDecision.REFUSED));
  }

  /**
   * Makes the function the ALARM action of an isolated-impact alarm, and its OK action when
   * `endShiftOnRecovery` is on. Attach only alarms that fire when exactly one zone is impaired.
   *
   * @param alarm an alarm whose metric alarms carry `LoadBalancer` and `AvailabilityZone` dimensions
   */
  public respondTo(alarm: cloudwatch.AlarmBase): void {
    alarm.addAlarmAction(this.action);
    if (this.endShiftOnRecovery) {
      alarm.addOkAction(this.action);
    }
  }

  /**
   * The number of decisions of one kind, from the metric the function embeds in its log lines.
   *
   * @param decision the kind of decision
   * @param props options for the metric
   */
  public metricDecisions(decision: ZonalShiftDecision, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.metricsNamespace,
      metricName: 'Decisions',
      dimensionsMap: { Decision: decision },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(1),
      ...props,
    });
  }

  /** An alarm that fires on the first datapoint of one or more. */
  private alarmOnAny(id: string, description: string, metric: cloudwatch.IMetric): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, id, {
      alarmDescription: description,
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}

interface Expiry {
  readonly minutes: number;
  readonly text: string;
}

/** Renders a duration as ARC's `expiresIn` (`90m`, `6h`), after checking ARC's limits. */
function formatExpiry(duration: Duration): Expiry {
  if (Token.isUnresolved(duration.toSeconds())) {
    throw new Error('shiftExpiresIn must be a concrete duration, not a token.');
  }
  const seconds = duration.toSeconds();
  if (seconds % 60 !== 0 || seconds < 60) {
    throw new Error(`shiftExpiresIn must be a whole number of minutes (at least 1), got ${seconds} seconds.`);
  }
  const minutes = seconds / 60;
  if (minutes > MAX_SHIFT_EXPIRY_HOURS * 60) {
    throw new Error(`shiftExpiresIn is ${duration.toHumanString()}, but ARC accepts at most ${MAX_SHIFT_EXPIRY_HOURS} hours; use Duration.hours(${MAX_SHIFT_EXPIRY_HOURS}) or less.`);
  }
  return { minutes, text: minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m` };
}
