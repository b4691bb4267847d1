import { worstDecisionMs } from './budget';
import { HandlerConfig, WiredAlarm, ZoneGroup } from './types';

/** Default namespace of the decision metrics. */
export const DEFAULT_METRICS_NAMESPACE = 'CdkAzi/ZonalShift';
/** The environment variable that holds the whole configuration as one JSON object. */
export const CONFIG_VARIABLE = 'ZONAL_SHIFT_CONFIG';
/** Every comment this automation writes starts with this marker (ownership needs the whole comment). */
export const COMMENT_MARKER = 'cdk-azi:';
/** ARC's limit on a zonal shift comment. */
export const MAX_COMMENT_LENGTH = 128;

const EXPIRES_IN = /^([1-9][0-9]*)(m|h)$/;
const MAX_EXPIRY_MINUTES = 72 * 60;
const OWNER = /^[a-z0-9]{4,16}$/;

/** Minutes of an ARC `expiresIn` value (`<n>m` or `<n>h`, at most 72 hours), or undefined. */
export function expiresInMinutes(value: unknown): number | undefined {
  const match = typeof value === 'string' ? EXPIRES_IN.exec(value) : null;
  if (!match) {
    return undefined;
  }
  const minutes = Number(match[1]) * (match[2] === 'h' ? 60 : 1);
  return minutes <= MAX_EXPIRY_MINUTES ? minutes : undefined;
}

/** Validates an ARC `expiresIn` value. */
export function isValidExpiresIn(value: string): boolean {
  return expiresInMinutes(value) !== undefined;
}

/** The exact comment of this responder's shift away from one zone of one load balancer. */
export function shiftComment(owner: string, availabilityZone: string): string {
  return `${COMMENT_MARKER}${owner} isolated impact in ${availabilityZone}`.slice(0, MAX_COMMENT_LENGTH);
}

/** The shape of the configuration the construct renders (keys kept short: 4 KB for all variables). */
export interface RawConfig {
  readonly owner: string;
  readonly expiresIn: string;
  readonly endOnRecovery: boolean;
  readonly recoverySeconds: number;
  readonly dryRun: boolean;
  readonly namespace: string;
  readonly timeoutSeconds: number;
  readonly zoneIds: Record<string, string>;
  readonly loadBalancers: string[];
  /** Every alarm name once; the alarms below refer to them by index. */
  readonly names: string[];
  readonly alarms: RawAlarm[];
  /** ARNs of the IAM roles that may run a drill; absent or empty: drills are refused. */
  readonly drill?: string[];
}

/** One wired alarm: indexes into `names` and `loadBalancers`. */
export interface RawAlarm {
  readonly alarm: number;
  readonly lb: number;
  readonly az: string;
  readonly impaired: number[];
  readonly others: number[];
  readonly dims: number[];
  readonly recovery: number[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(message: string): never {
  throw new Error(`${CONFIG_VARIABLE}: ${message}`);
}

function field<T>(raw: Record<string, unknown>, key: string, check: (value: unknown) => boolean, what: string): T {
  if (!check(raw[key])) {
    fail(`'${key}' must be ${what}`);
  }
  return raw[key] as T;
}

const isString = (value: unknown) => typeof value === 'string' && value !== '';
const isBoolean = (value: unknown) => typeof value === 'boolean';
const isStringArray = (value: unknown) => Array.isArray(value) && value.every(isString);

/**
 * Reads the function's configuration from its environment; throws an Error naming the bad field.
 * Also checks that the worst case of one decision fits in the function's timeout.
 */
export function parseConfig(env: Record<string, string | undefined>): HandlerConfig {
  const text = env[CONFIG_VARIABLE];
  if (text === undefined || text.trim() === '') {
    fail('is not set');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    fail('is not valid JSON');
  }
  if (!isRecord(raw)) {
    fail('is not a JSON object');
  }
  const owner = field<string>(raw, 'owner', (v) => typeof v === 'string' && OWNER.test(v), 'a short lower-case id');
  const expiresIn = field<string>(raw, 'expiresIn', (v) => expiresInMinutes(v) !== undefined, "an ARC expiresIn of at most 72h ('30m', '6h')");
  const recoverySeconds = field<number>(raw, 'recoverySeconds', (v) => Number.isInteger(v) && (v as number) >= 0, 'a whole number of seconds');
  const namespace = field<string>(raw, 'namespace', isString, 'a non-empty string');
  const timeoutSeconds = field<number>(raw, 'timeoutSeconds', (v) => Number.isInteger(v) && (v as number) > 0, 'a positive whole number');
  const zoneIds = field<Record<string, string>>(raw, 'zoneIds', (v) => isRecord(v) && Object.values(v).every(isString), 'an object of AZ name to AZ ID');
  const loadBalancers = field<string[]>(raw, 'loadBalancers', (v) => isStringArray(v) && (v as string[]).every((arn) => arn.startsWith('arn:')), 'an array of load balancer ARNs');
  const names = field<string[]>(raw, 'names', isStringArray, 'an array of alarm names');
  const alarms = field<unknown[]>(raw, 'alarms', Array.isArray, 'an array');
  const drill = drillRoles(raw.drill);
  if (worstDecisionMs() > timeoutSeconds * 1000) {
    fail(`a decision may take ${worstDecisionMs()} ms, more than the function's timeout of ${timeoutSeconds} s`);
  }
  const name = (index: unknown): string => {
    if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= names.length) {
      fail(`alarm name index ${String(index)} is out of range`);
    }
    return names[index as number];
  };
  const nameList = (value: unknown, key: string): string[] => {
    if (!Array.isArray(value)) {
      fail(`'${key}' of a wired alarm must be an array of name indexes`);
    }
    return value.map(name);
  };
  const wired: WiredAlarm[] = alarms.map((entry) => {
    if (!isRecord(entry)) {
      fail('every wired alarm must be an object');
    }
    const lb = entry.lb;
    if (!Number.isInteger(lb) || (lb as number) < 0 || (lb as number) >= loadBalancers.length) {
      fail(`load balancer index ${String(lb)} is out of range`);
    }
    const az = entry.az;
    if (typeof az !== 'string' || !Object.prototype.hasOwnProperty.call(zoneIds, az)) {
      fail(`zone ${String(az)} of a wired alarm is not in zoneIds`);
    }
    return {
      name: name(entry.alarm),
      loadBalancerArn: loadBalancers[lb as number],
      availabilityZone: az,
      impairedAlarms: nameList(entry.impaired, 'impaired'),
      otherImpairedAlarms: nameList(entry.others, 'others'),
      dimensionAlarms: nameList(entry.dims, 'dims'),
      recoveryAlarms: nameList(entry.recovery, 'recovery'),
    };
  });
  const seen = new Set<string>();
  for (const alarm of wired) {
    if (seen.has(alarm.name)) {
      fail(`alarm ${alarm.name} is wired twice`);
    }
    seen.add(alarm.name);
    if (alarm.impairedAlarms.length === 0 || alarm.dimensionAlarms.length === 0) {
      fail(`alarm ${alarm.name} needs its zone's impaired alarm and at least one dimension-carrying alarm`);
    }
  }
  return {
    owner,
    shiftExpiresIn: expiresIn,
    shiftExpiresInMinutes: expiresInMinutes(expiresIn)!,
    endShiftOnRecovery: field<boolean>(raw, 'endOnRecovery', isBoolean, 'true or false'),
    recoveryWindowMs: recoverySeconds * 1000,
    dryRun: field<boolean>(raw, 'dryRun', isBoolean, 'true or false'),
    metricsNamespace: namespace,
    groups: groupByZone(wired, zoneIds, owner),
    drillRoles: drill.roles,
    ...(drill.problem ? { drillProblem: drill.problem } : {}),
  };
}

const ROLE_ARN = /^arn:[a-z-]+:iam::\d{12}:role\//;

/**
 * The drill roles. A bad entry only costs drills (it is left out and reported by the drill):
 * the incident path must not stop over a diagnostic setting.
 */
function drillRoles(value: unknown): { roles: string[]; problem?: string } {
  if (value === undefined) {
    return { roles: [] };
  }
  if (!Array.isArray(value)) {
    return { roles: [], problem: "'drill' is not an array of IAM role ARNs" };
  }
  const roles = value.filter((arn): arn is string => typeof arn === 'string' && ROLE_ARN.test(arn));
  const bad = value.filter((arn) => !roles.includes(arn as string));
  return bad.length === 0 ? { roles } : { roles, problem: `'drill' names ${bad.length} value(s) that are not IAM role ARNs, left out: ${JSON.stringify(bad[0]).slice(0, 120)}` };
}

const unique = (values: string[]) => [...new Set(values)];

/** Groups wired alarms by load balancer and zone: they share one shift. */
export function groupByZone(wired: WiredAlarm[], zoneIds: Record<string, string>, owner: string): ZoneGroup[] {
  const groups = new Map<string, WiredAlarm[]>();
  for (const alarm of wired) {
    const key = `${alarm.loadBalancerArn} ${alarm.availabilityZone}`;
    groups.set(key, [...(groups.get(key) ?? []), alarm]);
  }
  return [...groups.values()].map((members) => {
    const first = members[0];
    const all = (pick: (alarm: WiredAlarm) => string[]) => unique(members.flatMap(pick));
    const impairedAlarms = all((alarm) => alarm.impairedAlarms);
    // Every other wired zone of the same load balancer is "another zone", whatever the list given
    // for this alarm says: a zone left out there must not let a shift start while it is impaired.
    const otherZones = wired.filter((alarm) => alarm.loadBalancerArn === first.loadBalancerArn && alarm.availabilityZone !== first.availabilityZone);
    const otherImpairedAlarms = unique([...members.flatMap((alarm) => alarm.otherImpairedAlarms), ...otherZones.flatMap((alarm) => alarm.impairedAlarms)]);
    const dimensionAlarms = all((alarm) => alarm.dimensionAlarms);
    const recoveryAlarms = all((alarm) => alarm.recoveryAlarms);
    return {
      loadBalancerArn: first.loadBalancerArn,
      availabilityZone: first.availabilityZone,
      availabilityZoneId: zoneIds[first.availabilityZone],
      comment: shiftComment(owner, first.availabilityZone),
      wired: members,
      impairedAlarms,
      otherImpairedAlarms,
      dimensionAlarms,
      recoveryAlarms,
      alarmNames: unique([...members.map((alarm) => alarm.name), ...impairedAlarms, ...otherImpairedAlarms, ...dimensionAlarms, ...recoveryAlarms]),
    };
  });
}
