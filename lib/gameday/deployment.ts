import { AlarmStateValue } from './alarms';
import { ZonalDeploymentDef } from './assembly';

/** A deployment of a (possibly bad) revision during a scenario. */
export interface DeploymentSpec {
  /** Seconds after the start. */
  readonly start: number;
  /** Share of requests the new revision fails, once it runs on every host of an AZ (0..1). */
  readonly errorRate: number;
  /** Seconds to deploy one AZ (its batches), during which the new revision's share grows. */
  readonly zoneSeconds: number;
  /** Seconds a rollback takes to put the old revision back on every host. */
  readonly rollbackSeconds: number;
}

/** A change of the deployment, for the timeline. */
export interface DeploymentChange {
  readonly t: number;
  readonly text: string;
  readonly az?: string;
}

type Phase =
  | { kind: 'waiting' }
  | { kind: 'deploying'; az: number; since: number }
  | { kind: 'baking'; az: number; until: number }
  | { kind: 'rolling-back'; since: number; from: number[] }
  | { kind: 'done'; outcome: 'succeeded' | 'rolled back' };

/**
 * CodeDeploy's zonal deployment as the template configures it: one AZ at a time (in the
 * stack's AZ order; CodeDeploy's own order is not documented), the first AZ's bake, then the
 * other AZs' bake, and a stop with rollback when one of the deployment group's alarms is in
 * ALARM. The bad revision's error share in an AZ follows the share of its hosts that run it.
 */
export class ZonalDeploymentModel {
  private phase: Phase = { kind: 'waiting' };
  private readonly deployed: number[];

  constructor(
    private readonly spec: DeploymentSpec,
    private readonly config: ZonalDeploymentDef | undefined,
    private readonly zones: string[],
  ) {
    this.deployed = zones.map(() => 0);
  }

  /** Share of the AZ's hosts on the new revision (0..1). */
  share(az: number): number {
    return this.deployed[az];
  }

  /** The extra error share the deployment adds in the AZ. */
  errorRate(az: number): number {
    return this.deployed[az] * this.spec.errorRate;
  }

  /** How the deployment ended, or `in progress`. */
  get outcome(): 'succeeded' | 'rolled back' | 'in progress' | 'not started' {
    if (this.phase.kind === 'done') {
      return this.phase.outcome;
    }
    return this.phase.kind === 'waiting' ? 'not started' : 'in progress';
  }

  /** Advances to `t`; `stateOf` reads the current alarm states. */
  advance(t: number, stateOf: (name: string) => AlarmStateValue): DeploymentChange[] {
    const changes: DeploymentChange[] = [];
    const phase = this.phase;
    const bake = (az: number) => az === 0 ? this.config?.firstZoneMonitorSeconds ?? 0 : this.config?.monitorSeconds ?? 0;
    if (phase.kind === 'waiting') {
      if (t >= this.spec.start) {
        this.phase = { kind: 'deploying', az: 0, since: t };
        changes.push({ t, az: this.zones[0], text: `deployment started: ${this.zones[0]} first${this.config ? '' : ' (the stack has no CodeDeploy zonal configuration: no bake, no stop on alarm)'}` });
      }
      return changes;
    }
    if (phase.kind === 'deploying' || phase.kind === 'baking') {
      const alarming = (this.config?.alarmNames ?? []).filter((name) => stateOf(name) === 'ALARM');
      if (alarming.length > 0 && this.config?.rollbackOnAlarm !== false) {
        this.phase = { kind: 'rolling-back', since: t, from: [...this.deployed] };
        changes.push({ t, text: `deployment stopped on alarm ${alarming.join(', ')}; rolling back` });
        return changes;
      }
    }
    if (phase.kind === 'deploying') {
      this.deployed[phase.az] = Math.min(1, (t - phase.since) / this.spec.zoneSeconds);
      if (this.deployed[phase.az] >= 1) {
        const seconds = bake(phase.az);
        this.phase = { kind: 'baking', az: phase.az, until: t + seconds };
        changes.push({ t, az: this.zones[phase.az], text: `${this.zones[phase.az]} deployed; baking ${Math.round(seconds / 60)} min` });
      }
    } else if (phase.kind === 'baking' && t >= phase.until) {
      const next = phase.az + 1;
      if (next >= this.zones.length) {
        this.phase = { kind: 'done', outcome: 'succeeded' };
        changes.push({ t, text: 'deployment succeeded in every AZ' });
      } else {
        this.phase = { kind: 'deploying', az: next, since: t };
        changes.push({ t, az: this.zones[next], text: `deploying ${this.zones[next]}` });
      }
    } else if (phase.kind === 'rolling-back') {
      const left = Math.max(0, 1 - (t - phase.since) / this.spec.rollbackSeconds);
      phase.from.forEach((share, az) => {
        this.deployed[az] = share * left;
      });
      if (left === 0) {
        this.phase = { kind: 'done', outcome: 'rolled back' };
        changes.push({ t, text: 'rollback complete: every host runs the previous revision' });
      }
    }
    return changes;
  }
}
