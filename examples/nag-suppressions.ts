import { CfnResource, Stack, Validations } from 'aws-cdk-lib';

/**
 * A cdk-nag (AwsSolutions) finding the reference stacks accept, where, and why.
 */
export interface ReferenceSuppression {
  /** The rule, with its finding where the rule reports several (`AwsSolutions-IAM5[Resource::*]`). */
  readonly rule: string;
  /** Construct paths (below the stack) whose resources the acknowledgement covers. */
  readonly path: RegExp;
  /** Why the finding is acceptable here. */
  readonly reason: string;
}

/** Every finding the reference stacks acknowledge. The cdk-nag test fails on any other. */
export const REFERENCE_SUPPRESSIONS: ReferenceSuppression[] = [
  {
    rule: 'AwsSolutions-SMG4',
    path: /\/Service\/Data\/Cluster\/Secret\/Resource$/,
    reason: 'The instances read the database secret at boot; rotating it needs a rotation function in the VPC and an application that re-reads credentials, so rotation (cluster.addRotationSingleUser) is left to the service owner. IAM database authentication is on as the alternative.',
  },
  {
    rule: 'AwsSolutions-VPC7',
    path: /\/Fleet\/Vpc\/Resource$/,
    reason: 'The reference VPC is a demo network with no data of its own; flow logs cost money per GB and add nothing to what the stack demonstrates. Production VPCs are usually passed in with flow logs already on.',
  },
  {
    rule: 'AwsSolutions-S1',
    path: /\/Fleet\/AccessLogsBucket\/Resource$/,
    reason: 'This bucket holds the load balancer\'s access logs; logging access to it would need yet another bucket (a bucket must not log to itself). Reads of these logs are rare and covered by CloudTrail data events where an account needs them.',
  },
  {
    rule: 'AwsSolutions-EC23',
    path: /\/Fleet\/LoadBalancer\/SecurityGroup\/Resource$/,
    reason: 'The reference service is a public HTTP endpoint: its internet-facing load balancer must accept requests from any address on its listener port. The instances accept traffic only from the load balancer.',
  },
  {
    rule: 'AwsSolutions-AS3',
    path: /\/Fleet\/[a-z0-9-]+\/Group\/ASG$/,
    reason: 'Scaling events of the per-AZ groups need no notification: the per-AZ alarms and the dashboard report what matters to operators (zone health), and CodeDeploy reports deployment state.',
  },
  {
    rule: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
    path: /\/Fleet\/InstanceRole\/Resource$/,
    reason: 'AmazonSSMManagedInstanceCore is the AWS-maintained minimum for Systems Manager access to instances (no SSH, no bastion); AWS keeps it current as the agent changes.',
  },
  {
    rule: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRole]',
    path: /\/Deployment\/DeploymentGroup\/Role\/Resource$/,
    reason: 'AWSCodeDeployRole is the AWS-maintained service role policy that CodeDeploy needs to manage Auto Scaling groups and load balancer registration during in-place deployments.',
  },
  {
    rule: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    path: /(\/ZonalShift\/Handler\/ServiceRole|\/Probes\/Handler\/ServiceRole|\/AWS679f53fac002430cb0da5b7982bd2287\/ServiceRole)\/Resource$/,
    reason: 'AWSLambdaBasicExecutionRole grants only CloudWatch Logs writes, which the functions need for their decision logs.',
  },
  ...['s3:GetBucket*', 's3:GetObject*', 's3:List*'].map((action) => ({
    rule: `AwsSolutions-IAM5[Action::${action}]`,
    path: /\/Fleet\/InstanceRole\/DefaultPolicy\/Resource$/,
    reason: 'aws-cdk-lib grants the instances read access to the Region\'s CodeDeploy agent bucket so user data can install the agent; the grant is limited to that AWS-owned bucket.',
  })),
  {
    rule: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::aws-codedeploy-us-east-1/latest/*]',
    path: /\/Fleet\/InstanceRole\/DefaultPolicy\/Resource$/,
    reason: 'The CodeDeploy agent installer lives under latest/ in the AWS-owned agent bucket of the Region; the wildcard covers the installer files only.',
  },
  {
    rule: 'AwsSolutions-IAM5[Resource::*]',
    path: /\/ZonalShift\/Handler\/ServiceRole\/DefaultPolicy\/Resource$/,
    reason: 'cloudwatch:DescribeAlarms does not support resource-level permissions; it is read-only. Reading, starting, updating and cancelling zonal shifts are scoped to the managed load balancers.',
  },
  {
    rule: 'AwsSolutions-IAM5[Resource::*]',
    path: /\/ZonalShift\/ZoneIds\/[a-z0-9-]+\/CustomResourcePolicy\/Resource$/,
    reason: 'ec2:DescribeAvailabilityZones does not support resource-level permissions; it is read-only and runs only at deploy time to map zone names to zone IDs.',
  },
  {
    rule: 'AwsSolutions-IAM5[Resource::*]',
    path: /\/Probes\/Handler\/ServiceRole\/DefaultPolicy\/Resource$/,
    reason: 'cloudwatch:PutMetricData does not support resource-level permissions; the statement is limited to the probes\' namespace with the cloudwatch:namespace condition key.',
  },
];

/**
 * Acknowledges the accepted cdk-nag findings on the resources of a reference stack.
 */
export function applyReferenceSuppressions(stack: Stack): void {
  for (const construct of stack.node.findAll()) {
    if (!CfnResource.isCfnResource(construct)) {
      continue;
    }
    const path = `/${construct.node.path}`;
    for (const suppression of REFERENCE_SUPPRESSIONS) {
      if (suppression.path.test(path)) {
        Validations.of(construct).acknowledge({ id: `AwsSolutions::${suppression.rule}`, reason: suppression.reason });
      }
    }
  }
}
