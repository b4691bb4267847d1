import {
  Duration,
  RemovalPolicy,
  Token,
  Validations,
  aws_cloudwatch as cloudwatch,
  aws_ec2 as ec2,
  aws_rds as rds,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { requireDistinctZones } from './private/validation';
import { FleetZone } from './zonal-fleet';

/** Aurora engines: the only cluster engines whose reader instances can be placed one per AZ. */
const AURORA_ENGINE_TYPES = ['aurora', 'aurora-mysql', 'aurora-postgresql'];
/** Where each AZ's instances find their database endpoints. */
export const DATA_TIER_ENV_FILE = '/etc/cdk-azi/database.env';

/**
 * A reader instance of an existing Aurora cluster and the AZ it runs in.
 */
export interface ExistingReader {
  /** The AZ name the reader instance runs in, e.g. `us-east-1a`. */
  readonly availabilityZone: string;
  /** The DB instance identifier of the reader (the `DBInstanceIdentifier` of its metrics). */
  readonly instanceIdentifier: string;
  /** The instance endpoint address of the reader. */
  readonly endpointAddress: string;
}

/**
 * Properties of a {@link ZonalDataTier}.
 */
export interface ZonalDataTierProps {
  /** The VPC of the service. The cluster's subnet group needs a subnet in every AZ. */
  readonly vpc: ec2.IVpc;

  /** The AZ names the service runs in; one reader instance serves each. */
  readonly availabilityZones: string[];

  /**
   * The security groups allowed to connect to the database (the fleet's instance security group).
   * No other source is admitted.
   *
   * @default - nothing is admitted until `connections.allowDefaultPortFrom` is called
   */
  readonly clientSecurityGroups?: ec2.ISecurityGroup[];

  /**
   * Each AZ's Auto Scaling group. Each learns the writer endpoint and its own AZ's reader endpoint
   * through user data (the file `/etc/cdk-azi/database.env`), and may read the credentials secret.
   * Typically `fleet.zones`.
   *
   * @default - no group is told; read `readerEndpointAddress(az)` and `writerEndpointAddress`
   */
  readonly clients?: FleetZone[];

  /**
   * The subnets of the cluster, in every AZ of `availabilityZones`.
   *
   * @default - the VPC's private subnets with egress in those AZs
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The database engine of a new cluster: an Aurora engine, since only Aurora places one reader
   * instance per AZ.
   *
   * @default - Aurora PostgreSQL 16.9
   */
  readonly engine?: rds.IClusterEngine;

  /**
   * The instance type of the writer and of every reader (readers of the same size can take over
   * as writer).
   *
   * @default - db.r6g.large
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * The AZ of the writer instance.
   *
   * @default - the first of `availabilityZones`
   */
  readonly writerAvailabilityZone?: string;

  /**
   * What happens to a new cluster when it leaves the stack.
   *
   * @default RemovalPolicy.SNAPSHOT
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Whether a new cluster is protected from deletion (turn it off before removing the data tier).
   *
   * @default true
   */
  readonly deletionProtection?: boolean;

  /**
   * An existing Aurora cluster to use instead of a new one. With it, `existingReaders` maps the
   * cluster's reader instances to AZs, and no database resource is created.
   *
   * @default - a new cluster
   */
  readonly existingCluster?: rds.IDatabaseCluster;

  /**
   * The reader instances of `existingCluster`, one per AZ of `availabilityZones`.
   *
   * @default - none; required with `existingCluster`
   */
  readonly existingReaders?: ExistingReader[];

  /**
   * Replica lag at or above which a reader counts as impaired (3 of 5 one-minute datapoints).
   *
   * @default Duration.seconds(2)
   */
  readonly replicaLagThreshold?: Duration;
}

/**
 * The database side of one AZ.
 */
export interface DataTierZone {
  /** The AZ name. */
  readonly availabilityZone: string;
  /** The DB instance identifier of the AZ's reader. */
  readonly readerInstanceIdentifier: string;
  /** The instance endpoint address of the AZ's reader. */
  readonly readerEndpointAddress: string;
  /** The reader's replica lag at or above the threshold. */
  readonly replicaLagAlarm: cloudwatch.Alarm;
  /** The reader publishes no metrics: it is down or unreachable. */
  readonly readerAvailabilityAlarm: cloudwatch.Alarm;
}

/**
 * A data tier with a reader per AZ: an Aurora cluster (PostgreSQL-compatible by default) in the
 * service's VPC with a writer and one reader instance in each AZ, encrypted at rest, credentials
 * in Secrets Manager (IAM database authentication also on), deletion protection, no public
 * access, reachable only from the given security groups. Each AZ's
 * instances read from their own AZ's reader, so only writes cross an AZ boundary, and a bad
 * reader is its AZ's problem: its alarms belong in that AZ's impaired alarm
 * (`ZonalAlarms` prop `additionalAlarms`).
 */
export class ZonalDataTier extends Construct {
  /** The new cluster; undefined when an existing cluster is used. */
  public readonly cluster?: rds.DatabaseCluster;
  /** The writer (cluster) endpoint address. */
  public readonly writerEndpointAddress: string;
  /** The database port. */
  public readonly port: string;
  /** The database side of each AZ, in the order of `availabilityZones`. */
  public readonly zones: DataTierZone[];
  /** Who may connect to the database. */
  public readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, props: ZonalDataTierProps) {
    super(scope, id);

    const zones = [...props.availabilityZones];
    requireDistinctZones(zones, 'availabilityZones');
    let cluster: rds.IDatabaseCluster;
    let readers: ExistingReader[];
    if (props.existingCluster) {
      cluster = props.existingCluster;
      readers = mapExistingReaders(props, zones);
    } else {
      const created = this.createCluster(props, zones);
      this.cluster = created.cluster;
      cluster = created.cluster;
      readers = created.readers;
    }
    this.writerEndpointAddress = cluster.clusterEndpoint.hostname;
    this.port = Token.asString(cluster.clusterEndpoint.port);
    this.connections = cluster.connections;
    for (const group of props.clientSecurityGroups ?? []) {
      this.connections.allowDefaultPortFrom(group, 'cdk-azi: the service fleet');
    }

    const lagThreshold = props.replicaLagThreshold ?? Duration.seconds(2);
    if (!lagThreshold.isUnresolved() && lagThreshold.toMilliseconds() <= 0) {
      throw new Error(`replicaLagThreshold is ${lagThreshold.toHumanString()}; it must be greater than zero, e.g. Duration.seconds(2).`);
    }
    this.zones = readers.map((reader) => this.zoneAlarms(reader, lagThreshold));

    for (const client of props.clients ?? []) {
      const zone = this.zones.find((z) => z.availabilityZone === client.availabilityZone);
      if (!zone) {
        throw new Error(`clients has an Auto Scaling group in ${client.availabilityZone}, which is not one of availabilityZones (${zones.join(', ')}); pass the fleet's zones and the same AZs.`);
      }
      client.autoScalingGroup.addUserData(
        `mkdir -p ${dirname(DATA_TIER_ENV_FILE)}`,
        `cat > ${DATA_TIER_ENV_FILE} <<'CDK_AZI_DB'`,
        `DB_WRITER_ENDPOINT=${this.writerEndpointAddress}`,
        `DB_READER_ENDPOINT=${zone.readerEndpointAddress}`,
        `DB_PORT=${this.port}`,
        ...(this.cluster?.secret ? [`DB_SECRET_ARN=${this.cluster.secret.secretArn}`] : []),
        'CDK_AZI_DB',
      );
      this.cluster?.secret?.grantRead(client.autoScalingGroup);
    }
  }

  /**
   * The database side of one AZ. Throws for an AZ that is not in `availabilityZones`.
   */
  public zone(availabilityZone: string): DataTierZone {
    const found = this.zones.find((zone) => zone.availabilityZone === availabilityZone);
    if (!found) {
      throw new Error(`Unknown availability zone '${availabilityZone}': expected one of ${this.zones.map((z) => z.availabilityZone).join(', ')}`);
    }
    return found;
  }

  private createCluster(props: ZonalDataTierProps, zones: string[]): { cluster: rds.DatabaseCluster; readers: ExistingReader[] } {
    if (props.existingReaders) {
      throw new Error('existingReaders is set but existingCluster is not: pass the cluster the readers belong to, or leave existingReaders unset for a new cluster.');
    }
    const engine = props.engine ?? rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_9 });
    if (!AURORA_ENGINE_TYPES.includes(engine.engineType)) {
      throw new Error(`engine ${engine.engineType} has no reader instances that can be placed per AZ; use an Aurora engine such as rds.DatabaseClusterEngine.auroraPostgres(...).`);
    }
    const writerZone = props.writerAvailabilityZone ?? zones[0];
    if (!zones.includes(writerZone)) {
      throw new Error(`writerAvailabilityZone '${writerZone}' is not one of availabilityZones (${zones.join(', ')}).`);
    }
    const vpcSubnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, availabilityZones: zones };
    requireSubnetsInEveryZone(props.vpc, vpcSubnets, zones);
    const instanceType = props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.R6G, ec2.InstanceSize.LARGE);
    const options = { instanceType, publiclyAccessible: false };
    const cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine,
      vpc: props.vpc,
      vpcSubnets,
      storageEncrypted: true,
      credentials: rds.Credentials.fromGeneratedSecret('cdkazi'),
      iamAuthentication: true,
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.SNAPSHOT,
      writer: rds.ClusterInstance.provisioned('Writer', { ...options, availabilityZone: writerZone }),
      readers: zones.map((zone) => rds.ClusterInstance.provisioned(`Reader-${zone}`, { ...options, availabilityZone: zone })),
    });
    Validations.of(cluster).acknowledge({
      id: 'CloudFormation-Validate::W3010',
      reason: 'Each reader is placed in a named Availability Zone on purpose: one reader per AZ of the service.',
    });
    // The cluster lists the writer first, then the readers in the order given.
    const readers = zones.map((zone, index) => ({
      availabilityZone: zone,
      instanceIdentifier: cluster.instanceIdentifiers[index + 1],
      endpointAddress: cluster.instanceEndpoints[index + 1].hostname,
    }));
    return { cluster, readers };
  }

  private zoneAlarms(reader: ExistingReader, lagThreshold: Duration): DataTierZone {
    const scope = new Construct(this, Token.isUnresolved(reader.availabilityZone) ? `Zone-${this.node.children.length}` : reader.availabilityZone);
    const metric = (metricName: string, statistic: string) => new cloudwatch.Metric({
      namespace: 'AWS/RDS',
      metricName,
      dimensionsMap: { DBInstanceIdentifier: reader.instanceIdentifier },
      statistic,
      period: Duration.minutes(1),
    });
    const replicaLagAlarm = new cloudwatch.Alarm(scope, 'ReplicaLag', {
      metric: metric('AuroraReplicaLag', cloudwatch.Stats.MAXIMUM),
      threshold: lagThreshold.toMilliseconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `The reader in ${reader.availabilityZone} lags the writer by ${lagThreshold.toHumanString()} or more: reads in that AZ are stale.`,
    });
    // A reader that is down publishes nothing; its missing datapoints are what breaches.
    const readerAvailabilityAlarm = new cloudwatch.Alarm(scope, 'ReaderAvailability', {
      metric: metric('EngineUptime', cloudwatch.Stats.SAMPLE_COUNT),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      alarmDescription: `The reader in ${reader.availabilityZone} has published no metrics for 3 minutes: it is down or unreachable.`,
    });
    return {
      availabilityZone: reader.availabilityZone,
      readerInstanceIdentifier: reader.instanceIdentifier,
      readerEndpointAddress: reader.endpointAddress,
      replicaLagAlarm,
      readerAvailabilityAlarm,
    };
  }
}

function mapExistingReaders(props: ZonalDataTierProps, zones: string[]): ExistingReader[] {
  for (const prop of ['engine', 'instanceType', 'writerAvailabilityZone', 'vpcSubnets', 'removalPolicy', 'deletionProtection'] as const) {
    if (props[prop] !== undefined) {
      throw new Error(`${prop} applies to a new cluster only; with existingCluster, leave it unset.`);
    }
  }
  const readers = props.existingReaders ?? [];
  for (const reader of readers) {
    if (!zones.includes(reader.availabilityZone)) {
      throw new Error(`existingReaders has reader ${reader.instanceIdentifier} in ${reader.availabilityZone}, an AZ the service does not use (${zones.join(', ')}); map only readers in those AZs.`);
    }
  }
  return zones.map((zone) => {
    const here = readers.filter((reader) => reader.availabilityZone === zone);
    if (here.length === 0) {
      throw new Error(`No reader of the existing cluster is mapped to ${zone}; each AZ needs its own reader (add it to existingReaders, or add a reader instance in ${zone} to the cluster).`);
    }
    if (here.length > 1) {
      throw new Error(`existingReaders maps ${here.length} readers to ${zone} (${here.map((r) => r.instanceIdentifier).join(', ')}); map exactly one per AZ.`);
    }
    return here[0];
  });
}

function dirname(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

function requireSubnetsInEveryZone(vpc: ec2.IVpc, selection: ec2.SubnetSelection, zones: string[]): void {
  const selected = vpc.selectSubnets(selection).subnets.map((subnet) => subnet.availabilityZone);
  if (selected.some((zone) => Token.isUnresolved(zone))) {
    return;
  }
  const missing = zones.filter((zone) => !Token.isUnresolved(zone) && !selected.includes(zone));
  if (missing.length > 0) {
    throw new Error(`The data tier's subnets cover no subnet in ${missing.join(', ')}; each AZ's reader needs one. Add subnets there or pass vpcSubnets that include them.`);
  }
}
