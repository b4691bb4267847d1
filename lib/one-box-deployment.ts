import {
  Annotations,
  aws_autoscaling as autoscaling,
  aws_cloudwatch as cloudwatch,
  aws_codedeploy as codedeploy,
  aws_elasticloadbalancingv2 as elbv2,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** Most alarms a deployment group's alarm configuration takes (CodeDeploy API reference). */
const MAX_ALARMS = 10;

/**
 * Properties of a {@link OneBoxDeployment}.
 */
export interface OneBoxDeploymentProps {
  /** The one-box Auto Scaling group, for example `ZonalFleet.oneBoxGroup`. */
  readonly autoScalingGroup: autoscaling.IAutoScalingGroup;

  /** The target group the one-box host serves in; CodeDeploy takes the host out of it while it is updated. */
  readonly targetGroup: elbv2.IApplicationTargetGroup;

  /** Alarms that stop and roll back the one-box deployment. At most 10. */
  readonly alarms: cloudwatch.IAlarm[];

  /**
   * The CodeDeploy application, normally the one of the location's zonal deployment.
   *
   * @default - a new server application
   */
  readonly application?: codedeploy.IServerApplication;

  /**
   * Install the CodeDeploy agent on the group (only for a group defined in this app).
   *
   * @default true
   */
  readonly installAgent?: boolean;
}

/**
 * The deployment group of a one-box host: one instance, deployed all at once with traffic
 * control, rolled back on failure and on alarm. The deployment pipeline's one-box wave deploys
 * here before any other production host gets the revision.
 */
export class OneBoxDeployment extends Construct {
  /** The one-box deployment group. */
  public readonly deploymentGroup: codedeploy.IServerDeploymentGroup;

  constructor(scope: Construct, id: string, props: OneBoxDeploymentProps) {
    super(scope, id);
    if (props.alarms.length > MAX_ALARMS) {
      throw new Error(
        `alarms has ${props.alarms.length} alarms, but a CodeDeploy deployment group takes at most ${MAX_ALARMS}. ` +
        'Pass a composite alarm of them instead.');
    }
    if (props.alarms.length === 0) {
      Annotations.of(this).addWarningV2('cdk-azi:OneBoxDeployment.noAlarms',
        'alarms is empty: nothing stops or rolls back a bad one-box deployment but a failed deployment itself.');
    }
    const concrete = props.autoScalingGroup instanceof autoscaling.AutoScalingGroup;
    this.deploymentGroup = new codedeploy.ServerDeploymentGroup(this, 'DeploymentGroup', {
      application: props.application,
      autoScalingGroups: [props.autoScalingGroup],
      installAgent: (props.installAgent ?? true) && concrete,
      // One host: all at once is one at a time.
      deploymentConfig: codedeploy.ServerDeploymentConfig.ALL_AT_ONCE,
      loadBalancers: [codedeploy.LoadBalancer.application(props.targetGroup)],
      alarms: props.alarms,
      autoRollback: { failedDeployment: true, deploymentInAlarm: props.alarms.length > 0 },
    });
  }
}
