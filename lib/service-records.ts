import {
  Annotations,
  Token,
  aws_elasticloadbalancingv2 as elbv2,
  aws_route53 as route53,
  aws_route53_targets as targets,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** Route 53 accepts weights from 0 to 255 in a weighted record set. */
const MAX_WEIGHT = 255;

/**
 * One member of a weighted record set: a load balancer and its share of the traffic.
 */
export interface WeightedLoadBalancer {
  /** The load balancer the alias points at. */
  readonly loadBalancer: elbv2.ILoadBalancerV2;

  /**
   * The relative share of DNS answers, a whole number from 0 to 255. 0 drains the load balancer:
   * it gets no traffic while another member of the set has a weight above 0.
   */
  readonly weight: number;

  /**
   * Identifies the member in the record set, for example the Region (`us-east-1`). Unique per
   * record name; operators flip weights by this name.
   */
  readonly setIdentifier: string;
}

/**
 * Properties of {@link ServiceRecords}.
 */
export interface ServiceRecordsProps {
  /**
   * The hosted zone. Import it with `HostedZone.fromHostedZoneAttributes` so that nothing is
   * looked up at synthesis time; its zone name must be concrete.
   */
  readonly zone: route53.IHostedZone;

  /**
   * The record name: relative to the zone (`api`) or fully qualified (`api.example.com`, with or
   * without the trailing dot). It must lie inside the zone.
   */
  readonly recordName: string;

  /**
   * The load balancer of a plain alias record. Give this or `weightedLoadBalancers`, not both.
   *
   * @default - no plain alias
   */
  readonly loadBalancer?: elbv2.ILoadBalancerV2;

  /**
   * The members of a weighted alias record set, across Regions or load balancers: set a weight
   * to 0 to drain one (manual failover), raise a new one's weight step by step to ramp it up.
   * Members may also live in other stacks (one per Region): Route 53 joins records of the same
   * name and type into one set.
   *
   * @default - no weighted records
   */
  readonly weightedLoadBalancers?: WeightedLoadBalancer[];

  /**
   * Whether Route 53 evaluates the load balancer's health: an alias whose load balancer has no
   * healthy targets (in a target group with targets) is skipped, so DNS fails away from it.
   *
   * @default true
   */
  readonly evaluateTargetHealth?: boolean;

  /**
   * Also create AAAA alias records, for dual-stack load balancers.
   *
   * @default false
   */
  readonly ipv6?: boolean;
}

/**
 * The Route 53 records of a service (seed 000): an alias to the load balancer with
 * `EvaluateTargetHealth`, so DNS fails away from a load balancer without healthy targets, or a
 * weighted alias set across Regions or load balancers, for manual failover (weight 0 drains a
 * member) and gradual ramp-up of a new one.
 */
export class ServiceRecords extends Construct {
  /** The fully qualified record name, with the trailing dot. */
  public readonly domainName: string;

  /** The A records (and AAAA records with `ipv6`), in the order of the load balancers given. */
  public readonly records: route53.IRecordSet[];

  constructor(scope: Construct, id: string, props: ServiceRecordsProps) {
    super(scope, id);

    this.domainName = fullyQualifiedName(props.zone, props.recordName);
    const weighted = props.weightedLoadBalancers;
    if ((props.loadBalancer === undefined) === (weighted === undefined)) {
      throw new Error(
        'ServiceRecords needs exactly one of loadBalancer (a plain alias) and weightedLoadBalancers (a weighted set), ' +
        `got ${props.loadBalancer === undefined ? 'neither' : 'both'}.`);
    }
    const evaluateTargetHealth = props.evaluateTargetHealth ?? true;
    const ipv6 = props.ipv6 ?? false;
    this.records = [];

    if (props.loadBalancer !== undefined) {
      this.records.push(...this.alias('Alias', props, props.loadBalancer, evaluateTargetHealth, ipv6));
      return;
    }

    validateWeights(weighted!, this);
    for (const member of weighted!) {
      this.records.push(...this.alias(`Weighted-${member.setIdentifier}`, props, member.loadBalancer, evaluateTargetHealth, ipv6, member));
    }
  }

  private alias(
    id: string, props: ServiceRecordsProps, loadBalancer: elbv2.ILoadBalancerV2, evaluateTargetHealth: boolean,
    ipv6: boolean, member?: WeightedLoadBalancer): route53.IRecordSet[] {
    const target = route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(loadBalancer, { evaluateTargetHealth }));
    const common = {
      zone: props.zone,
      recordName: this.domainName,
      target,
      weight: member?.weight,
      setIdentifier: member?.setIdentifier,
    };
    const records: route53.IRecordSet[] = [new route53.ARecord(this, id, common)];
    if (ipv6) {
      records.push(new route53.AaaaRecord(this, `${id}-Ipv6`, common));
    }
    return records;
  }
}

function fullyQualifiedName(zone: route53.IHostedZone, recordName: string): string {
  if (Token.isUnresolved(recordName) || recordName.trim() === '') {
    throw new Error(`recordName must be a concrete, non-empty name (for example 'api'), got '${recordName}'.`);
  }
  if (Token.isUnresolved(zone.zoneName)) {
    throw new Error(
      'The hosted zone\'s name is unresolved, so the record name cannot be checked against it. Import the zone with ' +
      'HostedZone.fromHostedZoneAttributes({ hostedZoneId, zoneName }).');
  }
  const zoneName = zone.zoneName.replace(/\.$/, '').toLowerCase();
  const name = recordName.toLowerCase();
  const bare = name.replace(/\.$/, '');
  if (bare === zoneName || bare.endsWith(`.${zoneName}`)) {
    return `${bare}.`;
  }
  if (name.endsWith('.')) {
    throw new Error(
      `recordName '${recordName}' is not inside the hosted zone '${zoneName}'. Use a name that ends with ` +
      `'.${zoneName}', a name relative to the zone (for example 'api'), or the hosted zone of '${bare}'.`);
  }
  if (looksLikeOtherDomain(bare, zoneName)) {
    throw new Error(
      `recordName '${recordName}' looks like a name outside the hosted zone '${zoneName}' (it would become ` +
      `'${bare}.${zoneName}'). Use a name inside the zone, or the hosted zone of '${bare}'; for a relative name ` +
      'with the same last label as the zone, write it fully qualified.');
  }
  return `${bare}.${zoneName}.`;
}

/**
 * A relative name whose last label is the zone's top-level label (`api.example.org` in zone
 * `example.com` ends in a TLD, `org` here, only when the zone does too) is almost always a
 * fully qualified name of another zone.
 */
function looksLikeOtherDomain(name: string, zoneName: string): boolean {
  const labels = name.split('.');
  const zoneLabels = zoneName.split('.');
  return labels.length >= 2 && labels[labels.length - 1] === zoneLabels[zoneLabels.length - 1];
}

function validateWeights(members: WeightedLoadBalancer[], scope: Construct): void {
  if (members.length === 0) {
    throw new Error('weightedLoadBalancers is empty: give each load balancer with its weight and set identifier.');
  }
  const identifiers = new Set<string>();
  for (const member of members) {
    if (Token.isUnresolved(member.setIdentifier) || member.setIdentifier.trim() === '' || member.setIdentifier.length > 128) {
      throw new Error(`setIdentifier must be a concrete name of 1 to 128 characters (for example the Region), got '${member.setIdentifier}'.`);
    }
    if (identifiers.has(member.setIdentifier)) {
      throw new Error(`setIdentifier '${member.setIdentifier}' is used twice; each member of a weighted set needs its own.`);
    }
    identifiers.add(member.setIdentifier);
    if (Token.isUnresolved(member.weight)) {
      continue;
    }
    if (!Number.isInteger(member.weight) || member.weight < 0 || member.weight > MAX_WEIGHT) {
      throw new Error(
        `The weight of '${member.setIdentifier}' is ${member.weight}; Route 53 weights are whole numbers from 0 to ` +
        `${MAX_WEIGHT}. Use 0 to drain it, or a share such as 1 to ${MAX_WEIGHT}.`);
    }
  }
  const concrete = members.filter((member) => !Token.isUnresolved(member.weight));
  if (concrete.length === members.length && concrete.every((member) => member.weight === 0)) {
    if (members.length >= 2) {
      throw new Error(
        `Every weight is 0 (${members.map((m) => m.setIdentifier).join(', ')}). Route 53 then answers with all of them ` +
        'evenly, so nothing is drained. Give at least one member a weight above 0.');
    }
    Annotations.of(scope).addWarningV2('cdk-azi:ServiceRecords.onlyZeroWeight',
      `The only weighted record here ('${members[0].setIdentifier}') has weight 0. It is drained only while another ` +
      'record of the same name (in another stack) has a weight above 0; alone, it still gets all traffic.');
  }
}
