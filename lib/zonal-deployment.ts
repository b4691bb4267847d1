import { Annotations, Duration, Stack, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import {
  HealthyHostsSpec,
  MAX_DEPLOYMENT_GROUP_ALARMS,
  MAX_IN_PLACE_DEPLOYMENT_SECONDS,
  defaultBakeSeconds,
  describeSeconds,
  inspectAlarmTimeToFire,
  zoneCapacity,
} from './private/deployment-checks';

/**
 * Properties of a `ZonalDeployment`.
 */
export interface ZonalDeploymentProps {
  /**
   * The Auto Scaling groups to deploy to, normally one per Availability Zone.
   *
   * The number of groups is taken as the number of zones when the total bake time is checked
   * against CodeDeploy's run-time limit.
   */
  readonly autoScalingGroups: autoscaling.IAutoScalingGroup[];

  /**
   * The target group that serves the groups' instances. CodeDeploy deregisters each instance
   * from it while the instance is updated (in-place deployment with traffic control).
   */
  readonly targetGroup: elbv2.IApplicationTargetGroup;

  /**
   * Alarms that stop the deployment and roll it back when any of them goes to ALARM.
   *
   * At most 10. An empty list is allowed but draws a warning: nothing would then stop a bad
   * deployment before it reaches every zone.
   */
  readonly alarms: cloudwatch.IAlarm[];

  /**
   * The worst-case time the alarms need to go to ALARM once a problem starts, for example the
   * detection construct's time to alarm.
   *
   * @default - computed from the alarms: for each alarm defined in this app as a
   * `cloudwatch.Alarm`, its period times its evaluation periods plus one evaluation minute; the
   * longest wins. Imported and composite alarms cannot be inspected, so with any of them this
   * property is required.
   */
  readonly alarmTimeToFire?: Duration;

  /**
   * How long metrics take to reach CloudWatch after the requests they count. This is an
   * estimate: AWS does not document the arrival delay of load balancer metrics.
   *
   * @default Duration.minutes(2)
   */
  readonly metricDelay?: Duration;

  /**
   * Bake time after each Availability Zone before the next one starts. Must be longer than
   * `alarmTimeToFire + metricDelay` and a whole number of seconds.
   *
   * @default - `alarmTimeToFire + metricDelay`, rounded up to whole minutes, plus 1 minute
   */
  readonly monitorDuration?: Duration;

  /**
   * Bake time after the first Availability Zone, which acts as the canary. Must not be shorter
   * than `monitorDuration`.
   *
   * @default - twice `monitorDuration`
   */
  readonly firstZoneMonitorDuration?: Duration;

  /**
   * Hosts that must stay healthy in an Availability Zone while a batch in that zone is updated.
   *
   * CodeDeploy turns a percentage into hosts at the start of a deployment and rounds fractional
   * hosts up: 90% of 1 host is 1 host, 50% of 3 hosts is 2 hosts. The batch in a zone is its
   * hosts minus this minimum. With cross-zone load balancing off, a zone's load balancer node
   * cannot borrow capacity from other zones, so set this to what one zone needs to carry its
   * share of the traffic.
   *
   * @default MinimumHealthyHostsPerZone.percentage(50)
   */
  readonly minimumHealthyHostsPerZone?: codedeploy.MinimumHealthyHostsPerZone;

  /**
   * Hosts in the smallest Availability Zone (for example the minimum capacity of the smallest
   * group). When given, the construct checks that a batch can be deployed at all and never
   * takes a zone to zero healthy hosts.
   *
   * @default - the capacity check is skipped
   */
  readonly hostsPerZone?: number;

  /**
   * Hosts that must stay healthy across the whole deployment group. Percentages are rounded up
   * to whole hosts, as for the per-zone minimum.
   *
   * @default MinimumHealthyHosts.percentage(50)
   */
  readonly minimumHealthyHosts?: codedeploy.MinimumHealthyHosts;

  /**
   * The CodeDeploy application the deployment group belongs to.
   *
   * @default - a new server application is created
   */
  readonly application?: codedeploy.IServerApplication;

  /**
   * Physical name of the deployment group.
   *
   * @default - a name is generated
   */
  readonly deploymentGroupName?: string;

  /**
   * Physical name of the deployment configuration.
   *
   * CloudFormation replaces a deployment configuration whenever any of its
   * settings changes, including the bake times derived from the alarms, and it
   * cannot replace a resource with a fixed name: with this set, such a change
   * fails to deploy until the name is changed too.
   *
   * @default - a name is generated
   */
  readonly deploymentConfigName?: string;

  /**
   * Add user data that installs the CodeDeploy agent to the Auto Scaling groups defined in this
   * app. Imported groups cannot be changed: their instances must already run the agent.
   *
   * @default true
   */
  readonly installAgent?: boolean;
}

/**
 * Deploys one Availability Zone at a time with AWS CodeDeploy, bakes after each zone for longer
 * than the alarms need to fire, and rolls back automatically when a deployment fails or an alarm
 * goes off.
 *
 * Creates a server application (unless one is given), a custom deployment configuration with a
 * zonal configuration, and an in-place deployment group with traffic control on the target group.
 */
export class ZonalDeployment extends Construct {
  /** The CodeDeploy application. */
  public readonly application: codedeploy.IServerApplication;

  /** The zonal deployment configuration. */
  public readonly deploymentConfig: codedeploy.IServerDeploymentConfig;

  /** The deployment group. */
  public readonly deploymentGroup: codedeploy.IServerDeploymentGroup;

  /** Bake time after each Availability Zone. */
  public readonly monitorDuration: Duration;

  /** Bake time after the first Availability Zone. */
  public readonly firstZoneMonitorDuration: Duration;

  /** The time to alarm the bake times were checked against (given or computed). */
  public readonly alarmTimeToFire: Duration;

  constructor(scope: Construct, id: string, props: ZonalDeploymentProps) {
    super(scope, id);

    if (props.autoScalingGroups.length === 0) {
      throw new Error('autoScalingGroups is empty: pass the Auto Scaling group of each Availability Zone.');
    }
    if (props.alarms.length > MAX_DEPLOYMENT_GROUP_ALARMS) {
      throw new Error(
        `alarms has ${props.alarms.length} alarms, but a CodeDeploy deployment group takes at most ` +
        `${MAX_DEPLOYMENT_GROUP_ALARMS}. Combine them into composite alarms (for example one per ` +
        'Availability Zone) and pass those.');
    }
    if (props.alarms.length === 0) {
      Annotations.of(this).addWarningV2('cdk-azi:ZonalDeployment.noAlarms',
        'alarms is empty: no alarm can stop or roll back a bad deployment, which then reaches every ' +
        'Availability Zone. Pass the per-zone alarms of the service.');
    }

    const fireSeconds = this.resolveTimeToFire(props);
    const delaySeconds = wholeSeconds(props.metricDelay ?? Duration.minutes(2), 'metricDelay');
    const requiredSeconds = fireSeconds + delaySeconds;
    const requiredText =
      `the alarms' time to fire plus the metric delay: ${fireSeconds} + ${delaySeconds} = ${describeSeconds(requiredSeconds)}`;

    let monitorSeconds = defaultBakeSeconds(requiredSeconds);
    if (props.monitorDuration !== undefined) {
      monitorSeconds = wholeSeconds(props.monitorDuration, 'monitorDuration');
      if (monitorSeconds <= requiredSeconds) {
        throw new Error(
          `monitorDuration of ${describeSeconds(monitorSeconds)} is not longer than ${requiredText}; ` +
          'the next Availability Zone would start before a bad zone can be noticed. Set monitorDuration ' +
          `to more than ${requiredSeconds} seconds, or leave it unset for the default of ` +
          `${describeSeconds(defaultBakeSeconds(requiredSeconds))}.`);
      }
    }
    let firstSeconds = 2 * monitorSeconds;
    if (props.firstZoneMonitorDuration !== undefined) {
      firstSeconds = wholeSeconds(props.firstZoneMonitorDuration, 'firstZoneMonitorDuration');
      if (firstSeconds < monitorSeconds) {
        throw new Error(
          `firstZoneMonitorDuration of ${describeSeconds(firstSeconds)} is shorter than monitorDuration of ` +
          `${describeSeconds(monitorSeconds)}. The first zone is the canary and should bake at least as long ` +
          'as the others: raise firstZoneMonitorDuration or leave it unset (twice monitorDuration).');
      }
    }
    this.checkTotalBake(props.autoScalingGroups.length, firstSeconds, monitorSeconds);

    this.alarmTimeToFire = Duration.seconds(fireSeconds);
    this.monitorDuration = Duration.seconds(monitorSeconds);
    this.firstZoneMonitorDuration = Duration.seconds(firstSeconds);

    this.application = props.application ?? new codedeploy.ServerApplication(this, 'Application');

    const config = new codedeploy.ServerDeploymentConfig(this, 'DeploymentConfig', {
      deploymentConfigName: props.deploymentConfigName,
      minimumHealthyHosts: props.minimumHealthyHosts ?? codedeploy.MinimumHealthyHosts.percentage(50),
      zonalConfig: {
        monitorDuration: this.monitorDuration,
        firstZoneMonitorDuration: this.firstZoneMonitorDuration,
        minimumHealthyHostsPerZone: props.minimumHealthyHostsPerZone ?? codedeploy.MinimumHealthyHostsPerZone.percentage(50),
      },
    });
    this.deploymentConfig = config;

    if (props.hostsPerZone !== undefined) {
      this.checkCapacity(config, props.hostsPerZone, props.autoScalingGroups.length);
    }

    const concreteGroups = props.autoScalingGroups.filter((asg) => asg instanceof autoscaling.AutoScalingGroup);
    const importedGroups = props.autoScalingGroups.filter((asg) => !(asg instanceof autoscaling.AutoScalingGroup));
    const installAgent = props.installAgent ?? true;
    if (installAgent && importedGroups.length > 0) {
      Annotations.of(this).addWarningV2('cdk-azi:ZonalDeployment.importedGroups',
        `${importedGroups.length} of ${props.autoScalingGroups.length} Auto Scaling groups are imported, and ` +
        'the CodeDeploy agent cannot be installed on imported groups from here. Make sure their instances ' +
        'already run the agent (for example from the AMI or the launch template).');
    }

    // aws-cdk-lib installs the agent on every group it is given and fails on imported ones (they
    // have no role to grant the agent bucket to). When both kinds are mixed, it gets the groups
    // defined here, and the full list is written to the template below.
    const mixed = installAgent && concreteGroups.length > 0 && importedGroups.length > 0;
    const deploymentGroup = new codedeploy.ServerDeploymentGroup(this, 'DeploymentGroup', {
      application: this.application,
      deploymentGroupName: props.deploymentGroupName,
      deploymentConfig: config,
      autoScalingGroups: mixed ? concreteGroups : props.autoScalingGroups,
      installAgent: installAgent && concreteGroups.length > 0,
      loadBalancers: [codedeploy.LoadBalancer.application(props.targetGroup)],
      alarms: props.alarms,
      autoRollback: {
        failedDeployment: true,
        // aws-cdk-lib rejects an alarm rollback without alarms.
        deploymentInAlarm: props.alarms.length > 0,
      },
    });
    if (mixed) {
      (deploymentGroup.node.defaultChild as codedeploy.CfnDeploymentGroup).addPropertyOverride(
        'AutoScalingGroups', props.autoScalingGroups.map((asg) => asg.autoScalingGroupName));
    }
    this.deploymentGroup = deploymentGroup;
  }

  private resolveTimeToFire(props: ZonalDeploymentProps): number {
    if (props.alarmTimeToFire !== undefined) {
      const given = wholeSeconds(props.alarmTimeToFire, 'alarmTimeToFire');
      for (const alarm of props.alarms) {
        const computed = inspectAlarmTimeToFire(alarm);
        if (computed !== undefined && computed > given) {
          Annotations.of(this).addWarningV2('cdk-azi:ZonalDeployment.alarmSlowerThanTimeToFire',
            `Alarm ${describeAlarm(alarm)} needs up to ${describeSeconds(computed)} to fire, longer than ` +
            `alarmTimeToFire of ${describeSeconds(given)}. Raise alarmTimeToFire so the bake time covers it.`);
        }
      }
      return given;
    }
    let longest = 0;
    for (const alarm of props.alarms) {
      const computed = inspectAlarmTimeToFire(alarm);
      if (computed === undefined) {
        throw new Error(
          `Cannot tell how long alarm ${describeAlarm(alarm)} needs to fire: only metric alarms defined in this app ` +
          'with a concrete period and evaluation periods can be inspected (not imported or composite alarms). ' +
          'Pass alarmTimeToFire, for example the detection construct\'s time to alarm.');
      }
      longest = Math.max(longest, computed);
    }
    return longest;
  }

  private checkTotalBake(zones: number, firstSeconds: number, monitorSeconds: number): void {
    if (zones < 2) {
      return;
    }
    // Bake times that certainly happen: after each zone but the last.
    const totalSeconds = firstSeconds + (zones - 2) * monitorSeconds;
    if (totalSeconds >= MAX_IN_PLACE_DEPLOYMENT_SECONDS) {
      throw new Error(
        `The bake times between ${zones} Availability Zones add up to ${describeSeconds(totalSeconds)}, but an ` +
        `in-place CodeDeploy deployment may run for at most ${describeSeconds(MAX_IN_PLACE_DEPLOYMENT_SECONDS)}. ` +
        'Shorten monitorDuration or firstZoneMonitorDuration.');
    }
  }

  private checkCapacity(config: codedeploy.ServerDeploymentConfig, hostsPerZone: number, zones: number): void {
    if (Token.isUnresolved(hostsPerZone)) {
      return;
    }
    if (!Number.isInteger(hostsPerZone) || hostsPerZone < 1) {
      throw new Error(`hostsPerZone must be a whole number of at least 1, got ${hostsPerZone}.`);
    }
    const cfn = config.node.defaultChild as codedeploy.CfnDeploymentConfig;
    const stack = Stack.of(this);
    const zonal = stack.resolve(cfn.zonalConfig) as { minimumHealthyHostsPerZone?: HealthyHostsSpec } | undefined;
    const perZone = zonal?.minimumHealthyHostsPerZone;
    if (perZone !== undefined && !Token.isUnresolved(perZone.value)) {
      checkSpecRange(perZone, 'minimumHealthyHostsPerZone');
      const { minimumHealthy, batchSize } = zoneCapacity(perZone, hostsPerZone);
      const setting = describeSpec(perZone);
      if (batchSize < 1) {
        throw new Error(
          `minimumHealthyHostsPerZone of ${setting} keeps ${minimumHealthy} of ${hostsPerZone} hosts in a zone ` +
          'healthy (percentages are rounded up to whole hosts), which leaves no host that can be deployed to. ' +
          'Lower minimumHealthyHostsPerZone or add hosts to each zone.');
      }
      if (minimumHealthy < 1) {
        throw new Error(
          `minimumHealthyHostsPerZone of ${setting} keeps ${minimumHealthy} of ${hostsPerZone} hosts in a zone ` +
          'healthy: a batch would take all of the zone\'s hosts out of service at once, and with cross-zone load ' +
          'balancing off the zone cannot borrow capacity from the others. Keep at least 1 host healthy per zone ' +
          `(for example MinimumHealthyHostsPerZone.count(1)) with at least 2 hosts per zone.`);
      }
    }
    const fleet = stack.resolve(cfn.minimumHealthyHosts) as HealthyHostsSpec | undefined;
    if (fleet !== undefined && !Token.isUnresolved(fleet.value)) {
      checkSpecRange(fleet, 'minimumHealthyHosts');
      const fleetHosts = hostsPerZone * zones;
      const { minimumHealthy, batchSize } = zoneCapacity(fleet, fleetHosts);
      if (batchSize < 1) {
        throw new Error(
          `minimumHealthyHosts of ${describeSpec(fleet)} keeps ${minimumHealthy} of ${fleetHosts} hosts ` +
          `(${zones} zones of ${hostsPerZone}) healthy, which leaves no host that can be deployed to. ` +
          'Lower minimumHealthyHosts.');
      }
    }
  }
}

function wholeSeconds(duration: Duration, name: string): number {
  const seconds = duration.toSeconds({ integral: false });
  if (Token.isUnresolved(seconds)) {
    throw new Error(`${name} must be a concrete duration, not a token: the bake times are checked when the app is synthesized.`);
  }
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw new Error(`${name} must be a whole, non-negative number of seconds, got ${duration.toHumanString()}.`);
  }
  return seconds;
}

function describeAlarm(alarm: cloudwatch.IAlarm): string {
  return Token.isUnresolved(alarm.alarmName) ? alarm.node.path : `'${alarm.alarmName}' (${alarm.node.path})`;
}

function checkSpecRange(spec: HealthyHostsSpec, name: string): void {
  const max = spec.type === 'FLEET_PERCENT' ? 100 : Infinity;
  if (spec.value < 0 || spec.value > max) {
    throw new Error(`${name} of ${describeSpec(spec)} is out of range: use a count of 0 or more, or a percentage from 0 to 100.`);
  }
}

function describeSpec(spec: HealthyHostsSpec): string {
  return spec.type === 'FLEET_PERCENT' ? `${spec.value}%` : `${spec.value} host${spec.value === 1 ? '' : 's'}`;
}
