import { existsSync, readFileSync } from 'node:fs';
import { DeploymentSpec } from './deployment';
import { GamedayInputError } from './errors';

/** One impairment of one AZ over a time window. */
export interface ScenarioEvent {
  /** The AZ: its index in the stack's sorted AZ names (0 = first) or its name. */
  readonly az: number | string;
  /** Seconds after the start. */
  readonly start: number;
  /** Seconds after the start; unset: until the end. */
  readonly end?: number;
  /** Share of requests the targets answer with 5XX (0..1). */
  readonly errorRate: number;
  /** Share of requests the load balancer rejects with 5XX before reaching a target (0..1). */
  readonly lbErrorRate: number;
  /** Response time of the affected requests, seconds. */
  readonly latencySeconds?: number;
  /** Share of requests that get `latencySeconds` (0..1). */
  readonly latencyFraction: number;
  /** `service`: customers and probes see it; `probe`: only the AZ's probes fail. */
  readonly side: 'service' | 'probe';
  /** On for `on` seconds, off for `off` seconds, repeating from `start`. */
  readonly cycle?: { readonly on: number; readonly off: number };
  readonly label: string;
}

/** A game-day scenario. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly durationSeconds: number;
  readonly requestsPerMinute: number;
  /** Delay before an ALB datapoint is visible to alarms, seconds. */
  readonly albDelaySeconds: number;
  /** Delay before a probe datapoint is visible to alarms, seconds. */
  readonly probeDelaySeconds: number;
  /** Probe requests per AZ every 10 seconds. */
  readonly probesPer10Seconds: number;
  /** Seconds a zonal shift takes to move an AZ's traffic away (and back). */
  readonly drainSeconds: number;
  /** Wall-clock time of the start, `HH:MM` (UTC), for the timeline. */
  readonly clockStart: string;
  readonly events: ScenarioEvent[];
  /** A CodeDeploy zonal deployment of a revision during the scenario. */
  readonly deployment?: DeploymentSpec;
  /** Whether the scenario impairs two or more AZs for customers (a regional event). */
  readonly regional: boolean;
}

const DEFAULTS = {
  durationSeconds: 3600,
  requestsPerMinute: 6000,
  albDelaySeconds: 90,
  probeDelaySeconds: 20,
  probesPer10Seconds: 6,
  drainSeconds: 60,
  clockStart: '10:30',
};

type EventInput = Partial<Omit<ScenarioEvent, 'start' | 'end' | 'cycle'>> & { start: string | number; end?: string | number; cycle?: { on: string | number; off: string | number } };

interface ScenarioInput {
  name: string;
  description: string;
  duration?: string | number;
  requestsPerMinute?: number;
  albDelay?: string | number;
  probeDelay?: string | number;
  probesPer10Seconds?: number;
  drain?: string | number;
  clockStart?: string;
  events: EventInput[];
  deployment?: { start: string | number; errorRate: number; zoneTime?: string | number; rollbackTime?: string | number };
}

const BUILT_IN: ScenarioInput[] = [
  {
    name: 'az-failure',
    description: 'The first AZ fails completely at 5 min (the load balancer answers 503) and comes back at 35 min.',
    events: [{ az: 0, start: '5m', end: '35m', lbErrorRate: 1, label: 'AZ down: every request fails' }],
  },
  {
    name: 'gray-failure',
    description: '2 % of requests fail in the first AZ from 5 min to 45 min.',
    events: [{ az: 0, start: '5m', end: '45m', errorRate: 0.02, label: '2 % errors' }],
  },
  {
    name: 'latency',
    description: 'Requests in the first AZ take 3 s (5 % of them) from 5 min to 40 min.',
    events: [{ az: 0, start: '5m', end: '40m', latencySeconds: 3, latencyFraction: 0.05, label: '5 % of requests take 3 s' }],
  },
  {
    name: 'bad-deployment',
    description: "A zonal deployment's bad revision (20 % errors) reaches the first AZ at 10:38, as in the zonal deployment article; the deployment group's alarms stop it and roll it back.",
    events: [],
    deployment: { start: '8m', errorRate: 0.2, zoneTime: '2m', rollbackTime: '15m' },
  },
  {
    name: 'regional',
    description: 'Two AZs fail together (a regional event) from 5 min to 30 min: nothing must shift.',
    events: [
      { az: 0, start: '5m', end: '30m', errorRate: 0.1, label: '10 % errors' },
      { az: 1, start: '5m', end: '30m', errorRate: 0.1, label: '10 % errors' },
    ],
  },
  {
    name: 'intermittent',
    description: 'The first AZ fails (30 % errors) for 3 minutes in every 6 from 5 min to 50 min.',
    events: [{ az: 0, start: '5m', end: '50m', errorRate: 0.3, cycle: { on: '3m', off: '3m' }, label: '30 % errors, 3 min on / 3 min off' }],
  },
  {
    name: 'probe-failure',
    description: "The first AZ's probes fail from 5 min to 30 min while customers are fine.",
    events: [{ az: 0, start: '5m', end: '30m', errorRate: 1, side: 'probe', label: 'probe runner cannot reach the AZ' }],
  },
  {
    name: 'recovery',
    description: 'The first AZ fails (50 % errors) at 5 min and recovers at 20 min; the shift must end after, not before, the recovery.',
    events: [{ az: 0, start: '5m', end: '20m', errorRate: 0.5, label: '50 % errors' }],
  },
];

/** Names of the built-in scenarios. */
export const BUILT_IN_SCENARIOS = BUILT_IN.map((s) => s.name);

/** One-line descriptions of the built-in scenarios. */
export function describeBuiltIns(): Array<[string, string]> {
  return BUILT_IN.map((s) => [s.name, s.description]);
}

/** Parses `90`, `90s`, `5m`, `1h` into seconds; throws naming `where`. */
export function parseDuration(value: unknown, where: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
    return value;
  }
  const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(value.trim()) : null;
  if (!match) {
    throw new GamedayInputError(`${where}: '${String(value)}' is not a duration; write seconds or a number with s, m or h (e.g. 90s, 5m, 1h)`);
  }
  const unit = match[2] === 'h' ? 3600 : match[2] === 'm' ? 60 : 1;
  return Number(match[1]) * unit;
}

function rate(value: unknown, where: string): number {
  if (value === undefined) {
    return 0;
  }
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new GamedayInputError(`${where}: '${String(value)}' must be a number from 0 to 1 (a share of requests, 0.02 = 2 %)`);
  }
  return value;
}

const EVENT_KEYS = ['az', 'start', 'end', 'errorRate', 'lbErrorRate', 'latencySeconds', 'latencyFraction', 'side', 'cycle', 'label'];
const SCENARIO_KEYS = ['name', 'description', 'duration', 'requestsPerMinute', 'albDelay', 'probeDelay', 'probesPer10Seconds', 'drain', 'clockStart', 'events', 'deployment'];
const DEPLOYMENT_KEYS = ['start', 'errorRate', 'zoneTime', 'rollbackTime'];

/** Validates a scenario object (from a built-in or a user's JSON file). */
export function buildScenario(input: unknown, source: string): Scenario {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new GamedayInputError(`${source}: a scenario is a JSON object with name, description and events`);
  }
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!SCENARIO_KEYS.includes(key)) {
      throw new GamedayInputError(`${source}: unknown field '${key}'; allowed: ${SCENARIO_KEYS.join(', ')}`);
    }
  }
  const name = typeof raw.name === 'string' && raw.name.trim() ? raw.name.trim() : undefined;
  if (!name) {
    throw new GamedayInputError(`${source}: 'name' must be a non-empty string`);
  }
  const durationSeconds = raw.duration === undefined ? DEFAULTS.durationSeconds : parseDuration(raw.duration, `${source}: duration`);
  if (durationSeconds < 60 || durationSeconds > 24 * 3600) {
    throw new GamedayInputError(`${source}: duration ${durationSeconds}s must be from 1m to 24h`);
  }
  const requestsPerMinute = raw.requestsPerMinute ?? DEFAULTS.requestsPerMinute;
  if (typeof requestsPerMinute !== 'number' || !(requestsPerMinute > 0)) {
    throw new GamedayInputError(`${source}: requestsPerMinute '${String(requestsPerMinute)}' must be a positive number`);
  }
  const probesPer10Seconds = raw.probesPer10Seconds ?? DEFAULTS.probesPer10Seconds;
  if (typeof probesPer10Seconds !== 'number' || !(probesPer10Seconds > 0)) {
    throw new GamedayInputError(`${source}: probesPer10Seconds '${String(probesPer10Seconds)}' must be a positive number`);
  }
  const clockStart = raw.clockStart ?? DEFAULTS.clockStart;
  if (typeof clockStart !== 'string' || !/^([01]\d|2[0-3]):[0-5]\d$/.test(clockStart)) {
    throw new GamedayInputError(`${source}: clockStart '${String(clockStart)}' must be HH:MM`);
  }
  let deployment: DeploymentSpec | undefined;
  if (raw.deployment !== undefined) {
    const d = raw.deployment as Record<string, unknown>;
    if (typeof d !== 'object' || d === null || Array.isArray(d)) {
      throw new GamedayInputError(`${source}: deployment must be an object like { "start": "8m", "errorRate": 0.2 }`);
    }
    for (const key of Object.keys(d)) {
      if (!DEPLOYMENT_KEYS.includes(key)) {
        throw new GamedayInputError(`${source}: deployment: unknown field '${key}'; allowed: ${DEPLOYMENT_KEYS.join(', ')}`);
      }
    }
    if (d.start === undefined) {
      throw new GamedayInputError(`${source}: deployment.start is required (e.g. "8m")`);
    }
    deployment = {
      start: parseDuration(d.start, `${source}: deployment.start`),
      errorRate: rate(d.errorRate, `${source}: deployment.errorRate`),
      zoneSeconds: d.zoneTime === undefined ? 120 : parseDuration(d.zoneTime, `${source}: deployment.zoneTime`),
      rollbackSeconds: d.rollbackTime === undefined ? 900 : parseDuration(d.rollbackTime, `${source}: deployment.rollbackTime`),
    };
    if (deployment.zoneSeconds < 10 || deployment.rollbackSeconds < 10) {
      throw new GamedayInputError(`${source}: deployment.zoneTime and deployment.rollbackTime must be at least 10s`);
    }
  }
  if (!Array.isArray(raw.events) || (raw.events.length === 0 && !deployment)) {
    throw new GamedayInputError(`${source}: 'events' must be a non-empty array of AZ impairments (or give a deployment)`);
  }
  const events = raw.events.map((value, index) => {
    const where = `${source}: events[${index}]`;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new GamedayInputError(`${where} must be an object with az and start`);
    }
    const event = value as Record<string, unknown>;
    for (const key of Object.keys(event)) {
      if (!EVENT_KEYS.includes(key)) {
        throw new GamedayInputError(`${where}: unknown field '${key}'; allowed: ${EVENT_KEYS.join(', ')}`);
      }
    }
    const az = event.az;
    if (!(typeof az === 'string' && az.trim()) && !(typeof az === 'number' && Number.isInteger(az) && az >= 0)) {
      throw new GamedayInputError(`${where}: az '${String(az)}' must be an AZ index (0, 1, ...) or an AZ name`);
    }
    if (event.start === undefined) {
      throw new GamedayInputError(`${where}: 'start' is required (e.g. "5m")`);
    }
    const start = parseDuration(event.start, `${where}.start`);
    const end = event.end === undefined ? undefined : parseDuration(event.end, `${where}.end`);
    if (end !== undefined && end <= start) {
      throw new GamedayInputError(`${where}: end ${end}s must be after start ${start}s`);
    }
    const side = event.side ?? 'service';
    if (side !== 'service' && side !== 'probe') {
      throw new GamedayInputError(`${where}: side '${String(side)}' must be 'service' or 'probe'`);
    }
    let latencySeconds: number | undefined;
    if (event.latencySeconds !== undefined) {
      if (typeof event.latencySeconds !== 'number' || !(event.latencySeconds > 0)) {
        throw new GamedayInputError(`${where}: latencySeconds '${String(event.latencySeconds)}' must be a positive number of seconds`);
      }
      latencySeconds = event.latencySeconds;
    }
    let cycle: { on: number; off: number } | undefined;
    if (event.cycle !== undefined) {
      const c = event.cycle as Record<string, unknown>;
      if (typeof c !== 'object' || c === null || c.on === undefined || c.off === undefined) {
        throw new GamedayInputError(`${where}: cycle must be { "on": "3m", "off": "3m" }`);
      }
      cycle = { on: parseDuration(c.on, `${where}.cycle.on`), off: parseDuration(c.off, `${where}.cycle.off`) };
      if (cycle.on <= 0) {
        throw new GamedayInputError(`${where}: cycle.on must be longer than 0s`);
      }
    }
    const errorRate = rate(event.errorRate, `${where}.errorRate`);
    const lbErrorRate = rate(event.lbErrorRate, `${where}.lbErrorRate`);
    const latencyFraction = event.latencyFraction === undefined ? (latencySeconds ? 1 : 0) : rate(event.latencyFraction, `${where}.latencyFraction`);
    if (errorRate === 0 && lbErrorRate === 0 && !latencySeconds) {
      throw new GamedayInputError(`${where}: the event changes nothing; give errorRate, lbErrorRate or latencySeconds`);
    }
    const label = typeof event.label === 'string' ? event.label : [
      errorRate ? `${errorRate * 100} % errors` : '', lbErrorRate ? `${lbErrorRate * 100} % rejected` : '',
      latencySeconds ? `${latencyFraction * 100} % take ${latencySeconds} s` : '',
    ].filter(Boolean).join(', ');
    return { az: az as number | string, start, end, errorRate, lbErrorRate, latencySeconds, latencyFraction, side, cycle, label } as ScenarioEvent;
  });
  const serviceAzs = new Set(events.filter((e) => e.side === 'service').map((e) => String(e.az)));
  return {
    name,
    description: typeof raw.description === 'string' ? raw.description : '',
    durationSeconds,
    requestsPerMinute,
    albDelaySeconds: raw.albDelay === undefined ? DEFAULTS.albDelaySeconds : parseDuration(raw.albDelay, `${source}: albDelay`),
    probeDelaySeconds: raw.probeDelay === undefined ? DEFAULTS.probeDelaySeconds : parseDuration(raw.probeDelay, `${source}: probeDelay`),
    probesPer10Seconds,
    drainSeconds: raw.drain === undefined ? DEFAULTS.drainSeconds : parseDuration(raw.drain, `${source}: drain`),
    clockStart,
    events,
    deployment,
    regional: serviceAzs.size >= 2,
  };
}

/** A built-in scenario by name, or a JSON scenario file by path. */
export function loadScenario(nameOrFile: string): Scenario {
  const builtIn = BUILT_IN.find((s) => s.name === nameOrFile);
  if (builtIn) {
    return buildScenario(builtIn, `scenario ${nameOrFile}`);
  }
  if (!nameOrFile.endsWith('.json') && !existsSync(nameOrFile)) {
    throw new GamedayInputError(`--scenario ${nameOrFile}: no such built-in scenario or file; built-ins: ${BUILT_IN_SCENARIOS.join(', ')}`);
  }
  let text: string;
  try {
    text = readFileSync(nameOrFile, 'utf8');
  } catch {
    throw new GamedayInputError(`--scenario ${nameOrFile}: cannot read the file; pass a built-in name (${BUILT_IN_SCENARIOS.join(', ')}) or a JSON file`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new GamedayInputError(`--scenario ${nameOrFile}: not valid JSON (${(err as Error).message.split('\n')[0]})`);
  }
  return buildScenario(json, nameOrFile);
}

/** Whether the event is in effect at time `t`. */
export function eventActive(event: ScenarioEvent, t: number): boolean {
  if (t < event.start || (event.end !== undefined && t >= event.end)) {
    return false;
  }
  if (!event.cycle) {
    return true;
  }
  const phase = (t - event.start) % (event.cycle.on + event.cycle.off);
  return phase < event.cycle.on;
}
