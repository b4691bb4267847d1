import { App, Stack, aws_cloudwatch as cloudwatch, aws_ec2 as ec2, aws_elasticloadbalancingv2 as elbv2 } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ZonalAlarms } from '../lib/zonal-alarms';
import { ZonalDashboard } from '../lib/zonal-dashboard';
import { ZonalProbes } from '../lib/zonal-probes';

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

/** Turns an intrinsic into a plain marker string (`<Ref>` / `<LogicalId.Attr>`). */
function marker(part: any): string {
  if (part.Ref) {
    return `<${part.Ref}>`;
  }
  if (part['Fn::GetAtt']) {
    return `<${part['Fn::GetAtt'].join('.')}>`;
  }
  throw new Error(`unexpected intrinsic ${JSON.stringify(part)}`);
}

function synth(dashboardName?: string, withProbes = false) {
  const stack = new Stack(new App(), 'Stack');
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0 });
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true });
  const probes = withProbes ? new ZonalProbes(stack, 'Probes', { loadBalancer: alb, availabilityZones: ZONES }) : undefined;
  const alarms = new ZonalAlarms(stack, 'Alarms', { loadBalancer: alb, availabilityZones: ZONES, probes });
  new ZonalDashboard(stack, 'Dashboard', { zonalAlarms: alarms, dashboardName });
  const template = Template.fromStack(stack);
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const rawBody = dashboards[0].Properties.DashboardBody;
  const text = typeof rawBody === 'string' ? rawBody
    : (rawBody['Fn::Join'][1] as any[]).map((part) => (typeof part === 'string' ? part : marker(part))).join('');
  const body = JSON.parse(text) as { widgets: any[] };
  const id = (alarm: cloudwatch.Alarm | cloudwatch.CompositeAlarm) => stack.getLogicalId(alarm.node.defaultChild as cloudwatch.CfnAlarm);
  return { stack, alarms, template, dashboards, body, id };
}

function widget(body: { widgets: any[] }, title: string): any {
  const found = body.widgets.find((w) => w.properties.title === title);
  if (!found) {
    throw new Error(`no widget titled ${title}; have ${body.widgets.map((w) => w.properties.title).join(', ')}`);
  }
  return found;
}

/** The rows of a metric widget that are returned (drawn), not the hidden math members. */
function drawnLines(w: any): any[] {
  return w.properties.metrics.filter((row: any[]) => {
    const options = row[row.length - 1];
    return typeof options === 'object' && options.visible !== false;
  });
}

test('creates one dashboard with the given name', () => {
  const { dashboards } = synth('shop-zonal');
  expect(dashboards[0].Properties.DashboardName).toBe('shop-zonal');
});

test('the regional graphs come first', () => {
  const { body } = synth();
  expect(body.widgets.slice(0, 2).map((w) => w.properties.title)).toEqual(['Fault rate (%), all AZs', 'Target response time (s), all AZs']);
});

test('the regional graphs have no AvailabilityZone dimension', () => {
  const { body } = synth();
  for (const title of ['Fault rate (%), all AZs', 'Target response time (s), all AZs']) {
    const metrics = JSON.stringify(widget(body, title).properties.metrics);
    expect(metrics).toContain('LoadBalancer');
    expect(metrics).not.toContain('AvailabilityZone');
  }
});

test('the per-AZ fault rate graph has one expression line per AZ, labelled with the AZ', () => {
  const { body } = synth();
  const lines = drawnLines(widget(body, 'Fault rate (%) per AZ'));
  expect(lines.map((row) => row[row.length - 1].label)).toEqual(ZONES);
  for (const row of lines) {
    expect(row[row.length - 1].expression).toMatch(/^IF\(MAX\(\[requests_z\d, elbFaults_z\d\]\) >= 20, 100 \* SUM\(\[FILL\(targetFaults_z\d, 0\), FILL\(elbFaults_z\d, 0\)\]\)/);
  }
});

test('the per-AZ latency graph has one p99 line per AZ, each with its AZ dimension', () => {
  const { body } = synth();
  const rows: any[][] = widget(body, 'Target response time (s) per AZ').properties.metrics;
  expect(rows).toHaveLength(ZONES.length);
  rows.forEach((row, i) => {
    expect(row.slice(0, 2)).toEqual(['AWS/ApplicationELB', 'TargetResponseTime']);
    expect(row).toEqual(expect.arrayContaining(['AvailabilityZone', ZONES[i]]));
    expect(row[row.length - 1]).toMatchObject({ stat: 'p99', label: ZONES[i] });
  });
});

test('the per-AZ graphs sit side by side after the regional ones', () => {
  const { body } = synth();
  const perAz = ['Fault rate (%) per AZ', 'Target response time (s) per AZ'].map((title) => widget(body, title));
  expect(perAz[0].y).toBe(perAz[1].y);
  expect(perAz[0].y).toBeGreaterThan(widget(body, 'Fault rate (%), all AZs').y);
});

test('the graphs carry the alarm thresholds as annotations', () => {
  const { body } = synth();
  for (const title of ['Fault rate (%), all AZs', 'Fault rate (%) per AZ', 'Target response time (s), all AZs', 'Target response time (s) per AZ']) {
    expect([title, widget(body, title).properties.annotations.horizontal[0].value]).toEqual([title, 1]);
  }
});

test('the alarm status widget shows the regional, isolated and impaired alarms', () => {
  const { body, alarms, id } = synth();
  const shown: string[] = widget(body, 'Zonal alarms').properties.alarms;
  const expected = [
    alarms.regionalImpactAlarm,
    ...alarms.zones.map((z) => z.isolatedImpactAlarm),
    ...alarms.zones.map((z) => z.impairedAlarm),
  ].map((alarm) => `<${id(alarm)}.Arn>`);
  expect(shown).toEqual(expected);
});

test('adds no alarms of its own', () => {
  const { template, alarms } = synth();
  // Availability, latency and outlier per AZ, all from ZonalAlarms.
  expect(alarms.zones.every((zone) => zone.outlierAlarm !== undefined)).toBe(true);
  template.resourceCountIs('AWS::CloudWatch::Alarm', 3 * ZONES.length);
  template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 2 * ZONES.length + 1);
});

test('without probes there are no probe graphs', () => {
  const { body } = synth();
  expect(body.widgets.some((w) => /^Probe/.test(w.properties.title ?? ''))).toBe(false);
});

describe('with probes', () => {
  test('probe fault rate and latency per AZ sit side by side right under the regional graphs', () => {
    const { body } = synth(undefined, true);
    const titles = body.widgets.map((w) => w.properties.title);
    expect(titles.slice(0, 4)).toEqual([
      'Fault rate (%), all AZs', 'Target response time (s), all AZs',
      'Probe fault rate (%) per AZ, zonal endpoints', 'Probe latency (s, median) per AZ, zonal endpoints',
    ]);
    const [fault, latency] = [titles[2], titles[3]].map((title) => widget(body, title));
    expect(fault.y).toBe(latency.y);
    expect(fault.y).toBeGreaterThan(widget(body, 'Fault rate (%), all AZs').y);
    expect(fault.y).toBeLessThan(widget(body, 'Fault rate (%) per AZ').y);
  });

  test('one probe line per AZ with the AZ dimension, the 10 s period and the alarm thresholds', () => {
    const { body } = synth(undefined, true);
    for (const [title, metric, stat, threshold] of [
      ['Probe fault rate (%) per AZ, zonal endpoints', 'FaultRate', 'Average', 50],
      ['Probe latency (s, median) per AZ, zonal endpoints', 'Latency', 'p50', 1],
    ] as const) {
      const w = widget(body, title);
      const rows: any[][] = w.properties.metrics;
      expect(rows).toHaveLength(ZONES.length);
      rows.forEach((row, i) => {
        expect(row.slice(0, 2)).toEqual(['CdkAzi/Probes', metric]);
        expect(row).toEqual(expect.arrayContaining(['AvailabilityZone', ZONES[i]]));
        // Average is the dashboard's default statistic and is not rendered.
        expect(row[row.length - 1].stat ?? 'Average').toBe(stat);
        expect(row[row.length - 1].period).toBe(10);
      });
      expect(w.properties.annotations.horizontal[0].value).toBe(threshold);
    }
  });

  test('the alarm status widget adds every AZ\'s probe alarms', () => {
    const { body, alarms, id } = synth(undefined, true);
    const shown: string[] = widget(body, 'Zonal alarms').properties.alarms;
    const probeAlarms = alarms.zones.flatMap((zone) => [zone.probeAvailabilityAlarm!, zone.probeLatencyAlarm!]).map((alarm) => `<${id(alarm)}.Arn>`);
    expect(shown.slice(-probeAlarms.length)).toEqual(probeAlarms);
  });
});
