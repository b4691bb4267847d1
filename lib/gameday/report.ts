import { GamedayResult, Span, clockOf } from './simulator';

function duration(seconds: number | undefined): string {
  if (seconds === undefined) {
    return '-';
  }
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return s ? `${m} min ${s} s` : `${m} min`;
}

/** The timeline and the verdict as text. */
export function formatText(result: GamedayResult): string {
  const lines: string[] = [];
  const { scenario, verdict } = result;
  lines.push(`game day: ${scenario.name} on ${result.stack} (${result.availabilityZones.join(', ')})`);
  if (scenario.description) {
    lines.push(`  ${scenario.description}`);
  }
  lines.push(`  ${scenario.requestsPerMinute} requests/min, ALB metrics after ${scenario.albDelaySeconds}s, ${result.probeMetrics ? `${result.probeMetrics} probe metrics after ${scenario.probeDelaySeconds}s` : 'no probe metrics in the alarms'}, drain ${scenario.drainSeconds}s`);
  lines.push('');
  for (const entry of result.timeline) {
    lines.push(`${clockOf(result, entry.t)}  ${entry.kind.padEnd(14)} ${entry.text}`);
  }
  lines.push('');
  lines.push('verdict');
  lines.push(`  time to detect:    ${duration(verdict.timeToDetect)}`);
  lines.push(`  time to mitigate:  ${duration(verdict.timeToMitigate)}${verdict.mitigatedBy !== 'not needed' ? ` (${verdict.mitigatedBy})` : ' (no customer impact)'}`);
  lines.push(`  error minutes:     ${verdict.errorMinutes} (regional availability below 99.9 %), ${verdict.failedRequests} failed requests`);
  lines.push(`  zonal shifts:      ${verdict.shiftsStarted}`);
  if (verdict.deployment) {
    lines.push(`  deployment:        ${verdict.deployment}`);
  }
  lines.push(`  wrong actions:     ${verdict.wrongActions.length || 'none'}`);
  for (const wrong of verdict.wrongActions) {
    lines.push(`    - ${wrong}`);
  }
  return lines.join('\n');
}

/** The result for machines. */
export function formatJson(result: GamedayResult): string {
  return JSON.stringify({
    stack: result.stack,
    scenario: result.scenario,
    availabilityZones: result.availabilityZones,
    timeline: result.timeline.map((e) => ({ ...e, time: clockOf(result, e.t) })),
    verdict: result.verdict,
    shifts: result.shifts,
    alarms: result.alarmSpans,
    minutes: result.minutes,
  }, null, 2);
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The article's dashboard as SVG: regional availability on top, each AZ's below (customer
 * availability as a line, probe availability dashed), shift periods shaded blue and alarm
 * periods red.
 */
export function formatSvg(result: GamedayResult): string {
  const width = 900;
  const panel = 120;
  const gap = 30;
  const left = 60;
  const right = 20;
  const plotWidth = width - left - right;
  const duration = result.scenario.durationSeconds;
  const x = (t: number) => left + (Math.max(0, Math.min(duration, t)) / duration) * plotWidth;
  const panels = ['regional', ...result.availabilityZones];
  const height = panels.length * (panel + gap) + 30;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  panels.forEach((name, index) => {
    const top = 20 + index * (panel + gap);
    // Availability from 90 % to 100 %.
    const y = (a: number) => top + (1 - Math.max(0, (a - 0.9) / 0.1)) * panel;
    out.push(`<text x="${left}" y="${top - 5}" font-weight="bold">${escape(index === 0 ? 'regional endpoint availability' : `${name} availability`)}</text>`);
    const shade = (spans: Span[], color: string) => spans.filter((s) => s.az === name).forEach((s) => {
      out.push(`<rect x="${x(s.start).toFixed(1)}" y="${top}" width="${Math.max(1, x(s.end) - x(s.start)).toFixed(1)}" height="${panel}" fill="${color}" fill-opacity="0.18"><title>${escape(s.label)}</title></rect>`);
    });
    if (index > 0) {
      shade(result.alarmSpans.filter((s) => /isolated|impaired/.test(s.label) || result.alarmSpans.length < 20), '#d62728');
      shade(result.shifts, '#1f77b4');
    }
    out.push(`<rect x="${left}" y="${top}" width="${plotWidth}" height="${panel}" fill="none" stroke="#999"/>`);
    for (const level of [0.9, 0.95, 0.99, 1]) {
      out.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${y(level).toFixed(1)}" y2="${y(level).toFixed(1)}" stroke="#eee"/>`);
      out.push(`<text x="${left - 5}" y="${(y(level) + 4).toFixed(1)}" text-anchor="end">${Math.round(level * 100)}%</text>`);
    }
    const series = (values: number[], style: string) => {
      const points = result.minutes.map((m, i) => `${x(m.t + 30).toFixed(1)},${y(values[i]).toFixed(1)}`).join(' ');
      out.push(`<polyline points="${points}" fill="none" ${style}/>`);
    };
    if (index === 0) {
      series(result.minutes.map((m) => m.regional), 'stroke="#2ca02c" stroke-width="2"');
    } else {
      series(result.minutes.map((m) => m.az[index - 1]), 'stroke="#2ca02c" stroke-width="2"');
      series(result.minutes.map((m) => m.probe[index - 1]), 'stroke="#555" stroke-width="1" stroke-dasharray="4 3"');
    }
    for (let t = 0; t <= duration; t += Math.max(300, Math.round(duration / 12 / 300) * 300)) {
      out.push(`<text x="${x(t).toFixed(1)}" y="${top + panel + 13}" text-anchor="middle">${clockOf(result, t).slice(0, 5)}</text>`);
    }
  });
  out.push(`<text x="${left}" y="${height - 6}">green: customer availability; dashed: probes; red: alarm in ALARM; blue: zonal shift away from the AZ</text>`);
  out.push('</svg>');
  return out.join('\n');
}
