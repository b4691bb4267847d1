import { existsSync } from 'fs';
import { join } from 'path';
import {
  Annotations,
  CfnElement,
  CfnOutput,
  Duration,
  Lazy,
  RemovalPolicy,
  Stack,
  Token,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cw_actions,
  aws_elasticloadbalancingv2 as elbv2,
  aws_events as events,
  aws_events_targets as targets,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { HANDLER_RUNTIME } from './private/lambda-runtime';
import { AvailabilityZoneIds } from './private/availability-zone-ids';
import { DRILL_OUTPUT_MARKER } from './private/drill-output';
import { ZonalAlarms } from './zonal-alarms';
import { validateAvailabilityZones } from './private/validation';

/** The longest expiry ARC accepts when a zonal shift starts. */
const MAX_SHIFT_EXPIRY_HOURS = 72;
/** The namespace of the decision metrics, unless the props name another. */
const DEFAULT_METRICS_NAMESPACE = 'CdkAzi/ZonalShift';
/** The one environment variable of the function: its whole configuration as JSON. */
const CONFIG_VARIABLE = 'ZONAL_SHIFT_CONFIG';
/** Lambda's limit on all environment variables together (names and values). */
const MAX_ENVIRONMENT_BYTES = 4096;
/** DescribeAlarms takes at most 100 names: the alarms of one zone must fit one call. */
const MAX_ALARMS_PER_ZONE = 100;
/** The function's timeout; the handler checks that its worst-case decision fits. */
const FUNCTION_TIMEOUT = Duration.seconds(90);
/** The fixed input of the reconcile schedule (the handler recognises exactly this). */
const RECONCILE_INPUT = { source: 'cdk-azi.zonal-shift', action: 'reconcile' };
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
   * Whether the function ends the shift it started once the zone has recovered: every wired alarm
   * of the zone and its impaired alarm are OK, and every recovery alarm of the zone has been OK for
   * `recoveryWindow`. Zones wired without recovery alarms are never ended by the function (the
   * shift ends by expiry or by a person). It never cancels a shift that a person started.
   *
   * @default true
   */
  readonly endShiftOnRecovery?: boolean;

  /**
   * How long every recovery alarm of a zone must have been OK, continuously, before the function
   * ends its shift away from that zone. Judged from each alarm's last state transition. At least
   * one minute.
   *
   * @default Duration.minutes(5)
   */
  readonly recoveryWindow?: Duration;

  /**
   * How often the function re-decides every wired zone from the current state (level-triggered,
   * so a lost alarm event, an expired shift or an ended recovery window is acted on within this).
   * Whole minutes, at least one.
   *
   * @default Duration.minutes(1)
   */
  readonly reconcileInterval?: Duration;

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

  /**
   * IAM roles allowed to run a drill (`npx cdk-azi drill --stack NAME`): the function reads what
   * an incident would make it read, for every zone, and reports what it would decide, without
   * writing to ARC. The function's resource policy lets each role invoke it (imported roles and
   * roles of other stacks or accounts included), and the function accepts a drill only with a
   * presigned `sts:GetCallerIdentity` proof that one of these roles signed for this function.
   * Invoking the function also lets a role send it other events (a reconcile, which the schedule
   * runs every minute anyway; malformed events, which it refuses and counts as refusals). More
   * can be added with `allowDrill`.
   *
   * @default - none: every drill is refused
   */
  readonly drillRoles?: iam.IRole[];
}

/**
 * What the function needs to know about one isolated-impact alarm it responds to. Every alarm
 * named here is read (one `DescribeAlarms` call per zone) before every write.
 */
export interface ZonalShiftAlarmOptions {
  /**
   * The Availability Zone (name) the alarm is about; one of the responder's `availabilityZones`.
   */
  readonly availabilityZone: string;

  /**
   * The load balancer to shift; one of the responder's `loadBalancers`.
   *
   * @default - the responder's only load balancer (an error when it has several)
   */
  readonly loadBalancer?: elbv2.IApplicationLoadBalancer;

  /** The zone's "impaired" alarm: the isolated-impact alarm's rule references it. */
  readonly impairedAlarm: cloudwatch.IAlarm;

  /**
   * The other zones' "impaired" alarms: no shift starts while any of them is in ALARM (impact in
   * two or more zones is regional, for people).
   */
  readonly otherImpairedAlarms: cloudwatch.IAlarm[];

  /**
   * The zone's metric alarms that carry `LoadBalancer` and `AvailabilityZone` dimensions. Before
   * every write the function checks that their dimensions name this load balancer and zone, and
   * refuses otherwise. Do not list alarms whose metrics read several zones (outlier alarms).
   */
  readonly dimensionAlarms: cloudwatch.IAlarm[];

  /**
   * Alarms that keep measuring the zone while traffic is shifted away (per-zone probes). The
   * function ends its shift only after all of them have been OK for `recoveryWindow`;
   * load-balancer metrics of a drained zone look healthy and are never enough.
   *
   * @default - none: the function never ends this zone's shift by itself
   */
  readonly recoveryAlarms?: cloudwatch.IAlarm[];
}

/** One wired alarm, as the construct keeps it until synthesis. */
interface Wiring {
  readonly alarm: cloudwatch.IAlarm;
  readonly loadBalancerIndex: number;
  readonly availabilityZone: string;
  readonly impaired: cloudwatch.IAlarm[];
  readonly others: cloudwatch.IAlarm[];
  readonly dims: cloudwatch.IAlarm[];
  readonly recovery: cloudwatch.IAlarm[];
}

/**
 * A Lambda function that answers an isolated-impact alarm by shifting the load balancer's traffic
 * away from the impaired zone with an ARC zonal shift, and ends that shift when the zone recovers.
 *
 * The function acts only for the alarms wired with `respondTo` (an allow-list fixed at synthesis)
 * and decides from state it reads itself, never from the event: the load balancer's shifts of
 * every kind (GetManagedResource), then the states of every alarm the decision needs (one
 * DescribeAlarms call, right before the write). A schedule re-decides every wired zone. It never
 * starts a second shift, never works against an autoshift or FIS experiment in another zone, and
 * never changes a shift it did not start. Failed asynchronous invocations land in an encrypted
 * dead-letter queue; alarms watch function errors, the queue and refusals.
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
  /** The schedule that re-decides every wired zone. */
  public readonly reconcileRule: events.Rule;
  /**
   * The id that makes a shift this responder's own: every comment it writes is exactly
   * `cdk-azi:<ownerId> isolated impact in <zone name>`.
   */
  public readonly ownerId: string;
  private readonly metricsNamespace: string;
  private readonly action: cw_actions.LambdaAction;
  private readonly loadBalancers: elbv2.IApplicationLoadBalancer[];
  private readonly availabilityZones: string[];
  private readonly wirings: Wiring[] = [];
  private readonly drillRoles: iam.IRole[] = [];

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
    this.loadBalancers = [...props.loadBalancers];
    this.availabilityZones = zones;
    this.ownerId = this.node.addr.slice(2, 12);
    const recoverySeconds = wholeSeconds(props.recoveryWindow ?? Duration.minutes(5), 'recoveryWindow');
    if (recoverySeconds < 60) {
      throw new Error(`recoveryWindow is ${recoverySeconds} s; a window under a minute lets a probe that flaps OK for one evaluation end a shift. Use at least Duration.minutes(1) (default 5).`);
    }
    const reconcileInterval = props.reconcileInterval ?? Duration.minutes(1);
    const reconcileSeconds = wholeSeconds(reconcileInterval, 'reconcileInterval');
    if (reconcileSeconds < 60 || reconcileSeconds % 60 !== 0) {
      throw new Error(`reconcileInterval must be whole minutes, at least one (EventBridge schedules run at most once a minute), got ${reconcileSeconds} seconds; use Duration.minutes(1) or more.`);
    }
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
      runtime: HANDLER_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      code: lambda.Code.fromAsset(HANDLER_ASSET),
      handler: 'index.handler',
      description: 'cdk-azi: shifts load balancer traffic away from an isolated impaired Availability Zone',
      memorySize: 256,
      timeout: FUNCTION_TIMEOUT,
      logGroup,
      deadLetterQueue,
      retryAttempts: 2,
      maxEventAge: Duration.minutes(30),
      environment: {
        [CONFIG_VARIABLE]: Lazy.string({
          produce: () => Stack.of(this).toJsonString(this.renderConfig({
            expiresIn: expiresIn.text,
            recoverySeconds,
            dryRun: props.dryRun ?? false,
            zoneIds: zoneIds.idsByName(),
          }, (value) => value)),
        }),
      },
    });
    this.handler = fn;
    new CfnOutput(this, 'DrillFunction', {
      value: fn.functionArn,
      description: `${DRILL_OUTPUT_MARKER} of ${this.node.path}; check it with: npx cdk-azi drill --stack <this stack>`,
    });
    for (const role of props.drillRoles ?? []) {
      this.allowDrill(role);
    }
    this.node.addValidation({
      validate: () => this.validateConfig({ expiresIn: expiresIn.text, recoverySeconds, dryRun: props.dryRun ?? false, zones }),
    });

    fn.addToRolePolicy(new iam.PolicyStatement({
      sid: 'ReadAlarmDefinitions',
      actions: ['cloudwatch:DescribeAlarms'],
      resources: ['*'],
    }));
    fn.addToRolePolicy(new iam.PolicyStatement({
      sid: 'ReadManagedLoadBalancers',
      actions: ['arc-zonal-shift:GetManagedResource'],
      resources: loadBalancerArns,
      conditions: { StringEquals: { 'arc-zonal-shift:ResourceIdentifier': loadBalancerArns } },
    }));
    fn.addToRolePolicy(new iam.PolicyStatement({
      sid: 'ShiftManagedLoadBalancers',
      actions: ['arc-zonal-shift:StartZonalShift', 'arc-zonal-shift:UpdateZonalShift', 'arc-zonal-shift:CancelZonalShift'],
      resources: loadBalancerArns,
      conditions: { StringEquals: { 'arc-zonal-shift:ResourceIdentifier': loadBalancerArns } },
    }));

    this.action = new cw_actions.LambdaAction(fn, { useUniquePermissionId: true });

    // Level-triggered backstop of the alarm actions: every wired zone is re-decided from the
    // current state. A missed tick is harmless (the next one decides), so no target retries.
    this.reconcileRule = new events.Rule(this, 'ReconcileSchedule', {
      description: 'cdk-azi: re-decides every wired zone of the zonal-shift function from the current state',
      schedule: events.Schedule.rate(reconcileInterval),
      targets: [new targets.LambdaFunction(fn, {
        event: events.RuleTargetInput.fromObject(RECONCILE_INPUT),
        retryAttempts: 0,
        maxEventAge: reconcileInterval,
      })],
    });

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
   * Makes the function the ALARM action of an isolated-impact alarm (and its OK action when
   * `endShiftOnRecovery` is on) and adds the alarm to the function's allow-list with what the
   * decision reads about its zone. Attach only alarms that fire when exactly one zone is impaired.
   *
   * Without `options` the alarm is wired but not in the allow-list: the function refuses its
   * events (and synthesis warns). Pass the options.
   *
   * @param alarm the isolated-impact alarm of one zone
   * @param options the zone, its load balancer and the alarms the decision reads
   */
  public respondTo(alarm: cloudwatch.AlarmBase, options?: ZonalShiftAlarmOptions): void {
    if (options) {
      this.wirings.push(this.wiring(alarm, options));
    } else {
      Annotations.of(this).addWarningV2('cdk-azi:ZonalShiftResponder.respondToWithoutOptions',
        `respondTo(${alarm.node.path}) was given no options: the function does not know the alarm's zone and load balancer and refuses its events. Pass { availabilityZone, impairedAlarm, otherImpairedAlarms, dimensionAlarms, recoveryAlarms }.`);
    }
    alarm.addAlarmAction(this.action);
    if (this.endShiftOnRecovery) {
      alarm.addOkAction(this.action);
    }
  }

  /**
   * Wires every isolated-impact alarm of a `ZonalAlarms` with what its decision reads: the zone's
   * impaired alarm and every other zone's, the zone's metric alarms that carry the load balancer
   * and zone dimensions, and the zone's recovery alarms (its probe alarms, when the alarms have
   * probes). The outlier alarms stay out of the dimension check: their expressions read every zone.
   *
   * @param alarms the per-zone alarms of one load balancer
   * @param loadBalancer which of the responder's load balancers the alarms watch
   * (default: the only one)
   */
  public respondToZonalAlarms(alarms: ZonalAlarms, loadBalancer?: elbv2.IApplicationLoadBalancer): void {
    for (const zone of alarms.zones) {
      this.respondTo(zone.isolatedImpactAlarm, {
        availabilityZone: zone.availabilityZone,
        loadBalancer,
        impairedAlarm: zone.impairedAlarm,
        otherImpairedAlarms: alarms.zones.filter((other) => other !== zone).map((other) => other.impairedAlarm),
        dimensionAlarms: zone.metricAlarms,
        recoveryAlarms: zone.recoveryAlarms,
      });
    }
  }

  /**
   * Allows an IAM role to run drills (`npx cdk-azi drill`): the function's resource policy lets it
   * invoke the function, and the role joins those whose identity proof the function accepts. A
   * drill reads and decides for every zone and never writes to ARC.
   *
   * @param role the role a person or a pipeline assumes to run the drill
   */
  public allowDrill(role: iam.IRole): void {
    if (!Token.isUnresolved(role.roleArn) && !ROLE_ARN.test(role.roleArn)) {
      throw new Error(`allowDrill: ${role.roleArn} is not an IAM role ARN (arn:<partition>:iam::<account>:role/<name>); a drill runs under an assumed role. Pass an iam.Role or iam.Role.fromRoleArn(...).`);
    }
    if (this.drillRoles.some((known) => known === role || known.roleArn === role.roleArn)) {
      return;
    }
    this.drillRoles.push(role);
    // A resource policy on the function, in this stack: it works for imported and immutable
    // roles, roles of other stacks (no reference cycle) and of other accounts. The drill invokes
    // the unqualified function; no version or alias is allowed.
    this.handler.addPermission(`DrillInvoke${this.drillRoles.length}`, {
      principal: new iam.ArnPrincipal(role.roleArn),
      action: 'lambda:InvokeFunction',
    });
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
  private wiring(alarm: cloudwatch.IAlarm, options: ZonalShiftAlarmOptions): Wiring {
    const zone = options.availabilityZone;
    if (!Token.isUnresolved(zone) && !this.availabilityZones.includes(zone)) {
      throw new Error(`respondTo: availabilityZone '${zone}' is not one of the responder's availabilityZones (${this.availabilityZones.join(', ')}); add it there or fix the zone.`);
    }
    let loadBalancerIndex = 0;
    if (options.loadBalancer) {
      loadBalancerIndex = this.loadBalancers.findIndex((lb) => lb === options.loadBalancer || lb.loadBalancerArn === options.loadBalancer!.loadBalancerArn);
      if (loadBalancerIndex < 0) {
        throw new Error(`respondTo: loadBalancer ${options.loadBalancer.node.path} is not one of the responder's loadBalancers; add it there so the function may shift it.`);
      }
    } else if (this.loadBalancers.length > 1) {
      throw new Error(`respondTo(${alarm.node.path}): the responder has ${this.loadBalancers.length} load balancers; say which one the alarm is about with options.loadBalancer.`);
    }
    if (options.dimensionAlarms.length === 0) {
      throw new Error(`respondTo(${alarm.node.path}): dimensionAlarms is empty; list the zone's metric alarms that carry LoadBalancer and AvailabilityZone dimensions, so the function can check that the alarms measure ${zone}.`);
    }
    if (options.otherImpairedAlarms.length === 0) {
      throw new Error(`respondTo(${alarm.node.path}): otherImpairedAlarms is empty; list the impaired alarms of the other zones, so no shift starts while two zones are impaired.`);
    }
    const sameAlarm = (a: cloudwatch.IAlarm, b: cloudwatch.IAlarm) => a === b || alarmNameAtSynthesis(a) === alarmNameAtSynthesis(b);
    if (options.otherImpairedAlarms.some((other) => sameAlarm(other, options.impairedAlarm) || sameAlarm(other, alarm))) {
      throw new Error(`respondTo(${alarm.node.path}): otherImpairedAlarms includes the zone's own impairedAlarm (or the alarm itself); the zone would read as "another zone is impaired" whenever it is impaired, and the function would refuse every event. List only the other zones' impaired alarms.`);
    }
    if (Token.isUnresolved(alarmNameAtSynthesis(alarm))) {
      throw new Error(`respondTo(${alarm.node.path}): the alarm's name is only known after deployment, and the function's configuration must name it while the alarm's actions name the function (a dependency cycle). Give the alarm an alarmName (compositeAlarmName for a composite alarm).`);
    }
    if (this.wirings.some((wired) => wired.alarm === alarm || alarmNameAtSynthesis(wired.alarm) === alarmNameAtSynthesis(alarm))) {
      throw new Error(`respondTo(${alarm.node.path}): the alarm is already wired to this responder.`);
    }
    const recovery = options.recoveryAlarms ?? [];
    if (recovery.length === 0 && this.endShiftOnRecovery) {
      Annotations.of(this).addWarningV2('cdk-azi:ZonalShiftResponder.noRecoveryAlarms',
        `endShiftOnRecovery is on, but ${alarm.node.path} (${zone}) has no recoveryAlarms: the function never ends that zone's shift (load-balancer metrics of a drained zone look healthy), so it ends by expiry or by a person. Pass the zone's probe alarms as recoveryAlarms.`);
    }
    return {
      alarm,
      loadBalancerIndex,
      availabilityZone: zone,
      impaired: [options.impairedAlarm],
      others: [...options.otherImpairedAlarms],
      dims: [...options.dimensionAlarms],
      recovery: [...recovery],
    };
  }

  /**
   * The function's configuration. `render` turns each string that may be a token into what goes
   * into the JSON: itself for the template, or a stand-in of its estimated length for sizing.
   */
  private renderConfig(settings: { expiresIn: string; recoverySeconds: number; dryRun: boolean; zoneIds: Record<string, string> },
    render: (value: string, kind: 'alarm' | 'arn' | 'zoneId' | 'role') => string): Record<string, unknown> {
    // Deduplicated by the name itself (several tokens may render to stand-ins that look alike).
    const keys: string[] = [];
    const names: string[] = [];
    const indexOf = (alarm: cloudwatch.IAlarm): number => {
      const key = alarmNameAtSynthesis(alarm);
      const known = keys.indexOf(key);
      if (known >= 0) {
        return known;
      }
      keys.push(key);
      return names.push(render(key, 'alarm')) - 1;
    };
    const alarms = this.wirings.map((wired) => ({
      alarm: indexOf(wired.alarm),
      lb: wired.loadBalancerIndex,
      az: wired.availabilityZone,
      impaired: wired.impaired.map(indexOf),
      others: wired.others.map(indexOf),
      dims: wired.dims.map(indexOf),
      recovery: wired.recovery.map(indexOf),
    }));
    return {
      owner: this.ownerId,
      expiresIn: settings.expiresIn,
      endOnRecovery: this.endShiftOnRecovery,
      recoverySeconds: settings.recoverySeconds,
      dryRun: settings.dryRun,
      namespace: this.metricsNamespace,
      timeoutSeconds: FUNCTION_TIMEOUT.toSeconds(),
      zoneIds: Object.fromEntries(Object.entries(settings.zoneIds).map(([zone, id]) => [zone, render(id, 'zoneId')])),
      loadBalancers: this.loadBalancers.map((lb) => render(lb.loadBalancerArn, 'arn')),
      names,
      alarms,
      ...(this.drillRoles.length > 0 ? { drill: this.drillRoles.map((role) => render(role.roleArn, 'role')) } : {}),
    };
  }

  /** Checks what is only known once every alarm is wired: DescribeAlarms batch and 4 KB. */
  private validateConfig(settings: { expiresIn: string; recoverySeconds: number; dryRun: boolean; zones: string[] }): string[] {
    const errors: string[] = [];
    const byZone = new Map<string, Set<string>>();
    for (const wired of this.wirings) {
      const key = `${wired.loadBalancerIndex} ${wired.availabilityZone}`;
      const set = byZone.get(key) ?? new Set<string>();
      for (const alarm of [wired.alarm, ...wired.impaired, ...wired.others, ...wired.dims, ...wired.recovery]) {
        set.add(alarmNameAtSynthesis(alarm));
      }
      byZone.set(key, set);
    }
    for (const [key, set] of byZone) {
      if (set.size > MAX_ALARMS_PER_ZONE) {
        errors.push(`the alarms wired for ${key.split(' ')[1]} name ${set.size} alarms; one DescribeAlarms call reads at most ${MAX_ALARMS_PER_ZONE}. Wire fewer recovery or dimension alarms.`);
      }
    }
    const sizing = this.renderConfig({
      ...settings,
      zoneIds: Object.fromEntries(settings.zones.map((zone) => [zone, 'x'.repeat(ESTIMATED_ZONE_ID_LENGTH)])),
    }, (value, kind) => (Token.isUnresolved(value) ? 'x'.repeat(this.estimatedLength(value, kind)) : value));
    const bytes = CONFIG_VARIABLE.length + Buffer.byteLength(JSON.stringify(sizing));
    if (bytes > MAX_ENVIRONMENT_BYTES) {
      errors.push(`the function's configuration needs about ${bytes} bytes of environment, over Lambda's ${MAX_ENVIRONMENT_BYTES}-byte limit. Give the alarms shorter names (alarmName), wire fewer alarms per responder, or split the load balancers over several responders.`);
    }
    return errors;
  }

  /** Estimated length of a value that is a token until deployment. */
  private estimatedLength(value: string, kind: 'alarm' | 'arn' | 'zoneId' | 'role'): number {
    switch (kind) {
      case 'role':
        return ESTIMATED_ROLE_ARN_LENGTH;
      case 'zoneId':
        return ESTIMATED_ZONE_ID_LENGTH;
      case 'arn':
        return ESTIMATED_LOAD_BALANCER_ARN_LENGTH;
      case 'alarm':
        return this.estimatedAlarmNameLength(value);
    }
  }

  /**
   * CloudFormation names an alarm without a name `<stack name>-<logical id>-<random suffix>`; the
   * logical ID is known at synthesis when the alarm is in this app.
   */
  private estimatedAlarmNameLength(token: string): number {
    const alarm = this.wirings.flatMap((wired) => [wired.alarm, ...wired.impaired, ...wired.others, ...wired.dims, ...wired.recovery])
      .find((candidate) => candidate.alarmName === token);
    const cfn = alarm?.node.defaultChild;
    if (!(cfn instanceof CfnElement)) {
      return MAX_ALARM_NAME_LENGTH;
    }
    const stack = Stack.of(cfn);
    const stackName = Token.isUnresolved(stack.stackName) ? 128 : stack.stackName.length;
    const logicalId: unknown = stack.resolve(cfn.logicalId);
    const logicalIdLength = typeof logicalId === 'string' ? logicalId.length : MAX_ALARM_NAME_LENGTH;
    return Math.min(MAX_ALARM_NAME_LENGTH, stackName + 1 + logicalIdLength + 1 + RANDOM_SUFFIX_LENGTH);
  }
}

/** An AZ ID is short (`use1-az6`, `usw2-lax1-az1`). */
const ESTIMATED_ZONE_ID_LENGTH = 16;
/** `arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name up to 32>/<16 hex>`. */
const ESTIMATED_LOAD_BALANCER_ARN_LENGTH = 130;
/** An IAM role ARN, with or without a path. */
const ROLE_ARN = /^arn:[a-z-]+:iam::\d{12}:role\/(?:[^/]+\/)*[\w+=,.@-]{1,64}$/;
/** `arn:aws:iam::<account>:role/` and a generated role name of at most 64 characters. */
const ESTIMATED_ROLE_ARN_LENGTH = 96;
/** CloudWatch's limit on an alarm name. */
const MAX_ALARM_NAME_LENGTH = 255;
/** The random suffix CloudFormation appends to the names it generates. */
const RANDOM_SUFFIX_LENGTH = 13;

/**
 * An alarm's name as a plain string when synthesis knows it: the name given, or the name
 * aws-cdk-lib generates for a composite alarm. Otherwise the name token (known after deployment).
 */
function alarmNameAtSynthesis(alarm: cloudwatch.IAlarm): string {
  if (!Token.isUnresolved(alarm.alarmName)) {
    return alarm.alarmName;
  }
  const cfn = alarm.node.defaultChild;
  if (cfn instanceof cloudwatch.CfnAlarm || cfn instanceof cloudwatch.CfnCompositeAlarm) {
    const name: unknown = Stack.of(cfn).resolve(cfn.alarmName);
    if (typeof name === 'string') {
      return name;
    }
  }
  return alarm.alarmName;
}

/** A duration as whole seconds, refusing tokens and fractions. */
function wholeSeconds(duration: Duration, name: string): number {
  if (Token.isUnresolved(duration.toSeconds())) {
    throw new Error(`${name} must be a concrete duration, not a token.`);
  }
  const seconds = duration.toSeconds();
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw new Error(`${name} must be a whole number of seconds, got ${seconds}.`);
  }
  return seconds;
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
