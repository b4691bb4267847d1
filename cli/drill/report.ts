import type { DrillReport, DrillZone } from '../../lambda/zonal-shift/drill';

/** Lays rows out in columns, two spaces apart, the last column unpadded. */
function columns(rows: string[][]): string[] {
  const widths = rows[0].map((_, index) => Math.max(...rows.map((row) => row[index].length)));
  return rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]))).join('  ').trimEnd());
}

/** The state of the zone's isolated-impact alarm(s), or of the alarms that name it. */
function impactState(zone: DrillZone): string {
  const states = [...new Set(zone.alarms.filter((alarm) => alarm.role === 'isolated-impact').map((alarm) => alarm.state))];
  return states.join('/') || '-';
}

/** The active shifts away from this zone, by kind. */
function shiftsHere(zone: DrillZone): string {
  const here = zone.shifts.filter((shift) => shift.awayFrom === zone.availabilityZoneId);
  if (here.length === 0) {
    return 'none';
  }
  return here.map((shift) => {
    const expiry = shift.expiryTime === undefined ? '' : ` until ${new Date(shift.expiryTime * 1000).toISOString().slice(11, 16)}Z`;
    return `${shift.kind}${shift.zonalShiftId ? ` ${shift.zonalShiftId}` : ''}${expiry}`;
  }).join(', ');
}

/**
 * Whether a report shows a function that could act: not refused, no problem of the function or of
 * a zone, at least one zone. Computed here, not taken from the report's own `ready`.
 */
export function isReady(report: DrillReport): boolean {
  return !report.refused
    && (report.problems ?? []).length === 0
    && report.zones.length > 0
    && report.zones.every((zone) => zone.problems.length === 0);
}

function formatOne(report: DrillReport): string[] {
  const lines = [`function  ${report.functionArn ?? '-'}`];
  if (report.refused) {
    lines.push(`REFUSED   ${report.refused}`);
    return lines;
  }
  lines.push(`caller    ${report.caller ?? '-'}`);
  if (report.dryRun) {
    lines.push('mode      dry-run: in an incident the function would log its decisions and shift nothing');
  }
  for (const problem of report.problems ?? []) {
    lines.push(`problem   ${problem}`);
  }
  lines.push('');
  const rows = [['ZONE', 'AZ ID', 'ALARMS', 'IMPACT ALARM', 'SHIFTED AWAY', 'WOULD']];
  for (const zone of report.zones) {
    const found = zone.alarms.filter((alarm) => alarm.state !== 'MISSING' && alarm.state !== 'UNREAD').length;
    rows.push([zone.availabilityZone, zone.availabilityZoneId || 'NONE', `${found}/${zone.alarms.length}`, impactState(zone), shiftsHere(zone), zone.decision]);
  }
  lines.push(...columns(rows), '');
  for (const zone of report.zones) {
    lines.push(`${zone.availabilityZone}  ${zone.decision}: ${zone.reason}`);
    for (const problem of zone.problems) {
      lines.push(`  problem: ${problem}`);
    }
  }
  return lines;
}

/** The drill's reports as the command prints them, with a verdict at the end. */
export function formatReport(stack: string, region: string, reports: DrillReport[]): string {
  const lines = [`cdk-azi drill: ${stack} (${region}); reads only, no zonal shift was started, changed or ended`, ''];
  for (const report of reports) {
    lines.push(...formatOne(report), '');
  }
  const zones = reports.flatMap((report) => report.zones);
  const problems = zones.reduce((sum, zone) => sum + zone.problems.length, 0);
  const functionProblems = reports.reduce((sum, report) => sum + (report.problems ?? []).length, 0);
  const refused = reports.filter((report) => report.refused).length;
  if (reports.every(isReady)) {
    lines.push(`ready: ${zones.length} zone(s) read and decided without a problem`);
  } else {
    const parts = [];
    if (refused > 0) {
      parts.push(`${refused} function(s) refused the drill`);
    }
    if (functionProblems > 0) {
      parts.push(`${functionProblems} problem(s) of the function`);
    }
    if (problems > 0) {
      parts.push(`${problems} problem(s) in ${zones.filter((zone) => zone.problems.length > 0).length} of ${zones.length} zone(s)`);
    }
    if (parts.length === 0) {
      parts.push('no zone was drilled');
    }
    lines.push(`NOT READY: ${parts.join('; ')}`);
  }
  return lines.join('\n');
}
