import { App, Stack, aws_cloudwatch as cloudwatch, aws_ec2 as ec2, aws_elasticloadbalancingv2 as elbv2 } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  AlarmStateValue, RuleNode, alarmNameFromReference, alarmReferences, evaluateAlarmRule, parseAlarmRule,
} from '../lambda/zonal-shift/alarm-rule';
import { ZonalAlarms } from '../lib/zonal-alarms';
import { ZonalProbes } from '../lib/zonal-probes';

/*
 * Exhaustive check of the composite alarm logic as synthesized: for every subset of
 * impaired AZs, set metric alarm states, evaluate every composite from its template
 * rule (composite children resolve to their own evaluated state) and compare with
 * the intended outcome.
 */

type Kind = 'availability' | 'latency' | 'unhealthyHosts' | 'probeAvailability' | 'probeLatency' | 'outlier';
const KINDS: Kind[] = ['availability', 'latency', 'unhealthyHosts', 'probeAvailability', 'probeLatency', 'outlier'];

interface Model {
  readonly zones: string[];
  /** metric alarm logical IDs by AZ and kind */
  readonly metric: Map<string, Partial<Record<Kind, string>>>;
  /** the kinds of metric alarm this model has (no outlier alarm past 3 AZs) */
  readonly kinds: Kind[];
  /** the probes' health alarm, which must be in no composite */
  readonly probeHealth: string;
  readonly alarms: ZonalAlarms;
  readonly isolated: Map<string, string>;
  readonly impaired: Map<string, string>;
  readonly regional: string;
  /** parsed rule of every composite, by logical ID */
  readonly rules: Map<string, RuleNode>;
}

/** Replaces `Fn::GetAtt [id, Arn]` in a rendered rule by an ARN whose alarm name is the logical ID. */
function resolveRule(rule: unknown): string {
  if (typeof rule === 'string') {
    return rule;
  }
  const join = (rule as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return join[1].map((part) => {
    if (typeof part === 'string') {
      return part;
    }
    const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    if (getAtt && getAtt[1] === 'Arn') {
      return `arn:aws:cloudwatch:us-east-1:111111111111:alarm:${getAtt[0]}`;
    }
    throw new Error(`unexpected rule part ${JSON.stringify(part)}`);
  }).join(join[0]);
}

function build(zones: string[]): Model {
  const stack = new Stack(new App(), 'Stack');
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0 });
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
  const targetGroup = new elbv2.ApplicationTargetGroup(stack, 'Targets', { vpc, port: 80 });
  alb.addListener('Http', { port: 80, defaultTargetGroups: [targetGroup] });
  const probes = new ZonalProbes(stack, 'Probes', { loadBalancer: alb, availabilityZones: zones, vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } });
  const alarms = new ZonalAlarms(stack, 'Alarms', {
    loadBalancer: alb, targetGroup, availabilityZones: zones, alarmOnUnhealthyHosts: true, probes,
  });
  const id = (alarm: cloudwatch.Alarm | cloudwatch.CompositeAlarm) =>
    stack.getLogicalId(alarm.node.defaultChild as cloudwatch.CfnAlarm);

  const template = Template.fromStack(stack).toJSON();
  const rules = new Map<string, RuleNode>();
  for (const [logicalId, resource] of Object.entries<any>(template.Resources)) {
    if (resource.Type === 'AWS::CloudWatch::CompositeAlarm') {
      rules.set(logicalId, parseAlarmRule(resolveRule(resource.Properties.AlarmRule)));
    }
  }
  return {
    zones,
    metric: new Map(alarms.zones.map((z) => [z.availabilityZone, {
      availability: id(z.availabilityAlarm), latency: id(z.latencyAlarm), unhealthyHosts: id(z.unhealthyHostsAlarm!),
      probeAvailability: id(z.probeAvailabilityAlarm!), probeLatency: id(z.probeLatencyAlarm!),
      ...(z.outlierAlarm ? { outlier: id(z.outlierAlarm) } : {}),
    }])),
    kinds: KINDS.filter((kind) => kind !== 'outlier' || alarms.zones[0].outlierAlarm !== undefined),
    probeHealth: id(probes.probeHealthAlarm),
    alarms,
    isolated: new Map(alarms.zones.map((z) => [z.availabilityZone, id(z.isolatedImpactAlarm)])),
    impaired: new Map(alarms.zones.map((z) => [z.availabilityZone, id(z.impairedAlarm)])),
    regional: id(alarms.regionalImpactAlarm),
    rules,
  };
}

/**
 * Evaluates every composite. A reference to a composite evaluates that composite's
 * own rule; a reference to a metric alarm reads `metricStates`.
 */
function evaluateAll(model: Model, metricStates: Map<string, AlarmStateValue>): Map<string, boolean> {
  const memo = new Map<string, boolean>();
  const visiting = new Set<string>();
  const stateOf = (reference: string): AlarmStateValue => {
    const name = alarmNameFromReference(reference);
    if (model.rules.has(name)) {
      return evaluateComposite(name) ? 'ALARM' : 'OK';
    }
    const state = metricStates.get(name);
    if (state === undefined) {
      throw new Error(`rule references unknown alarm ${name}`);
    }
    return state;
  };
  const evaluateComposite = (name: string): boolean => {
    const known = memo.get(name);
    if (known !== undefined) {
      return known;
    }
    if (visiting.has(name)) {
      throw new Error(`composite alarm cycle through ${name}`);
    }
    visiting.add(name);
    const value = evaluateAlarmRule(model.rules.get(name)!, stateOf);
    visiting.delete(name);
    memo.set(name, value);
    return value;
  };
  for (const name of model.rules.keys()) {
    evaluateComposite(name);
  }
  return memo;
}

/** Every subset of `items`, as arrays. */
function subsets<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let mask = 0; mask < 1 << items.length; mask++) {
    out.push(items.filter((_, i) => (mask & (1 << i)) !== 0));
  }
  return out;
}

/** Which metric alarms of an impaired AZ are in ALARM, per scenario. */
const TRIGGERS: Array<[string, (zoneIndex: number) => Kind[]]> = [
  ['availability only', () => ['availability']],
  ['latency only', () => ['latency']],
  ['unhealthy hosts only', () => ['unhealthyHosts']],
  ['probe availability only', () => ['probeAvailability']],
  ['probe latency only', () => ['probeLatency']],
  ['outlier only', () => ['outlier']],
  ['all', () => KINDS],
  ['a different alarm per AZ', (zoneIndex) => [KINDS[zoneIndex % KINDS.length]]],
];

/** State of the metric alarms of healthy AZs, per scenario. */
const HEALTHY: AlarmStateValue[] = ['OK', 'INSUFFICIENT_DATA'];

describe.each([
  [['us-east-1a', 'us-east-1b', 'us-east-1c']],
  [['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d']],
])('%j', (zones) => {
  const model = build(zones);

  test('every composite rule parses and references only alarms of the stack', () => {
    const known = new Set([...model.rules.keys(), ...[...model.metric.values()].flatMap((kinds) => Object.values(kinds))]);
    for (const rule of model.rules.values()) {
      for (const reference of alarmReferences(rule)) {
        expect(known.has(alarmNameFromReference(reference))).toBe(true);
      }
    }
  });

  test('every member of an impaired composite is one of its AZ\'s metricAlarms or its outlierAlarm', () => {
    for (const zone of model.alarms.zones) {
      const stack = Stack.of(zone.impairedAlarm);
      const id = (alarm: cloudwatch.IAlarm) => stack.getLogicalId((alarm as cloudwatch.Alarm).node.defaultChild as cloudwatch.CfnAlarm);
      const allowed = new Set([...zone.metricAlarms, ...(zone.outlierAlarm ? [zone.outlierAlarm] : [])].map(id));
      const members = alarmReferences(model.rules.get(model.impaired.get(zone.availabilityZone)!)!).map(alarmNameFromReference);
      expect(new Set(members)).toEqual(allowed);
    }
  });

  test('the probes\' health alarm is in no composite: a dead probe pages, never shifts', () => {
    for (const rule of model.rules.values()) {
      expect(alarmReferences(rule).map(alarmNameFromReference)).not.toContain(model.probeHealth);
    }
  });

  const cases: Array<[string, string, AlarmStateValue, string[], (i: number) => Kind[]]> = [];
  for (const impaired of subsets(zones)) {
    for (const [triggerName, trigger] of TRIGGERS.filter(([, t]) => zones.every((_, i) => t(i).some((kind) => model.kinds.includes(kind))))) {
      for (const healthy of HEALTHY) {
        cases.push([impaired.join('+') || 'no AZ', triggerName, healthy, impaired, trigger]);
      }
    }
  }

  test.each(cases)('impaired: %s (%s; healthy alarms %s)', (_label, _trigger, healthyState, impaired, trigger) => {
    const metricStates = new Map<string, AlarmStateValue>();
    zones.forEach((az, zoneIndex) => {
      const firing = impaired.includes(az) ? trigger(zoneIndex) : [];
      for (const kind of model.kinds) {
        metricStates.set(model.metric.get(az)![kind]!, firing.includes(kind) ? 'ALARM' : healthyState);
      }
    });

    const result = evaluateAll(model, metricStates);

    for (const az of zones) {
      expect([az, 'impaired', result.get(model.impaired.get(az)!)]).toEqual([az, 'impaired', impaired.includes(az)]);
      expect([az, 'isolated', result.get(model.isolated.get(az)!)]).toEqual([az, 'isolated', impaired.length === 1 && impaired[0] === az]);
    }
    expect(result.get(model.regional)).toBe(impaired.length >= 2);
  });
});
