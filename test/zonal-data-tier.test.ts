import { App, Duration, Stack, aws_ec2 as ec2, aws_rds as rds } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ZonalDataTier, ZonalDataTierProps, ZonalFleet } from '../lib';

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
}

function withFleet(overrides: Partial<ZonalDataTierProps> = {}): { stack: Stack; fleet: ZonalFleet; tier: ZonalDataTier } {
  const stack = newStack();
  const fleet = new ZonalFleet(stack, 'Fleet', { availabilityZones: ZONES });
  const tier = new ZonalDataTier(stack, 'Data', {
    vpc: fleet.vpc,
    availabilityZones: fleet.availabilityZones,
    clientSecurityGroups: [fleet.instanceSecurityGroup],
    clients: fleet.zones,
    ...overrides,
  });
  return { stack, fleet, tier };
}

function importedCluster(stack: Stack): rds.IDatabaseCluster {
  return rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Existing', {
    clusterIdentifier: 'orders',
    clusterEndpointAddress: 'orders.cluster-abc.us-east-1.rds.amazonaws.com',
    port: 5432,
    securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'DbSg', 'sg-0123456789abcdef0')],
  });
}

const READERS = ZONES.map((zone, i) => ({
  availabilityZone: zone,
  instanceIdentifier: `orders-reader-${i}`,
  endpointAddress: `orders-reader-${i}.abc.us-east-1.rds.amazonaws.com`,
}));

describe('new cluster', () => {
  test('a writer and one reader per AZ, each instance pinned to its AZ, private and encrypted', () => {
    const template = Template.fromStack(withFleet().stack);
    template.resourceCountIs('AWS::RDS::DBCluster', 1);
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      StorageEncrypted: true,
      MasterUserPassword: Match.anyValue(),
    });
    const instances = Object.values(template.findResources('AWS::RDS::DBInstance'));
    expect(instances).toHaveLength(4);
    expect(instances.every((i) => i.Properties.PubliclyAccessible === false)).toBe(true);
    const zones = instances.map((i) => i.Properties.AvailabilityZone).sort();
    expect(zones).toEqual(['us-east-1a', 'us-east-1a', 'us-east-1b', 'us-east-1c']);
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
  });

  test("each AZ's Auto Scaling group is told its own AZ's reader endpoint and the writer endpoint", () => {
    const { stack, tier } = withFleet();
    const template = Template.fromStack(stack);
    const resolved = (value: unknown) => JSON.stringify(stack.resolve(value));
    const templates = template.findResources('AWS::EC2::LaunchTemplate');
    for (const zone of ZONES) {
      const reader = resolved(tier.zone(zone).readerEndpointAddress);
      const readerLogicalId = /"Fn::GetAtt":\["([^"]+)","Endpoint.Address"\]/.exec(reader)![1];
      // The reader this AZ reads from is the instance placed in this AZ.
      expect(template.toJSON().Resources[readerLogicalId].Properties.AvailabilityZone).toBe(zone);
      const userData = Object.entries(templates)
        .filter(([id]) => id.includes(zone.replace(/-/g, '')))
        .map(([, r]) => JSON.stringify(r.Properties.LaunchTemplateData.UserData));
      expect(userData).toHaveLength(1);
      expect(userData[0]).toContain('DB_READER_ENDPOINT=');
      expect(userData[0]).toContain(readerLogicalId);
      const otherReaders = ZONES.filter((z) => z !== zone)
        .map((z) => /"Fn::GetAtt":\["([^"]+)"/.exec(resolved(tier.zone(z).readerEndpointAddress))![1]);
      for (const other of otherReaders) {
        expect(userData[0]).not.toContain(other);
      }
      expect(userData[0]).toContain('DB_WRITER_ENDPOINT=');
    }
  });

  test('admits only the fleet on the database port', () => {
    const template = Template.fromStack(withFleet().stack);
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'))
      .filter((r) => r.Properties.FromPort === 5432 || JSON.stringify(r.Properties.FromPort).includes('Endpoint.Port'));
    expect(ingress).toHaveLength(1);
    expect(JSON.stringify(ingress[0].Properties.SourceSecurityGroupId)).toContain('FleetInstanceSecurityGroup');
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'RDS security group',
      SecurityGroupIngress: Match.absent(),
    });
  });

  test('per reader: a replica-lag alarm and an availability alarm that breaches on missing data', () => {
    const template = Template.fromStack(withFleet({ replicaLagThreshold: Duration.millis(1500) }).stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'AuroraReplicaLag', Namespace: 'AWS/RDS', Threshold: 1500, Statistic: 'Maximum',
      Dimensions: [{ Name: 'DBInstanceIdentifier', Value: Match.anyValue() }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'EngineUptime', Statistic: 'SampleCount', ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching',
    });
  });

  test('grants each group read access to the credentials secret', () => {
    const template = Template.fromStack(withFleet().stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['secretsmanager:GetSecretValue']) })]) },
    });
  });

  test('refuses an engine without per-AZ reader instances', () => {
    const stack = newStack();
    const fleet = new ZonalFleet(stack, 'Fleet', { availabilityZones: ZONES });
    const notAurora = { ...rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_9 }), engineType: 'postgres' };
    expect(() => new ZonalDataTier(stack, 'Data', { vpc: fleet.vpc, availabilityZones: ZONES, engine: notAurora as rds.IClusterEngine }))
      .toThrow('engine postgres has no reader instances that can be placed per AZ');
  });

  test('refuses a writer outside the service AZs and a client group in another AZ', () => {
    expect(() => withFleet({ writerAvailabilityZone: 'us-east-1d' })).toThrow("writerAvailabilityZone 'us-east-1d' is not one of availabilityZones");
    const stack = newStack();
    const fleet = new ZonalFleet(stack, 'Fleet', { availabilityZones: ZONES });
    expect(() => new ZonalDataTier(stack, 'Data', { vpc: fleet.vpc, availabilityZones: ZONES.slice(0, 2), clients: fleet.zones }))
      .toThrow('clients has an Auto Scaling group in us-east-1c, which is not one of availabilityZones');
  });

  test('refuses subnets that leave an AZ without a place for its reader', () => {
    const stack = newStack();
    const fleet = new ZonalFleet(stack, 'Fleet', { availabilityZones: ZONES });
    expect(() => new ZonalDataTier(stack, 'Data', {
      vpc: fleet.vpc,
      availabilityZones: ZONES,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, availabilityZones: ZONES.slice(0, 2) },
    })).toThrow("The data tier's subnets cover no subnet in us-east-1c");
  });
});

describe('existing cluster', () => {
  function existing(readers: typeof READERS, extra: Partial<ZonalDataTierProps> = {}) {
    const stack = newStack();
    const fleet = new ZonalFleet(stack, 'Fleet', { availabilityZones: ZONES });
    const tier = new ZonalDataTier(stack, 'Data', {
      vpc: fleet.vpc,
      availabilityZones: ZONES,
      existingCluster: importedCluster(stack),
      existingReaders: readers,
      clientSecurityGroups: [fleet.instanceSecurityGroup],
      clients: fleet.zones,
      ...extra,
    });
    return { stack, tier };
  }

  test('uses the mapped readers and creates no database', () => {
    const { stack, tier } = existing(READERS);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::RDS::DBCluster', 0);
    template.resourceCountIs('AWS::RDS::DBInstance', 0);
    expect(tier.zone('us-east-1b').readerEndpointAddress).toBe('orders-reader-1.abc.us-east-1.rds.amazonaws.com');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'orders-reader-2' }] });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: 'sg-0123456789abcdef0', FromPort: 5432 });
  });

  test('refuses an AZ without a reader', () => {
    expect(() => existing(READERS.slice(0, 2))).toThrow('No reader of the existing cluster is mapped to us-east-1c');
  });

  test('refuses a reader in an AZ the service does not use', () => {
    const stray = { availabilityZone: 'us-east-1d', instanceIdentifier: 'orders-reader-9', endpointAddress: 'x' };
    expect(() => existing([...READERS, stray])).toThrow('existingReaders has reader orders-reader-9 in us-east-1d, an AZ the service does not use');
  });

  test('refuses two readers for one AZ', () => {
    expect(() => existing([...READERS, { ...READERS[0], instanceIdentifier: 'dup' }])).toThrow('existingReaders maps 2 readers to us-east-1a');
  });

  test('refuses new-cluster options', () => {
    expect(() => existing(READERS, { writerAvailabilityZone: 'us-east-1a' })).toThrow('writerAvailabilityZone applies to a new cluster only');
  });

  test('refuses readers without a cluster', () => {
    expect(() => withFleet({ existingReaders: READERS })).toThrow('existingReaders is set but existingCluster is not');
  });
});
