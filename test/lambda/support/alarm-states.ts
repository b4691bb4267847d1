import { AlarmStateValue } from '../../../lambda/zonal-shift/alarm-rule';
import { AlarmState, ZoneGroup } from '../../../lambda/zonal-shift/types';
import { LB_DIM, quoted, zoneNames } from './fixtures';

/** The isolated-impact rule of `az` among the three zones of the fixtures. */
export function isolatedRule(az: string): string {
  const others = ['us-east-1a', 'us-east-1b', 'us-east-1c'].filter((other) => other !== az);
  return `${quoted(zoneNames(az).impaired)} AND NOT (${others.map((other) => quoted(zoneNames(other).impaired)).join(' OR ')})`;
}

/** Options of {@link alarmStates}. */
export interface AlarmStatesOptions {
  /** States by name; every other alarm is OK. */
  readonly states?: Record<string, AlarmStateValue>;
  /** `stateSince` by name (epoch ms, or undefined for unknown); every other alarm since an hour before `now`. */
  readonly since?: Record<string, number | undefined>;
  /** Rules of isolated-impact alarms by name; by default {@link isolatedRule} of their zone. */
  readonly rules?: Record<string, string>;
  readonly now: number;
}

/**
 * The alarm states DescribeAlarms would return for every alarm the groups read, as the decision
 * sees them: wired alarms and impaired alarms are composites, the rest metric alarms of the
 * fixtures' load balancer in their zone (the zone is the name's prefix).
 */
export function alarmStates(groups: ZoneGroup[], options: AlarmStatesOptions): AlarmState[] {
  const names = [...new Set(groups.flatMap((group) => group.alarmNames))];
  const wired = new Set(groups.flatMap((group) => group.wired.map((alarm) => alarm.name)));
  return names.map((name): AlarmState => {
    const state = options.states?.[name] ?? 'OK';
    const stateSince = options.since && name in options.since ? options.since[name] : options.now - 3_600_000;
    const az = name.slice(0, 'us-east-1a'.length);
    if (wired.has(name)) {
      return { name, type: 'composite', state, rule: options.rules?.[name] ?? isolatedRule(az), dimensionSets: [], stateSince };
    }
    if (name.endsWith('-impaired')) {
      return { name, type: 'composite', state, rule: quoted(`${name}-child`), dimensionSets: [], stateSince };
    }
    return { name, type: 'metric', state, dimensionSets: [{ LoadBalancer: LB_DIM, AvailabilityZone: az }], stateSince };
  });
}
