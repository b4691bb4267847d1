// An hour of one persistent zone failure, minute by minute, over HTTP against the local fakes:
// the shift drains the zone, its load-balancer alarms go OK (no traffic, missing data is not
// breaching), the probe alarm keeps measuring the zone and stays ALARM until the zone recovers.
import { AlarmStateValue } from '../../lambda/zonal-shift/alarm-rule';
import { RECONCILE, alarmEvent, zoneNames } from './support/fixtures';
import { World } from './support/world';

const A = 'us-east-1a';
const A_ID = 'use1-az6';
const FAILS_AT = 2;
const RECOVERS_AT = 40;
/** Minutes of traffic into a broken zone before its load-balancer alarms fire (M of N, delivery). */
const ALB_DELAY = 3;

interface Outcome {
  cancellations: number[];
  starts: number[];
  brokenMinutesWithTraffic: number;
  activeAtEnd: boolean;
}

async function simulateHour(options: { withRecovery: boolean; probesInImpaired: boolean }): Promise<Outcome> {
  const world = await World.start({ withRecovery: options.withRecovery, probesInImpaired: options.probesInImpaired, expiresIn: '6h' });
  const outcome: Outcome = { cancellations: [], starts: [], brokenMinutesWithTraffic: 0, activeAtEnd: false };
  const wired = world.zones.map((zone) => zoneNames(zone).isolated);
  let trafficWhileBroken = 0;
  try {
    for (let minute = 0; minute <= 60; minute++) {
      const broken = minute >= FAILS_AT && minute < RECOVERS_AT;
      const shifted = world.arc.activeShifts().some((shift) => shift.awayFrom === A_ID);
      trafficWhileBroken = broken && !shifted ? trafficWhileBroken + 1 : 0;
      if (broken && !shifted) {
        outcome.brokenMinutesWithTraffic++;
      }
      const before = Object.fromEntries(wired.map((name) => [name, world.state(name)]));
      const alb: AlarmStateValue = trafficWhileBroken >= ALB_DELAY ? 'ALARM' : 'OK';
      world.setZone(A, { alb, probe: broken ? 'ALARM' : 'OK' });
      // Alarm actions fire on transitions only.
      for (const name of wired) {
        const now = world.state(name);
        if (now !== before[name] && now !== 'INSUFFICIENT_DATA') {
          await world.invoke(alarmEvent(name, now));
        }
      }
      await world.invoke(RECONCILE);
      outcome.cancellations.push(...world.arc.calls('CancelZonalShift').slice(outcome.cancellations.length).map(() => minute));
      outcome.starts.push(...world.arc.calls('StartZonalShift').slice(outcome.starts.length).map(() => minute));
      world.advance(60_000);
    }
    outcome.activeAtEnd = world.arc.activeShifts().some((shift) => shift.awayFrom === A_ID);
  } finally {
    await world.close();
  }
  return outcome;
}

describe.each([
  ['probe alarms outside the impaired composite', false],
  ['probe alarms inside the impaired composite', true],
])('one persistent zone failure for an hour, %s', (_name, probesInImpaired) => {
  test('with recovery alarms: no cancellation while broken, exactly one after recovery plus the window', async () => {
    const outcome = await simulateHour({ withRecovery: true, probesInImpaired });
    expect(outcome.cancellations.filter((minute) => minute < RECOVERS_AT)).toEqual([]);
    expect(outcome.cancellations).toHaveLength(1);
    expect(outcome.cancellations[0]).toBeGreaterThanOrEqual(RECOVERS_AT + 5);
    expect(outcome.cancellations[0]).toBeLessThanOrEqual(RECOVERS_AT + 6);
    expect(outcome.starts).toHaveLength(1);
    expect(outcome.brokenMinutesWithTraffic).toBeLessThanOrEqual(ALB_DELAY + 1);
    expect(outcome.activeAtEnd).toBe(false);
  }, 60_000);

  test('without recovery alarms: no cancellation at all, the shift stays until expiry or a person', async () => {
    const outcome = await simulateHour({ withRecovery: false, probesInImpaired });
    expect(outcome.cancellations).toEqual([]);
    expect(outcome.starts).toHaveLength(1);
    expect(outcome.activeAtEnd).toBe(true);
  }, 60_000);
});
