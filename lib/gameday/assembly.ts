import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAlarmRule, RuleNode, alarmReferences, alarmNameFromReference } from '../private/alarm-rule';
import { GamedayInputError } from './errors';

/** A CloudWatch metric: namespace, name and dimensions (resolved to strings). */
export interface MetricId {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
}

/** One member of a metric alarm: a metric statistic or a math expression. */
export type AlarmQuery =
  | { readonly kind: 'stat'; readonly id: string; readonly metric: MetricId; readonly period: number; readonly stat: string; readonly returnData: boolean }
  | { readonly kind: 'expr'; readonly id: string; readonly expression: string; readonly returnData: boolean; readonly period?: number };

/** The four ways CloudWatch treats missing data. */
export type TreatMissingData = 'missing' | 'ignore' | 'breaching' | 'notBreaching';

/** A metric alarm of the template, tokens resolved. */
export interface MetricAlarmDef {
  readonly type: 'metric';
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly period: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly threshold: number;
  readonly comparison: string;
  readonly treatMissingData: TreatMissingData;
  /** Single-metric alarms become one `stat` query with id `m1`. */
  readonly queries: AlarmQuery[];
  readonly actions: AlarmActions;
  /** The resolved template properties, for DescribeAlarms. */
  readonly properties: Record<string, unknown>;
}

/** A composite alarm of the template; its rule refers to other alarms by name. */
export interface CompositeAlarmDef {
  readonly type: 'composite';
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** The rule as CloudWatch stores it (alarm ARNs resolved). */
  readonly rule: string;
  readonly ruleTree: RuleNode;
  /** Names of the alarms the rule references. */
  readonly children: string[];
  readonly actions: AlarmActions;
  readonly properties: Record<string, unknown>;
}

/** An alarm of either kind. */
export type AlarmDef = MetricAlarmDef | CompositeAlarmDef;

/** Logical IDs of the Lambda functions an alarm invokes, per target state. */
export interface AlarmActions {
  readonly ALARM: string[];
  readonly OK: string[];
  readonly INSUFFICIENT_DATA: string[];
  /** Actions that are not Lambda functions of this stack (SNS topics, ...): not simulated. */
  readonly other: string[];
}

/** A Lambda function an alarm or a schedule invokes. */
export interface FunctionDef {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly runtime: string;
  readonly handler: string;
  /** Absolute path of the function's code folder in the assembly. */
  readonly codePath: string;
  /** Environment variables, deploy-time tokens given plausible values. */
  readonly environment: Record<string, string>;
  readonly timeoutSeconds: number;
}

/** An EventBridge rule that runs a function on a schedule. */
export interface ScheduleDef {
  readonly logicalId: string;
  readonly expression: string;
  /** Seconds between runs. */
  readonly everySeconds: number;
  readonly targets: Array<{ readonly functionLogicalId: string; readonly input?: unknown }>;
}

/** The CodeDeploy zonal configuration and the alarms that stop a deployment. */
export interface ZonalDeploymentDef {
  readonly firstZoneMonitorSeconds: number;
  readonly monitorSeconds: number;
  readonly minimumHealthyHostsPerZone?: { readonly type: string; readonly value: number };
  readonly alarmNames: string[];
  readonly rollbackOnAlarm: boolean;
}

/** The load balancer the alarms watch. */
export interface LoadBalancerDef {
  readonly logicalId: string;
  readonly arn: string;
  /** `app/<name>/<id>`, the `LoadBalancer` dimension value. */
  readonly fullName: string;
}

/** Everything the simulator needs from one stack of a cloud assembly. */
export interface GamedayStack {
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  readonly availabilityZones: string[];
  /** AZ name to the AZ ID the simulator gives it. */
  readonly azIds: Record<string, string>;
  readonly loadBalancer: LoadBalancerDef;
  readonly alarms: AlarmDef[];
  readonly functions: FunctionDef[];
  readonly schedules: ScheduleDef[];
  readonly deployment?: ZonalDeploymentDef;
}

interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shortHash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Region prefix of AZ IDs (`us-east-1` -> `use1`). */
function azIdPrefix(region: string): string {
  const parts = region.split('-');
  if (parts.length < 3) {
    return region.replace(/[^a-z0-9]/g, '');
  }
  return `${parts[0]}${parts.slice(1, -1).map((part) => part[0]).join('')}${parts[parts.length - 1]}`;
}

/**
 * Resolves CloudFormation intrinsics to the strings the deployed stack would see, with
 * plausible values for deploy-time attributes.
 */
class TokenResolver {
  constructor(
    private readonly stackName: string,
    private readonly account: string,
    private readonly region: string,
    private readonly partition: string,
    private readonly resources: Record<string, Resource>,
    private readonly parameters: Record<string, unknown>,
    private readonly azIds: Record<string, string>,
  ) {}

  resolve(value: unknown): unknown {
    if (Array.isArray(value)) {
      return value.map((item) => this.resolve(item));
    }
    if (!isRecord(value)) {
      return value;
    }
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [key] = keys;
      const arg = value[key];
      switch (key) {
        case 'Ref':
          return this.ref(String(arg));
        case 'Fn::GetAtt': {
          const [logicalId, attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split(/\.(.*)/s);
          return this.getAtt(logicalId, attribute);
        }
        case 'Fn::Join': {
          const [separator, parts] = arg as [string, unknown[]];
          const resolved = this.resolve(parts);
          return (Array.isArray(resolved) ? resolved : [resolved]).map((part) => String(part)).join(separator);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [unknown, unknown];
          const resolved = this.resolve(list);
          return Array.isArray(resolved) ? resolved[Number(this.resolve(index))] : resolved;
        }
        case 'Fn::Split': {
          const [separator, text] = arg as [string, unknown];
          return String(this.resolve(text)).split(separator);
        }
        case 'Fn::Sub':
          return this.sub(arg);
        case 'Fn::GetAZs':
          return Object.keys(this.azIds);
        default:
          break;
      }
    }
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      out[key] = this.resolve(value[key]);
    }
    return out;
  }

  private sub(arg: unknown): string {
    const [template, vars] = Array.isArray(arg) ? arg as [string, Record<string, unknown>] : [String(arg), {}];
    return template.replace(/\$\{([^}]+)\}/g, (_match, name: string) => {
      if (vars && Object.prototype.hasOwnProperty.call(vars, name)) {
        return String(this.resolve(vars[name]));
      }
      const [logicalId, attribute] = name.split(/\.(.*)/s);
      return String(attribute ? this.getAtt(logicalId, attribute) : this.ref(logicalId));
    });
  }

  private ref(logicalId: string): unknown {
    switch (logicalId) {
      case 'AWS::AccountId': return this.account;
      case 'AWS::Region': return this.region;
      case 'AWS::Partition': return this.partition;
      case 'AWS::StackName': return this.stackName;
      case 'AWS::URLSuffix': return 'amazonaws.com';
      case 'AWS::NoValue': return undefined;
      case 'AWS::StackId': return `arn:${this.partition}:cloudformation:${this.region}:${this.account}:stack/${this.stackName}/${shortHash(this.stackName, 8)}`;
      default: break;
    }
    if (Object.prototype.hasOwnProperty.call(this.parameters, logicalId)) {
      return this.parameters[logicalId];
    }
    const resource = this.resources[logicalId];
    if (!resource) {
      return `${logicalId}-ref`;
    }
    switch (resource.Type) {
      case 'AWS::CloudWatch::Alarm':
      case 'AWS::CloudWatch::CompositeAlarm':
        return this.alarmName(logicalId);
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
        return this.loadBalancerArn(logicalId);
      case 'AWS::Lambda::Function':
        return this.functionName(logicalId);
      default:
        return `${this.stackName}-${logicalId}-${shortHash(logicalId, 12).toUpperCase()}`;
    }
  }

  private getAtt(logicalId: string, attribute: string): unknown {
    const resource = this.resources[logicalId];
    if (!resource) {
      return `${logicalId}.${attribute}`;
    }
    switch (`${resource.Type}|${attribute}`) {
      case 'AWS::CloudWatch::Alarm|Arn':
      case 'AWS::CloudWatch::CompositeAlarm|Arn':
        return this.alarmArn(this.alarmName(logicalId));
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer|LoadBalancerFullName':
        return this.loadBalancerFullName(logicalId);
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer|LoadBalancerArn':
        return this.loadBalancerArn(logicalId);
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer|DNSName':
        return `${logicalId.toLowerCase().slice(0, 20)}-${shortHash(logicalId, 9)}.${this.region}.elb.amazonaws.com`;
      case 'AWS::Lambda::Function|Arn':
        return `arn:${this.partition}:lambda:${this.region}:${this.account}:function:${this.functionName(logicalId)}`;
      case 'AWS::IAM::Role|Arn':
        // A generated role name, as CloudFormation makes one: at most 64 characters.
        return `arn:${this.partition}:iam::${this.account}:role/${String(this.ref(logicalId)).slice(0, 64)}`;
      default:
        break;
    }
    if (resource.Type === 'Custom::AWS' && /ZoneId$/.test(attribute)) {
      // An AwsCustomResource calling ec2:DescribeAvailabilityZones for one zone name.
      const zone = this.zoneNameOfLookup(resource);
      if (zone && this.azIds[zone]) {
        return this.azIds[zone];
      }
    }
    return `${logicalId}.${attribute}`;
  }

  private zoneNameOfLookup(resource: Resource): string | undefined {
    const create = resource.Properties?.Create;
    const text = typeof create === 'string' ? create : JSON.stringify(this.resolve(create) ?? '');
    try {
      const call = JSON.parse(text);
      const names = call?.parameters?.ZoneNames;
      return Array.isArray(names) && typeof names[0] === 'string' ? names[0] : undefined;
    } catch {
      return undefined;
    }
  }

  alarmName(logicalId: string): string {
    const name = this.resources[logicalId]?.Properties?.AlarmName;
    if (name !== undefined) {
      return String(this.resolve(name));
    }
    // CloudFormation names unnamed alarms <stack>-<logical id>-<random suffix>.
    return `${this.stackName}-${logicalId}-${shortHash(logicalId, 12).toUpperCase()}`;
  }

  alarmArn(name: string): string {
    return `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:${name}`;
  }

  functionName(logicalId: string): string {
    const name = this.resources[logicalId]?.Properties?.FunctionName;
    if (name !== undefined) {
      return String(this.resolve(name));
    }
    return `${this.stackName}-${logicalId}-${shortHash(logicalId, 12)}`.slice(0, 64);
  }

  loadBalancerFullName(logicalId: string): string {
    const name = this.resources[logicalId]?.Properties?.Name;
    const base = name !== undefined ? String(this.resolve(name)) : `${this.stackName.slice(0, 10)}-${logicalId.slice(0, 10)}`;
    return `app/${base}/${shortHash(logicalId, 16)}`;
  }

  loadBalancerArn(logicalId: string): string {
    return `arn:${this.partition}:elasticloadbalancing:${this.region}:${this.account}:loadbalancer/${this.loadBalancerFullName(logicalId)}`;
  }
}

function parseEnvironment(value: string | undefined): { account: string; region: string } {
  const match = /^aws:\/\/([^/]+)\/(.+)$/.exec(value ?? '');
  const account = match && /^\d{12}$/.test(match[1]) ? match[1] : '123456789012';
  const region = match && /^[a-z]{2}(-[a-z]+)+-\d+$/.test(match[2]) ? match[2] : 'us-east-1';
  return { account, region };
}

/** `rate(5 minutes)` or a cron whose minute field is `*`, `0/N` or `*\/N`, in seconds. */
export function scheduleSeconds(expression: string): number | undefined {
  const rate = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(expression.trim());
  if (rate) {
    const unit = rate[2].startsWith('minute') ? 60 : rate[2].startsWith('hour') ? 3600 : 86400;
    return Number(rate[1]) * unit;
  }
  const cron = /^cron\(\s*(\S+)\s+\*\s+\*\s+\*\s+\?\s+\*\s*\)$/.exec(expression.trim())
    ?? /^cron\(\s*(\S+)\s+\*\s+\?\s+\*\s+\*\s+\*\s*\)$/.exec(expression.trim());
  if (cron) {
    if (cron[1] === '*') {
      return 60;
    }
    const step = /^(?:\*|0)\/(\d+)$/.exec(cron[1]);
    if (step) {
      return Number(step[1]) * 60;
    }
  }
  return undefined;
}

function toNumber(value: unknown, fallback: number): number {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
}

function missingMode(value: unknown): TreatMissingData {
  return value === 'ignore' || value === 'breaching' || value === 'notBreaching' ? value : 'missing';
}

/** The stack names of a cloud assembly's manifest. */
function stackArtifacts(appDir: string, label: string = appDir): Record<string, Record<string, unknown>> {
  const manifestPath = join(appDir, 'manifest.json');
  if (!existsSync(appDir) || !statSync(appDir).isDirectory()) {
    throw new GamedayInputError(`--app ${label}: no such directory; run 'npx cdk synth' first or pass the cloud assembly folder (cdk.out)`);
  }
  if (!existsSync(manifestPath)) {
    throw new GamedayInputError(`--app ${label}: no manifest.json, not a cloud assembly; pass the folder 'cdk synth' writes (cdk.out)`);
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch {
    throw new GamedayInputError(`--app ${label}: manifest.json is not valid JSON; synthesize again with 'npx cdk synth'`);
  }
  const artifacts = isRecord(manifest) && isRecord(manifest.artifacts) ? manifest.artifacts : {};
  const out: Record<string, Record<string, unknown>> = {};
  for (const [id, artifact] of Object.entries(artifacts)) {
    if (isRecord(artifact) && artifact.type === 'aws:cloudformation:stack') {
      out[String(artifact.displayName ?? id)] = { ...artifact, id };
    }
  }
  return out;
}

/** Stack names a cloud assembly holds. */
export function listStacks(appDir: string): string[] {
  return Object.keys(stackArtifacts(resolve(appDir))).sort();
}

function lambdaTargetOf(resolver: TokenResolver, resources: Record<string, Resource>, arn: unknown): string | undefined {
  if (isRecord(arn) && Array.isArray(arn['Fn::GetAtt'])) {
    const [logicalId] = arn['Fn::GetAtt'] as string[];
    if (resources[logicalId]?.Type === 'AWS::Lambda::Function') {
      return logicalId;
    }
  }
  if (isRecord(arn) && typeof arn.Ref === 'string' && resources[arn.Ref]?.Type === 'AWS::Lambda::Function') {
    return arn.Ref;
  }
  const text = String(resolver.resolve(arn));
  return Object.keys(resources).find((id) => resources[id].Type === 'AWS::Lambda::Function'
    && (resolver.resolve({ 'Fn::GetAtt': [id, 'Arn'] }) === text || resolver.functionName(id) === text));
}

/**
 * Reads one stack of a cloud assembly: its alarms (metric, metric math, composite), the Lambda
 * functions they invoke and the schedules that invoke them, the CodeDeploy zonal configuration,
 * the load balancer and the AZs. Throws {@link GamedayInputError} for a bad folder, an unknown
 * stack, or a stack without per-AZ alarms.
 */
export function readStack(appDir: string, stackName: string): GamedayStack {
  const dir = resolve(appDir);
  const stacks = stackArtifacts(dir, appDir);
  const artifact = stacks[stackName];
  if (!artifact) {
    const names = Object.keys(stacks).sort();
    throw new GamedayInputError(`--stack ${stackName}: no such stack in ${appDir}; it has ${names.length ? names.join(', ') : 'no stacks'}`);
  }
  const properties = isRecord(artifact.properties) ? artifact.properties : {};
  const templateFile = String(properties.templateFile ?? `${stackName}.template.json`);
  let template: Record<string, unknown>;
  try {
    template = JSON.parse(readFileSync(join(dir, templateFile), 'utf8'));
  } catch {
    throw new GamedayInputError(`--stack ${stackName}: its template ${templateFile} is missing or not JSON; synthesize again with 'npx cdk synth'`);
  }
  const resources = (isRecord(template.Resources) ? template.Resources : {}) as Record<string, Resource>;
  const parameters: Record<string, unknown> = {};
  for (const [name, parameter] of Object.entries(isRecord(template.Parameters) ? template.Parameters : {})) {
    parameters[name] = isRecord(parameter) ? parameter.Default ?? '' : '';
  }
  const { account, region } = parseEnvironment(String(artifact.environment ?? ''));
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';

  // AZ names: every AvailabilityZone dimension of every alarm, then subnets as a fallback.
  const zoneNames = new Set<string>();
  const bare = new TokenResolver(stackName, account, region, partition, resources, parameters, {});
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::CloudWatch::Alarm') {
      continue;
    }
    const props = bare.resolve(resource.Properties ?? {}) as Record<string, unknown>;
    const dimensionLists: unknown[] = [props.Dimensions];
    for (const query of Array.isArray(props.Metrics) ? props.Metrics : []) {
      dimensionLists.push(query?.MetricStat?.Metric?.Dimensions);
    }
    for (const list of dimensionLists) {
      for (const dimension of Array.isArray(list) ? list : []) {
        if (dimension?.Name === 'AvailabilityZone' && typeof dimension.Value === 'string') {
          zoneNames.add(dimension.Value);
        }
      }
    }
  }
  const availabilityZones = [...zoneNames].sort();
  if (availabilityZones.length === 0) {
    throw new GamedayInputError(`--stack ${stackName}: no cdk-azi parts in it (no alarm has an AvailabilityZone dimension); pass a stack with ZonalAlarms or AzIndependentService`);
  }
  const azIds: Record<string, string> = {};
  availabilityZones.forEach((zone, index) => {
    azIds[zone] = `${azIdPrefix(region)}-az${index + 1}`;
  });
  const resolver = new TokenResolver(stackName, account, region, partition, resources, parameters, azIds);

  const loadBalancerIds = Object.keys(resources).filter((id) => resources[id].Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer').sort();
  const alarmLbDimensions = new Set<string>();
  const alarms: AlarmDef[] = [];
  const alarmNameOfArn = new Map<string, string>();
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type === 'AWS::CloudWatch::Alarm' || resource.Type === 'AWS::CloudWatch::CompositeAlarm') {
      const name = resolver.alarmName(logicalId);
      alarmNameOfArn.set(resolver.alarmArn(name), name);
    }
  }
  const actionsOf = (props: Record<string, unknown>): AlarmActions => {
    const out: AlarmActions = { ALARM: [], OK: [], INSUFFICIENT_DATA: [], other: [] };
    const lists: Array<[keyof AlarmActions, unknown]> = [['ALARM', props.AlarmActions], ['OK', props.OKActions], ['INSUFFICIENT_DATA', props.InsufficientDataActions]];
    for (const [state, list] of lists) {
      for (const action of Array.isArray(list) ? list : []) {
        const fn = lambdaTargetOf(resolver, resources, action);
        if (fn) {
          out[state].push(fn);
        } else {
          out.other.push(String(resolver.resolve(action)));
        }
      }
    }
    return out;
  };

  for (const [logicalId, resource] of Object.entries(resources).sort(([a], [b]) => a.localeCompare(b))) {
    const raw = resource.Properties ?? {};
    if (resource.Type === 'AWS::CloudWatch::Alarm') {
      const props = resolver.resolve(raw) as Record<string, unknown>;
      const name = resolver.alarmName(logicalId);
      const queries: AlarmQuery[] = [];
      let period = toNumber(props.Period, 0);
      if (Array.isArray(props.Metrics)) {
        for (const query of props.Metrics as Array<Record<string, any>>) {
          const returnData = query.ReturnData === undefined ? true : query.ReturnData === true || query.ReturnData === 'true';
          if (query.MetricStat) {
            const metric = query.MetricStat.Metric ?? {};
            const dimensions: Record<string, string> = {};
            for (const dimension of metric.Dimensions ?? []) {
              dimensions[String(dimension.Name)] = String(dimension.Value);
            }
            const queryPeriod = toNumber(query.MetricStat.Period, 60);
            period = period || queryPeriod;
            queries.push({ kind: 'stat', id: String(query.Id), metric: { namespace: String(metric.Namespace), metricName: String(metric.MetricName), dimensions }, period: queryPeriod, stat: String(query.MetricStat.Stat), returnData });
          } else {
            queries.push({ kind: 'expr', id: String(query.Id), expression: String(query.Expression), returnData, period: query.Period === undefined ? undefined : toNumber(query.Period, 60) });
          }
        }
      } else {
        const dimensions: Record<string, string> = {};
        for (const dimension of (props.Dimensions as Array<Record<string, unknown>> | undefined) ?? []) {
          dimensions[String(dimension.Name)] = String(dimension.Value);
        }
        const stat = props.ExtendedStatistic !== undefined ? String(props.ExtendedStatistic) : String(props.Statistic ?? 'Average');
        queries.push({ kind: 'stat', id: 'm1', metric: { namespace: String(props.Namespace), metricName: String(props.MetricName), dimensions }, period, stat, returnData: true });
      }
      for (const query of queries) {
        if (query.kind === 'stat' && query.metric.dimensions.LoadBalancer) {
          alarmLbDimensions.add(query.metric.dimensions.LoadBalancer);
        }
      }
      const evaluationPeriods = toNumber(props.EvaluationPeriods, 1);
      alarms.push({
        type: 'metric',
        logicalId,
        name,
        arn: resolver.alarmArn(name),
        period: period || 60,
        evaluationPeriods,
        datapointsToAlarm: toNumber(props.DatapointsToAlarm, evaluationPeriods),
        threshold: toNumber(props.Threshold, 0),
        comparison: String(props.ComparisonOperator ?? 'GreaterThanOrEqualToThreshold'),
        treatMissingData: missingMode(props.TreatMissingData),
        queries,
        actions: actionsOf(raw),
        properties: { ...props, AlarmName: name },
      });
    } else if (resource.Type === 'AWS::CloudWatch::CompositeAlarm') {
      const props = resolver.resolve(raw) as Record<string, unknown>;
      const name = resolver.alarmName(logicalId);
      const rule = String(props.AlarmRule ?? '');
      let ruleTree: RuleNode;
      try {
        ruleTree = parseAlarmRule(rule);
      } catch (err) {
        throw new GamedayInputError(`--stack ${stackName}: composite alarm ${name} has a rule the simulator cannot read (${(err as Error).message})`);
      }
      const children = alarmReferences(ruleTree).map((ref) => alarmNameOfArn.get(ref) ?? alarmNameFromReference(ref));
      alarms.push({
        type: 'composite',
        logicalId,
        name,
        arn: resolver.alarmArn(name),
        rule,
        ruleTree,
        children,
        actions: actionsOf(raw),
        properties: { ...props, AlarmName: name },
      });
    }
  }

  const loadBalancerId = loadBalancerIds.find((id) => alarmLbDimensions.has(resolver.loadBalancerFullName(id))) ?? loadBalancerIds[0];
  let loadBalancer: LoadBalancerDef;
  if (loadBalancerId) {
    loadBalancer = { logicalId: loadBalancerId, arn: resolver.loadBalancerArn(loadBalancerId), fullName: resolver.loadBalancerFullName(loadBalancerId) };
  } else if (alarmLbDimensions.size > 0) {
    // An imported load balancer: its full name is in the alarms' dimensions.
    const fullName = [...alarmLbDimensions].sort()[0];
    loadBalancer = { logicalId: '(imported)', arn: `arn:${partition}:elasticloadbalancing:${region}:${account}:loadbalancer/${fullName}`, fullName };
  } else {
    throw new GamedayInputError(`--stack ${stackName}: no cdk-azi parts in it (no load balancer and no alarm with a LoadBalancer dimension); pass a stack with ZonalAlarms or AzIndependentService`);
  }

  // Functions: targets of alarm actions and of schedules.
  const functionIds = new Set<string>();
  for (const alarm of alarms) {
    [...alarm.actions.ALARM, ...alarm.actions.OK, ...alarm.actions.INSUFFICIENT_DATA].forEach((id) => functionIds.add(id));
  }
  // Schedules run only functions that alarms also invoke (the zonal-shift function's reconcile).
  // Other scheduled functions, such as the probes, are what the traffic model stands in for:
  // running them would send real requests and wait in real time.
  const alarmTargets = new Set(functionIds);
  const schedules: ScheduleDef[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Events::Rule' || !resource.Properties?.ScheduleExpression) {
      continue;
    }
    const state = resource.Properties.State;
    if (state === 'DISABLED') {
      continue;
    }
    const expression = String(resolver.resolve(resource.Properties.ScheduleExpression));
    const targets: Array<{ functionLogicalId: string; input?: unknown }> = [];
    for (const target of (resource.Properties.Targets as Array<Record<string, unknown>> | undefined) ?? []) {
      const fn = lambdaTargetOf(resolver, resources, target.Arn);
      if (!fn || !alarmTargets.has(fn)) {
        continue;
      }
      let input: unknown;
      if (target.Input !== undefined) {
        const text = String(resolver.resolve(target.Input));
        try {
          input = JSON.parse(text);
        } catch {
          input = text;
        }
      }
      targets.push({ functionLogicalId: fn, input });
      functionIds.add(fn);
    }
    if (targets.length === 0) {
      continue;
    }
    const everySeconds = scheduleSeconds(expression);
    if (everySeconds === undefined) {
      throw new GamedayInputError(`--stack ${stackName}: schedule ${logicalId} has expression '${expression}', which the simulator cannot run (use rate(...) or a cron with a '*' or '*/N' minute field)`);
    }
    schedules.push({ logicalId, expression, everySeconds, targets });
  }

  const functions: FunctionDef[] = [];
  for (const logicalId of [...functionIds].sort()) {
    const resource = resources[logicalId];
    const props = resource.Properties ?? {};
    let assetPath = resource.Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string') {
      // Synthesized without asset metadata: the asset folder is named after the S3 key's hash.
      const key = isRecord(props.Code) ? props.Code.S3Key : undefined;
      const hash = typeof key === 'string' ? /^([0-9a-f]{64})\.zip$/.exec(key)?.[1] : undefined;
      if (hash && existsSync(join(dir, `asset.${hash}`))) {
        assetPath = `asset.${hash}`;
      }
    }
    if (typeof assetPath !== 'string') {
      throw new GamedayInputError(`--stack ${stackName}: function ${logicalId} has no asset in the assembly (inline or image code); the simulator runs bundled Node.js assets only`);
    }
    const envVars = isRecord(props.Environment) && isRecord(props.Environment.Variables) ? props.Environment.Variables : {};
    const environment: Record<string, string> = {};
    for (const [key, value] of Object.entries(resolver.resolve(envVars) as Record<string, unknown>)) {
      environment[key] = String(value);
    }
    functions.push({
      logicalId,
      name: resolver.functionName(logicalId),
      arn: String(resolver.resolve({ 'Fn::GetAtt': [logicalId, 'Arn'] })),
      runtime: String(props.Runtime ?? ''),
      handler: String(props.Handler ?? 'index.handler'),
      codePath: resolve(dir, assetPath),
      environment,
      timeoutSeconds: toNumber(props.Timeout, 3),
    });
  }

  let deployment: ZonalDeploymentDef | undefined;
  const configId = Object.keys(resources).find((id) => resources[id].Type === 'AWS::CodeDeploy::DeploymentConfig'
    && isRecord(resources[id].Properties?.ZonalConfig));
  if (configId) {
    const zonal = resolver.resolve(resources[configId].Properties?.ZonalConfig) as Record<string, any>;
    const groupId = Object.keys(resources).find((id) => resources[id].Type === 'AWS::CodeDeploy::DeploymentGroup');
    const group = groupId ? resolver.resolve(resources[groupId].Properties ?? {}) as Record<string, any> : {};
    const monitorSeconds = toNumber(zonal.MonitorDurationInSeconds, 0);
    deployment = {
      monitorSeconds,
      firstZoneMonitorSeconds: toNumber(zonal.FirstZoneMonitorDurationInSeconds, monitorSeconds),
      minimumHealthyHostsPerZone: zonal.MinimumHealthyHostsPerZone
        ? { type: String(zonal.MinimumHealthyHostsPerZone.Type), value: toNumber(zonal.MinimumHealthyHostsPerZone.Value, 0) }
        : undefined,
      alarmNames: ((group.AlarmConfiguration?.Alarms ?? []) as Array<Record<string, unknown>>).map((alarm) => String(alarm.Name)),
      rollbackOnAlarm: Boolean(group.AutoRollbackConfiguration?.Enabled)
        && ((group.AutoRollbackConfiguration?.Events ?? []) as string[]).includes('DEPLOYMENT_STOP_ON_ALARM'),
    };
  }

  return { stackName, account, region, partition, availabilityZones, azIds, loadBalancer, alarms, functions, schedules, deployment };
}
