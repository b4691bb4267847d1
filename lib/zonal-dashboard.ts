import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { ZonalAlarms } from './zonal-alarms';

/**
 * Properties of `ZonalDashboard`.
 */
export interface ZonalDashboardProps {
  /** The detection whose metrics and alarms the dashboard shows. */
  readonly zonalAlarms: ZonalAlarms;

  /**
   * Name of the dashboard.
   *
   * @default - CloudFormation generates the name
   */
  readonly dashboardName?: string;
}

/**
 * A CloudWatch dashboard for a zonal service: regional availability and
 * latency first; with probes, the probes' per-AZ availability and latency
 * side by side right under them (what each AZ's zonal endpoint answers, even
 * while traffic is shifted away); then the load balancer's per-AZ signals
 * with one line per AZ (so a bad AZ stands out against the others); then the
 * state of the regional-impact, isolated-impact, impaired and probe alarms.
 *
 * Every metric comes from `ZonalAlarms`; the dashboard defines none itself.
 */
export class ZonalDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ZonalDashboardProps) {
    super(scope, id);
    const alarms = props.zonalAlarms;
    const first = alarms.zones[0];
    const faultRateThreshold = first.availabilityAlarm.toAnnotation();
    const latencyThreshold = first.latencyAlarm.toAnnotation();

    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      dashboardName: props.dashboardName,
    });

    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Fault rate (%), all AZs',
        left: [alarms.metricFaultRate()],
        leftAnnotations: [faultRateThreshold],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Target response time (s), all AZs',
        left: [alarms.metricLatency()],
        leftAnnotations: [latencyThreshold],
        width: 12,
      }),
    );

    const probeAlarms = alarms.zones.flatMap((zone) => zone.recoveryAlarms);
    if (alarms.probes) {
      const probed = alarms.zones[0];
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'Probe fault rate (%) per AZ, zonal endpoints',
          left: alarms.availabilityZones.map((az) => alarms.metricProbeFaultRate(az)),
          leftAnnotations: probed.probeAvailabilityAlarm ? [probed.probeAvailabilityAlarm.toAnnotation()] : [],
          leftYAxis: { min: 0, max: 100 },
          width: 12,
        }),
        new cloudwatch.GraphWidget({
          title: 'Probe latency (s, median) per AZ, zonal endpoints',
          left: alarms.availabilityZones.map((az) => alarms.metricProbeLatency(az)),
          leftAnnotations: probed.probeLatencyAlarm ? [probed.probeLatencyAlarm.toAnnotation()] : [],
          width: 12,
        }),
      );
    }

    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Fault rate (%) per AZ',
        left: alarms.availabilityZones.map((az) => alarms.metricFaultRate(az)),
        leftAnnotations: [faultRateThreshold],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Target response time (s) per AZ',
        left: alarms.availabilityZones.map((az) => alarms.metricLatency(az)),
        leftAnnotations: [latencyThreshold],
        width: 12,
      }),
    );

    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Zonal alarms',
        alarms: [
          alarms.regionalImpactAlarm,
          ...alarms.zones.map((zone) => zone.isolatedImpactAlarm),
          ...alarms.zones.map((zone) => zone.impairedAlarm),
          ...probeAlarms,
        ],
        width: 24,
      }),
    );
  }
}
